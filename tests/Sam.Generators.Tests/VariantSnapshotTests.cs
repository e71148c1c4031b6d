using System.Runtime.CompilerServices;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>The generated code for each SAM variant and for the schedules, intervals, switching, clipping and AdamW settings.</summary>
public class VariantSnapshotTests
{
    [Fact]
    public void Asam() => Verify("[SharpnessAware(Rho = 1.0, Variant = SamVariant.Asam, AsamEta = 0.02)]");

    [Fact]
    public void Vasso() => Verify("[SharpnessAware(Variant = SamVariant.Vasso, VassoTheta = 0.2)]");

    [Fact]
    public void Friendly_sam() => Verify("[SharpnessAware(Variant = SamVariant.FriendlySam, FriendlyLambda = 0.9, FriendlySigma = 0.5)]");

    [Fact]
    public void Gsam() => Verify("[SharpnessAware(Variant = SamVariant.Gsam, GsamAlpha = 0.3)]");

    [Fact]
    public void Gcsam_unnormalized() => Verify("[SharpnessAware(Variant = SamVariant.Gcsam, Normalize = false)]");

    [Fact]
    public void Looksam_with_the_adaptive_policy() =>
        Verify("[SharpnessAware(Variant = SamVariant.LookSam, Interval = 5, LookSamAlpha = 0.5, StepPolicy = SamStepPolicy.Adaptive, AdaptiveThresholdStart = 0, TotalSteps = 20000)]");

    [Fact]
    public void Esam_with_randomized_switching() =>
        Verify("[SharpnessAware(Variant = SamVariant.Esam, EsamBeta = 0.6, StepPolicy = SamStepPolicy.Random, SamProbability = 0.3, Seed = 42)]");

    [Fact]
    public void Periodic_sam_with_switching_by_fraction() =>
        Verify("[SharpnessAware(Interval = 5, BaseOptimizerSteps = 100, BaseOptimizerFraction = 0.1, TotalSteps = 5000)]");

    [Fact]
    public void AdamW_with_schedules_clipping_and_weight_decay_in_the_perturbation() => Verify("""
        [SharpnessAware(Rho = 0.1, MaxGradientNorm = 1.0, PerturbWeightDecay = true, TotalSteps = 10000)]
        [AdamW(LearningRate = 3e-4, Beta2 = 0.98, WeightDecay = 0.05, Amsgrad = true)]
        [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.6)]
        [LearningRateSchedule(ScheduleKind.Cosine, Floor = 1e-5, WarmupSteps = 500)]
        """);

    [Fact]
    public void Step_decay_schedule_with_sgd() => Verify("""
        [SharpnessAware]
        [Sgd(LearningRate = 0.1, Momentum = 0.9, Nesterov = true)]
        [LearningRateSchedule(ScheduleKind.Step, StepSize = 30, Gamma = 0.2)]
        """);

    [Fact]
    public void Undefined_enum_values_still_generate_compiling_code()
    {
        GeneratorResult run = GeneratorRunner.Run("""
            using Sam;

            namespace Variants;

            [SharpnessAware(Variant = (SamVariant)42)]
            [RhoSchedule((ScheduleKind)9)]
            public partial class Net
            {
                public Parameter W { get; } = Parameter.Zeros("w", 4, 3);
            }
            """);
        GeneratedSourceTests.AssertCompiles(run);
        string code = run.Sources["Variants.Net.Sam.g.cs"];
        Assert.Contains("Variant = (global::Sam.SamVariant)(42)", code, System.StringComparison.Ordinal);
        Assert.Contains("new global::Sam.Schedule((global::Sam.ScheduleKind)(9)", code, System.StringComparison.Ordinal);
    }

    // Every variant generates the same walk code; only the engine's construction and the doc comments depend on
    // the configuration. So each snapshot holds just those parts, and the test asserts that everything else equals
    // the plain-SAM output of the same model (which GeneratedSourceTests snapshots in full).
    private static void Verify(string attributes, [CallerMemberName] string test = "")
    {
        string generated = Generate(attributes);
        string plain = Generate("[SharpnessAware]");
        Assert.Equal(Split(plain).Code, Split(generated).Code);
        SnapshotAssert.Match(Split(generated).Configuration, "Variants.Net.Sam.g", method: test);
    }

    private static string Generate(string attributes)
    {
        string source = $$"""
            using Sam;

            namespace Variants;

            {{attributes}}
            public partial class Net
            {
                public Parameter W { get; } = Parameter.Zeros("w", 4, 3);
                [ExcludeFromPerturbation] public Parameter B { get; } = Parameter.Zeros("b", 4);
                public Parameter[] Layers { get; } = [Parameter.Zeros("l", 2, 2)];
            }
            """;
        GeneratorResult run = GeneratorRunner.Run(source);
        GeneratedSourceTests.AssertCompiles(run);
        return run.Sources["Variants.Net.Sam.g.cs"];
    }

    // Configuration: the Optimizer member (from its initializer's first line to the closing "));") and every doc
    // comment line. Code: every other line.
    private static (string Configuration, string Code) Split(string generated)
    {
        var configuration = new System.Text.StringBuilder();
        var code = new System.Text.StringBuilder();
        bool inOptimizer = false;
        foreach (string line in generated.Replace("\r\n", "\n", System.StringComparison.Ordinal).Split('\n'))
        {
            string trimmed = line.TrimStart();
            inOptimizer |= trimmed.StartsWith("public global::Sam.SamOptimizer Optimizer", System.StringComparison.Ordinal);
            (inOptimizer || trimmed.StartsWith("///", System.StringComparison.Ordinal) ? configuration : code).Append(line).Append('\n');
            inOptimizer &= !trimmed.EndsWith("));", System.StringComparison.Ordinal);
        }

        return (configuration.ToString(), code.ToString());
    }
}
