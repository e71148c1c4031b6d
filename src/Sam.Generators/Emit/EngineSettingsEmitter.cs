using System.Collections.Generic;
using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>
/// The <c>new global::Sam.SamSettings { … }</c> initializer and the base-optimizer construction for a model's
/// configuration, shared by the backends. ρ and Normalize are always written; every other setting only when
/// it differs from the runtime's default, so a plain SAM model's code stays short and each variant's snapshot
/// shows exactly what it configures.
/// </summary>
internal static class EngineSettingsEmitter
{
    public static void EmitSettings(SourceWriter w, SamConfigSpec c)
    {
        var items = new List<string>
        {
            $"Rho = {Literals.Double(c.Rho)}",
            $"Normalize = {Literals.Bool(c.Normalize)}",
        };

        if (c.Variant != VariantKind.Sam)
        {
            items.Add("Variant = " + EnumMember("global::Sam.SamVariant", c.Variant));
        }

        AddIfNot(items, "AsamEta", c.AsamEta, SamDefaults.AsamEta);
        if (c.AsamScaleBiases != SamDefaults.AsamScaleBiases)
        {
            items.Add("AsamScaleBiases = " + (c.AsamScaleBiases ? "true" : "false"));
        }

        AddIfNot(items, "VassoTheta", c.VassoTheta, SamDefaults.VassoTheta);
        AddIfNot(items, "FriendlyLambda", c.FriendlyLambda, SamDefaults.FriendlyLambda);
        AddIfNot(items, "FriendlySigma", c.FriendlySigma, SamDefaults.FriendlySigma);
        AddIfNot(items, "GsamAlpha", c.GsamAlpha, SamDefaults.GsamAlpha);
        if (c.Interval != SamDefaults.Interval)
        {
            items.Add($"Interval = {c.Interval.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        EfficiencySpec e = c.EfficiencyOrDefault;
        AddIfNot(items, "LookSamAlpha", e.LookSamAlpha, SamDefaults.LookSamAlpha);
        AddIfNot(items, "EsamBeta", e.EsamBeta, SamDefaults.EsamBeta);
        if (e.Policy != PolicyKind.Periodic)
        {
            items.Add("StepPolicy = " + EnumMember("global::Sam.SamStepPolicy", e.Policy));
        }

        AddIfNot(items, "AdaptiveDecay", e.AdaptiveDecay, SamDefaults.AdaptiveDecay);
        AddIfNot(items, "AdaptiveThresholdStart", e.AdaptiveThresholdStart, SamDefaults.AdaptiveThresholdStart);
        AddIfNot(items, "AdaptiveThresholdEnd", e.AdaptiveThresholdEnd, SamDefaults.AdaptiveThresholdEnd);
        AddIfNot(items, "SamProbability", e.SamProbability, SamDefaults.SamProbability);
        if (e.Seed != 0)
        {
            items.Add($"Seed = {Literals.Long(e.Seed)}");
        }

        if (c.BaseOptimizerSteps != 0)
        {
            items.Add($"BaseOptimizerSteps = {Literals.Long(c.BaseOptimizerSteps)}");
        }

        AddIfNot(items, "BaseOptimizerFraction", c.BaseOptimizerFraction, 0);
        if (c.TotalSteps != 0)
        {
            items.Add($"TotalSteps = {Literals.Long(c.TotalSteps)}");
        }

        AddIfNot(items, "MaxGradientNorm", c.MaxGradientNorm, 0);
        if (c.PerturbWeightDecay)
        {
            items.Add("PerturbWeightDecay = true");
        }

        if (Schedule(c.RhoSchedule, c.TotalSteps) is { } rho)
        {
            items.Add("RhoSchedule = " + rho);
        }

        if (Schedule(c.LearningRateSchedule, c.TotalSteps) is { } lr)
        {
            items.Add("LearningRateSchedule = " + lr);
        }

        if (items.Count <= 3)
        {
            w.Line($"new global::Sam.SamSettings {{ {string.Join(", ", items)} }},");
            return;
        }

        w.Line("new global::Sam.SamSettings");
        w.Line("{");
        w.Indent();
        foreach (string item in items)
        {
            w.Line(item + ",");
        }

        w.Unindent();
        w.Line("},");
    }

    public static string BaseOptimizer(OptimizerSpec o) => o.Kind == BaseOptimizerKind.AdamW
        ? $"new global::Sam.AdamW(learningRate: {Literals.Double(o.LearningRate)}, beta1: {Literals.Double(o.Beta1)}, beta2: {Literals.Double(o.Beta2)}, " +
          $"epsilon: {Literals.Double(o.Epsilon)}, weightDecay: {Literals.Double(o.WeightDecay)}, amsgrad: {Literals.Bool(o.Amsgrad)})"
        : $"new global::Sam.Sgd(learningRate: {Literals.Double(o.LearningRate)}, momentum: {Literals.Double(o.Momentum)}, dampening: {Literals.Double(o.Dampening)}, " +
        $"weightDecay: {Literals.Double(o.WeightDecay)}, nesterov: {Literals.Bool(o.Nesterov)}, decoupledWeightDecay: {Literals.Bool(o.DecoupledWeightDecay)})";

    /// <summary>A schedule's construction, or null for a constant one without warm-up (the runtime's default).</summary>
    /// <remarks>A cosine schedule without its own TotalSteps uses the [SharpnessAware] TotalSteps (the analyzer reports when both are 0).</remarks>
    private static string? Schedule(ScheduleSpec? s, long totalSteps)
    {
        if (s is null || s.IsConstant)
        {
            return null;
        }

        long horizon = s.Shape == ScheduleShape.Cosine && s.TotalSteps == 0 ? totalSteps : s.TotalSteps;
        return $"new global::Sam.Schedule({EnumMember("global::Sam.ScheduleKind", s.Shape)}, exponent: {Literals.Double(s.Exponent)}, floor: {Literals.Double(s.Floor)}, " +
            $"totalSteps: {Literals.Long(horizon)}, stepSize: {Literals.Long(s.StepSize)}, gamma: {Literals.Double(s.Gamma)}, warmupSteps: {Literals.Long(s.WarmupSteps)})";
    }

    /// <summary>
    /// <c>Type.Member</c>, or a cast of the number when the attribute held a value the enum does not define (the
    /// analyzer reports it; the generated code must still compile, and the runtime then names the bad value).
    /// </summary>
    private static string EnumMember<T>(string type, T value)
        where T : struct, System.Enum =>
        System.Enum.IsDefined(typeof(T), value)
            ? type + "." + value.ToString()
            : "(" + type + ")(" + System.Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture) + ")";

    private static void AddIfNot(List<string> items, string name, double value, double fallback)
    {
        if (!value.Equals(fallback))
        {
            items.Add($"{name} = {Literals.Double(value)}");
        }
    }
}
