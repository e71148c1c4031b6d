using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Sam.Generators.Model;

namespace Sam.Generators.Parsing;

/// <summary>The configuration read from the attributes, with where each argument was written.</summary>
/// <param name="Config">The values (defaults where not written).</param>
/// <param name="ArgumentLocations">"Attribute.Argument" (e.g. "Sgd.Momentum", "RhoSchedule.Exponent") → the argument's location.</param>
/// <param name="AttributeLocations">"SharpnessAware", "Sgd", "AdamW", "RhoSchedule", "LearningRateSchedule" → the attribute's location.</param>
internal sealed record AttributeReading(
    SamConfigSpec Config,
    IReadOnlyDictionary<string, LocationInfo?> ArgumentLocations,
    IReadOnlyDictionary<string, LocationInfo?> AttributeLocations)
{
    /// <summary>The [SharpnessAware] attribute's location.</summary>
    public LocationInfo? AttributeLocation => AttributeLocations.TryGetValue("SharpnessAware", out LocationInfo? l) ? l : null;
}

/// <summary>Reads [SharpnessAware], the schedules and the base-optimizer attribute into a <see cref="SamConfigSpec"/>.</summary>
internal static class AttributeReader
{
    public static AttributeReading Read(INamedTypeSymbol type, AttributeData samAttribute, CancellationToken ct)
    {
        var argLocations = new Dictionary<string, LocationInfo?>();
        var attrLocations = new Dictionary<string, LocationInfo?>();
        Locate(samAttribute, "SharpnessAware", argLocations, attrLocations, ct);
        var sam = new Args(samAttribute);

        AttributeData? sgd = null, adamW = null, rhoSchedule = null, lrSchedule = null;
        foreach (AttributeData a in type.GetAttributes())
        {
            switch (a.AttributeClass?.ToDisplayString())
            {
                case TypeNames.SgdAttribute:
                    sgd = a;
                    break;
                case TypeNames.AdamWAttribute:
                    adamW = a;
                    break;
                case TypeNames.RhoScheduleAttribute:
                    rhoSchedule = a;
                    break;
                case TypeNames.LearningRateScheduleAttribute:
                    lrSchedule = a;
                    break;
            }
        }

        OptimizerSpec optimizer = OptimizerSpec.DefaultSgd;
        if (sgd is not null)
        {
            Locate(sgd, "Sgd", argLocations, attrLocations, ct);
            var s = new Args(sgd);
            optimizer = new OptimizerSpec(
                BaseOptimizerKind.Sgd,
                s.Double("LearningRate", SamDefaults.SgdLearningRate),
                s.Double("Momentum", 0),
                s.Double("Dampening", 0),
                s.Double("WeightDecay", 0),
                s.Bool("Nesterov", false),
                s.Bool("DecoupledWeightDecay", false));
        }

        // With both attributes the analyzer reports SAM0008; SGD (read first) is what gets generated.
        if (adamW is not null)
        {
            Locate(adamW, "AdamW", argLocations, attrLocations, ct);
            if (sgd is null)
            {
                var a = new Args(adamW);
                OptimizerSpec d = OptimizerSpec.DefaultAdamW;
                optimizer = d with
                {
                    LearningRate = a.Double("LearningRate", d.LearningRate),
                    Beta1 = a.Double("Beta1", d.Beta1),
                    Beta2 = a.Double("Beta2", d.Beta2),
                    Epsilon = a.Double("Epsilon", d.Epsilon),
                    WeightDecay = a.Double("WeightDecay", d.WeightDecay),
                    Amsgrad = a.Bool("Amsgrad", false),
                };
            }
        }

        var config = new SamConfigSpec(
            sam.Double("Rho", SamDefaults.Rho),
            sam.Bool("Normalize", SamDefaults.Normalize),
            optimizer,
            (VariantKind)sam.Int("Variant", 0),
            sam.Double("AsamEta", SamDefaults.AsamEta),
            sam.Double("VassoTheta", SamDefaults.VassoTheta),
            sam.Double("FriendlyLambda", SamDefaults.FriendlyLambda),
            sam.Double("FriendlySigma", SamDefaults.FriendlySigma),
            sam.Double("GsamAlpha", SamDefaults.GsamAlpha),
            sam.Int("Interval", SamDefaults.Interval),
            sam.Long("BaseOptimizerSteps", 0),
            sam.Double("BaseOptimizerFraction", 0),
            sam.Long("TotalSteps", 0),
            sam.Double("MaxGradientNorm", 0),
            sam.Bool("PerturbWeightDecay", false),
            ReadSchedule(rhoSchedule, "RhoSchedule", argLocations, attrLocations, ct),
            ReadSchedule(lrSchedule, "LearningRateSchedule", argLocations, attrLocations, ct),
            new AssumptionSpec(
                (NoiseKind)sam.Int("Noise", 0),
                (LandscapeKind)sam.Int("Landscape", 0),
                (GuaranteeKind)sam.Int("Expect", 0),
                sam.Double("Smoothness", 0)),
            sam.Bool("AsamScaleBiases", SamDefaults.AsamScaleBiases),
            new EfficiencySpec(
                sam.Double("LookSamAlpha", SamDefaults.LookSamAlpha),
                sam.Double("EsamBeta", SamDefaults.EsamBeta),
                (PolicyKind)sam.Int("StepPolicy", 0),
                sam.Double("AdaptiveDecay", SamDefaults.AdaptiveDecay),
                sam.Double("AdaptiveThresholdStart", SamDefaults.AdaptiveThresholdStart),
                sam.Double("AdaptiveThresholdEnd", SamDefaults.AdaptiveThresholdEnd),
                sam.Double("SamProbability", SamDefaults.SamProbability),
                sam.Long("Seed", 0)));
        return new AttributeReading(config, argLocations, attrLocations);
    }

