using System;
using System.Collections.Generic;
using System.Globalization;
using Sam.Generators.Diagnostics;
using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Validation;

/// <summary>
/// Checks every attribute value the runtime would reject (SAM0004), contradictory combinations (SAM0008) and
/// incomplete or ignored settings (SAM0010–SAM0016), so they fail at compile time at the argument that causes them.
/// </summary>
internal static class ConfigValidator
{
    public static IEnumerable<DiagnosticInfo> Validate(AttributeReading reading)
    {
        var found = new List<DiagnosticInfo>();
        CheckValues(found, reading);
        CheckCombinations(found, reading);
        return found;
    }

    public static bool IsFinite(double v) => !double.IsNaN(v) && !double.IsInfinity(v);

    private static void CheckValues(List<DiagnosticInfo> found, AttributeReading reading)
    {
        SamConfigSpec c = reading.Config;
        AssumptionSpec assumed = c.AssumptionsOrNone;
        const string S = "SharpnessAware.";
        NonNegative(found, reading, S + "Rho", c.Rho, "ρ");
        Positive(found, reading, S + "AsamEta", c.AsamEta, "ASAM's η");
        Check(found, reading, S + "VassoTheta", c.VassoTheta, SamRanges.UnitLeftOpen(c.VassoTheta), "VaSSO's θ must be in (0, 1]");
        Check(found, reading, S + "FriendlyLambda", c.FriendlyLambda, SamRanges.UnitRightOpen(c.FriendlyLambda), "Friendly SAM's λ must be in [0, 1)");
        NonNegative(found, reading, S + "FriendlySigma", c.FriendlySigma, "Friendly SAM's σ");
        NonNegative(found, reading, S + "GsamAlpha", c.GsamAlpha, "GSAM's α");
        Check(found, reading, S + "Interval", c.Interval, SamRanges.Interval(c.Interval), "the interval between SAM steps must be at least 1");
        Check(found, reading, S + "BaseOptimizerSteps", c.BaseOptimizerSteps, SamRanges.Steps(c.BaseOptimizerSteps), "a number of steps cannot be negative");
        Check(found, reading, S + "BaseOptimizerFraction", c.BaseOptimizerFraction, SamRanges.UnitRightOpen(c.BaseOptimizerFraction), "the fraction must be in [0, 1)");
        Check(found, reading, S + "TotalSteps", c.TotalSteps, SamRanges.Steps(c.TotalSteps), "a number of steps cannot be negative (0 means unknown)");
        NonNegative(found, reading, S + "MaxGradientNorm", c.MaxGradientNorm, "the clipping norm (0 = no clipping)");
        NonNegative(found, reading, S + "Smoothness", assumed.Smoothness, "the smoothness constant L (0 = unknown)");
        Defined(found, reading, S + "Variant", (int)c.Variant, typeof(VariantKind));
        EfficiencySpec e = c.EfficiencyOrDefault;
        NonNegative(found, reading, S + "LookSamAlpha", e.LookSamAlpha, "LookSAM's α");
        Check(found, reading, S + "EsamBeta", e.EsamBeta, SamRanges.UnitLeftOpen(e.EsamBeta), "ESAM's β must be in (0, 1]");
        Defined(found, reading, S + "StepPolicy", (int)e.Policy, typeof(PolicyKind));
        Check(found, reading, S + "AdaptiveDecay", e.AdaptiveDecay, SamRanges.UnitOpen(e.AdaptiveDecay), "AE-SAM's δ must be in (0, 1)");
        Check(found, reading, S + "AdaptiveThresholdStart", e.AdaptiveThresholdStart, SamRanges.Threshold(e.AdaptiveThresholdStart), "AE-SAM's λ₁ must be finite");
        Check(found, reading, S + "AdaptiveThresholdEnd", e.AdaptiveThresholdEnd, SamRanges.Threshold(e.AdaptiveThresholdEnd), "AE-SAM's λ₂ must be finite");
        Check(found, reading, S + "SamProbability", e.SamProbability, SamRanges.Probability(e.SamProbability), "the SAM-step probability must be in [0, 1]");
        Defined(found, reading, S + "Noise", (int)assumed.Noise, typeof(NoiseKind));
        Defined(found, reading, S + "Landscape", (int)assumed.Landscape, typeof(LandscapeKind));
        Defined(found, reading, S + "Expect", (int)assumed.Expect, typeof(GuaranteeKind));

        OptimizerSpec o = c.Optimizer;
        if (o.Kind == BaseOptimizerKind.AdamW)
        {
            Positive(found, reading, "AdamW.LearningRate", o.LearningRate, "the learning rate");
            Check(found, reading, "AdamW.Beta1", o.Beta1, SamRanges.UnitRightOpen(o.Beta1), "β₁ must be in [0, 1)");
            Check(found, reading, "AdamW.Beta2", o.Beta2, SamRanges.UnitRightOpen(o.Beta2), "β₂ must be in [0, 1)");
            Positive(found, reading, "AdamW.Epsilon", o.Epsilon, "ε");
            NonNegative(found, reading, "AdamW.WeightDecay", o.WeightDecay, "weight decay");
        }
        else
        {
            Positive(found, reading, "Sgd.LearningRate", o.LearningRate, "the learning rate");
            Check(found, reading, "Sgd.Momentum", o.Momentum, SamRanges.UnitRightOpen(o.Momentum), "momentum must be in [0, 1)");
            Check(found, reading, "Sgd.Dampening", o.Dampening, SamRanges.UnitClosed(o.Dampening), "dampening must be in [0, 1]");
            NonNegative(found, reading, "Sgd.WeightDecay", o.WeightDecay, "weight decay");
        }

        CheckSchedule(found, reading, "RhoSchedule", c.RhoSchedule);
        CheckSchedule(found, reading, "LearningRateSchedule", c.LearningRateSchedule);
        CheckSinglePrecision(found, reading);
    }

    /// <summary>The largest float, as the messages print it.</summary>
    private const string FloatMax = "3.4028235E+38";

    // The runtime holds these in single precision ((float)η, (float)λ, λ·w and 1 − η·λ computed per weight): a value
    // valid as a double can still be ∞ or 0 there, and every step would then fail (or do nothing) at run time
    // blaming something else. Each is checked only once the range check above accepted it.
    private static void CheckSinglePrecision(List<DiagnosticInfo> found, AttributeReading reading)
    {
        SamConfigSpec c = reading.Config;
        OptimizerSpec o = c.Optimizer;
        const string S = "SharpnessAware.";
        string opt = o.Kind == BaseOptimizerKind.AdamW ? "AdamW." : "Sgd.";
        bool lrFits = FitsSingle(found, reading, opt + "LearningRate", o.LearningRate, "the learning rate", positive: true);
        bool decayFits = FitsSingle(found, reading, opt + "WeightDecay", o.WeightDecay, "weight decay", positive: false);
        FitsSingle(found, reading, S + "Rho", c.Rho, "ρ", positive: false);
        FitsSingle(found, reading, S + "AsamEta", c.AsamEta, "ASAM's η", positive: true);
        FitsSingle(found, reading, S + "FriendlySigma", c.FriendlySigma, "Friendly SAM's σ", positive: false);
        FitsSingle(found, reading, S + "GsamAlpha", c.GsamAlpha, "GSAM's α", positive: false);
        FitsSingle(found, reading, S + "LookSamAlpha", c.EfficiencyOrDefault.LookSamAlpha, "LookSAM's α", positive: false);
        if (o.Kind == BaseOptimizerKind.AdamW)
        {
            FitsSingle(found, reading, "AdamW.Epsilon", o.Epsilon, "ε", positive: true);
        }

        // The decay step multiplies the weights by η·λ (1 − η·λ when decoupled, η·(g + λ·w) as L2): both may fit in
        // a float while their product does not.
        double product = o.LearningRate * o.WeightDecay;
        if (lrFits && decayFits && IsFinite(o.LearningRate) && o.LearningRate > 0 && IsFinite(o.WeightDecay) && o.WeightDecay > 0 && !SamRanges.DecayStepFitsSingle(o.LearningRate, o.WeightDecay))
        {
            found.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.InvalidArgument,
                At(reading, opt + "WeightDecay"),
                "WeightDecay",
                Number(o.WeightDecay),
                "with the learning rate η = " + Number(o.LearningRate) + " the decay step η·λ = " + Derived(product) + " exceeds the largest float (" + FloatMax + "), so every step would make the weights non-finite"));
        }
    }

    // False (and SAM0004) when a value the range checks accepted overflows single precision, or — for a value that must
    // be positive — rounds to 0 there. Values the range checks rejected are not reported twice.
    private static bool FitsSingle(List<DiagnosticInfo> found, AttributeReading reading, string key, double value, string what, bool positive)
    {
        if (!IsFinite(value) || value < 0 || (positive && value == 0))
        {
            return true;
        }

        if (!SamRanges.FitsSingle(value, positive: false))
        {
            Check(found, reading, key, value, false, what + " must be at most " + FloatMax + ", the largest float: the runtime computes in single precision, where it would be ∞");
            return false;
        }

        if (!SamRanges.FitsSingle(value, positive))
        {
            Check(found, reading, key, value, false, what + " rounds to 0 in single precision, where the runtime computes (the smallest positive float is 1.4E-45)");
            return false;
        }

        return true;
    }

    private static void CheckSchedule(List<DiagnosticInfo> found, AttributeReading reading, string prefix, ScheduleSpec? s)
    {
        if (s is null)
        {
            return;
        }

        if (!Enum.IsDefined(typeof(ScheduleShape), s.Shape))
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArgument, AttributeAt(reading, prefix), "Kind", ((int)s.Shape).ToString(CultureInfo.InvariantCulture), "not a defined ScheduleKind"));
        }

        NonNegative(found, reading, prefix + ".Exponent", s.Exponent, "the decay exponent");
        NonNegative(found, reading, prefix + ".Floor", s.Floor, "the floor");
        Check(found, reading, prefix + ".TotalSteps", s.TotalSteps, s.TotalSteps >= 0, "a number of steps cannot be negative");
        Check(found, reading, prefix + ".StepSize", s.StepSize, s.StepSize >= 0, "a number of steps cannot be negative");
        Check(found, reading, prefix + ".Gamma", s.Gamma, IsFinite(s.Gamma) && s.Gamma > 0 && s.Gamma <= 1, "the decay factor γ must be in (0, 1]");
        Check(found, reading, prefix + ".WarmupSteps", s.WarmupSteps, s.WarmupSteps >= 0, "a number of steps cannot be negative");
    }

    private static void CheckCombinations(List<DiagnosticInfo> found, AttributeReading reading)
    {
        SamConfigSpec c = reading.Config;
        OptimizerSpec o = c.Optimizer;
        if (reading.AttributeLocations.ContainsKey("Sgd") && reading.AttributeLocations.ContainsKey("AdamW"))
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConflictingArguments, reading.AttributeLocations["AdamW"], "[Sgd] and [AdamW] both select a base optimizer; keep one"));
        }

        if (o.Kind == BaseOptimizerKind.Sgd && o.Nesterov && (o.Momentum == 0 || o.Dampening != 0))
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConflictingArguments, At(reading, "Sgd.Nesterov"), "Nesterov = true needs Momentum > 0 and Dampening = 0"));
        }

        // BaseOptimizerSteps and BaseOptimizerFraction together are legal: the runtime switches at the later of the two.
        if (c.BaseOptimizerFraction > 0 && c.BaseOptimizerFraction < 1 && c.TotalSteps == 0)
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FractionWithoutTotalSteps, At(reading, "SharpnessAware.BaseOptimizerFraction"), Number(c.BaseOptimizerFraction)));
        }

        // The runtime switches at max(N, ⌈f·T⌉), ⌈f·T⌉ taken in decimal (SamSettings.SwitchStep).
        long fromFraction = c.BaseOptimizerFraction > 0 && c.BaseOptimizerFraction < 1 && c.TotalSteps > 0
            ? (long)Math.Ceiling((decimal)c.BaseOptimizerFraction * c.TotalSteps)
            : 0;
        if (c.TotalSteps > 0 && Math.Max(c.BaseOptimizerSteps, fromFraction) >= c.TotalSteps)
        {
            string cause = c.BaseOptimizerSteps >= fromFraction ? "SharpnessAware.BaseOptimizerSteps" : "SharpnessAware.BaseOptimizerFraction";
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.SamNeverRuns, At(reading, cause), Number(Math.Max(c.BaseOptimizerSteps, fromFraction)), Number(c.TotalSteps)));
        }

        VariantOption(found, reading, "AsamEta", c.AsamEta, VariantKind.Asam);
        VariantOption(found, reading, "VassoTheta", c.VassoTheta, VariantKind.Vasso);
        VariantOption(found, reading, "FriendlyLambda", c.FriendlyLambda, VariantKind.FriendlySam);
        VariantOption(found, reading, "FriendlySigma", c.FriendlySigma, VariantKind.FriendlySam);
        VariantOption(found, reading, "GsamAlpha", c.GsamAlpha, VariantKind.Gsam);
        VariantOption(found, reading, "LookSamAlpha", c.EfficiencyOrDefault.LookSamAlpha, VariantKind.LookSam);
        VariantOption(found, reading, "EsamBeta", c.EfficiencyOrDefault.EsamBeta, VariantKind.Esam);
        if (c.EfficiencyOrDefault.Policy == PolicyKind.Adaptive && c.TotalSteps == 0)
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ConflictingArguments, At(reading, "SharpnessAware.StepPolicy"), "StepPolicy = Adaptive (AE-SAM) needs TotalSteps > 0: its threshold c_t runs linearly from AdaptiveThresholdStart to AdaptiveThresholdEnd over TotalSteps"));
        }
        if (c.Variant != VariantKind.Asam && reading.ArgumentLocations.TryGetValue("SharpnessAware.AsamScaleBiases", out LocationInfo? biases))
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VariantOptionIgnored, biases, "AsamScaleBiases", c.AsamScaleBiases ? "true" : "false", VariantKind.Asam.ToString(), c.Variant.ToString()));
        }

        ScheduleCompleteness(found, reading, "RhoSchedule", "ρ", c.RhoSchedule);
        ScheduleCompleteness(found, reading, "LearningRateSchedule", "learning-rate", c.LearningRateSchedule);
    }

    // Arguments each schedule kind reads; WarmupSteps applies to every kind.
    private static readonly string[][] s_scheduleArguments =
    [
        ["WarmupSteps"],
        ["Exponent", "WarmupSteps"],
        ["Floor", "TotalSteps", "WarmupSteps"],
        ["StepSize", "Gamma", "WarmupSteps"],
    ];

    private static readonly string[] s_allScheduleArguments = ["Exponent", "Floor", "TotalSteps", "StepSize", "Gamma"];

    private static void ScheduleCompleteness(List<DiagnosticInfo> found, AttributeReading reading, string prefix, string what, ScheduleSpec? s)
    {
        if (s is null || !Enum.IsDefined(typeof(ScheduleShape), s.Shape))
        {
            return;
        }

        if (s.Shape == ScheduleShape.Cosine && s.TotalSteps == 0 && reading.Config.TotalSteps <= 0)
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.CosineWithoutHorizon, AttributeAt(reading, prefix), what));
        }

        if (s.Shape == ScheduleShape.Step && s.StepSize == 0)
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.StepWithoutStepSize, AttributeAt(reading, prefix), what, Number(s.Gamma)));
        }

        string[] used = s_scheduleArguments[(int)s.Shape];
        foreach (string argument in s_allScheduleArguments)
        {
            if (Array.IndexOf(used, argument) < 0 && reading.ArgumentLocations.TryGetValue(prefix + "." + argument, out LocationInfo? where))
            {
                found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ScheduleArgumentIgnored, where, argument, s.Shape.ToString()));
            }
        }
    }

    private static void VariantOption(List<DiagnosticInfo> found, AttributeReading reading, string name, double value, VariantKind owner)
    {
        if (reading.Config.Variant != owner && reading.ArgumentLocations.TryGetValue("SharpnessAware." + name, out LocationInfo? where))
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.VariantOptionIgnored, where, name, Number(value), owner.ToString(), reading.Config.Variant.ToString()));
        }
    }

    private static void NonNegative(List<DiagnosticInfo> found, AttributeReading reading, string key, double value, string what) =>
        Check(found, reading, key, value, SamRanges.NonNegative(value), what + " must be finite and non-negative");

    private static void Positive(List<DiagnosticInfo> found, AttributeReading reading, string key, double value, string what) =>
        Check(found, reading, key, value, SamRanges.Positive(value), what + " must be finite and positive");

    private static void Defined(List<DiagnosticInfo> found, AttributeReading reading, string key, int value, Type enumType) =>
        Check(found, reading, key, value, Enum.IsDefined(enumType, value), "not a defined value of the enum");

    private static void Check(List<DiagnosticInfo> found, AttributeReading reading, string key, double value, bool ok, string why)
    {
        if (!ok)
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArgument, At(reading, key), key.Substring(key.IndexOf('.') + 1), Number(value), why));
        }
    }

    /// <summary>A number as the messages print it: invariant, round-trip, NaN and ∞ spelled out.</summary>
    public static string Number(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "∞"
        : double.IsNegativeInfinity(value) ? "−∞"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A computed number (ρ², ρL, a + b) to 6 significant digits, so 0.05² prints 0.0025, not 0.0025000000000000005.</summary>
    public static string Derived(double value) =>
        ConfigValidator.IsFinite(value) ? value.ToString("G6", CultureInfo.InvariantCulture) : Number(value);

    /// <summary>The argument's location, else its attribute's, else [SharpnessAware]'s.</summary>
    public static LocationInfo? At(AttributeReading reading, string key) =>
        reading.ArgumentLocations.TryGetValue(key, out LocationInfo? l) && l is not null ? l : AttributeAt(reading, key.Substring(0, Math.Max(0, key.IndexOf('.'))));

    public static LocationInfo? AttributeAt(AttributeReading reading, string attribute) =>
        reading.AttributeLocations.TryGetValue(attribute, out LocationInfo? l) && l is not null ? l : reading.AttributeLocation;
}