    private static ScheduleSpec? ReadSchedule(AttributeData? attribute, string prefix, Dictionary<string, LocationInfo?> args, Dictionary<string, LocationInfo?> attrs, CancellationToken ct)
    {
        if (attribute is null)
        {
            return null;
        }

        Locate(attribute, prefix, args, attrs, ct);
        var a = new Args(attribute);
        int shape = attribute.ConstructorArguments.Length == 1 && attribute.ConstructorArguments[0].Value is int k ? k : 0;
        ScheduleSpec d = ScheduleSpec.Constant;
        return new ScheduleSpec(
            (ScheduleShape)shape,
            a.Double("Exponent", d.Exponent),
            a.Double("Floor", d.Floor),
            a.Long("TotalSteps", d.TotalSteps),
            a.Long("StepSize", d.StepSize),
            a.Double("Gamma", d.Gamma),
            a.Long("WarmupSteps", d.WarmupSteps));
    }

    private static void Locate(AttributeData attribute, string prefix, Dictionary<string, LocationInfo?> args, Dictionary<string, LocationInfo?> attrs, CancellationToken ct)
    {
        SyntaxNode? node = attribute.ApplicationSyntaxReference?.GetSyntax(ct);
        attrs[prefix] = LocationInfo.From(node);
        if (node is not AttributeSyntax { ArgumentList: { } list })
        {
            return;
        }

        foreach (AttributeArgumentSyntax arg in list.Arguments)
        {
            if (arg.NameEquals is { } nameEquals)
            {
                args[prefix + "." + nameEquals.Name.Identifier.ValueText] = LocationInfo.From(arg.Expression);
            }
        }
    }

    /// <summary>Typed access to an attribute's named arguments; a missing or mistyped argument yields the default.</summary>
    private readonly struct Args
    {
        private readonly AttributeData _attribute;

        public Args(AttributeData attribute) => _attribute = attribute;

        public double Double(string name, double fallback) => Find(name) switch
        {
            double d => d,
            float f => f,
            int i => i,
            long l => l,
            _ => fallback,
        };

        public long Long(string name, long fallback) => Find(name) switch
        {
            long l => l,
            int i => i,
            _ => fallback,
        };

        public int Int(string name, int fallback) => Find(name) switch
        {
            int i => i,
            _ => fallback,
        };

        public bool Bool(string name, bool fallback) => Find(name) is bool b ? b : fallback;

        private object? Find(string name)
        {
            foreach (KeyValuePair<string, TypedConstant> arg in _attribute.NamedArguments)
            {
                if (arg.Key == name && arg.Value.Kind != TypedConstantKind.Error && arg.Value.Kind != TypedConstantKind.Array)
                {
                    return arg.Value.Value;
                }
            }

            return null;
        }
    }
}
