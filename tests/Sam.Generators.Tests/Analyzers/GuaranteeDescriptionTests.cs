using System;
using System.Linq;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>The "Guarantee:" sentence the generator writes into the Optimizer member's remarks.</summary>
public class GuaranteeDescriptionTests
{
    [Theory]
    [InlineData("[SharpnessAware, Sgd(Momentum = 0.9)]", "outside the cited analyses, which study plain SGD steps without momentum")]
    [InlineData("[SharpnessAware, AdamW]", "LightSAM (Cheng et al. 2025) analyses a different, adaptive-radius algorithm")]
    [InlineData("[SharpnessAware(Rho = 0)]", "with ρ = 0 every step is exactly the base optimizer's")]
    [InlineData("[SharpnessAware(Rho = 0.1)]", "only to a neighbourhood of stationarity with an unavoidable term of order ρ² = 0.01 (Si &amp; Yun, NeurIPS 2023)")]
    [InlineData("[SharpnessAware(Rho = 0.1, Landscape = LossLandscape.Convex)]", "only to a neighbourhood of optima with an unavoidable term of order ρ² = 0.01")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.StronglyConvex)]", "not covered with a constant learning rate")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Convex)]", "not covered with a constant learning rate")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.StronglyConvex), LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 1)]", "the optimum is reached, and the paper proves the tight rate Θ̃(1/T²) for its choice of decaying step")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.StronglyConvex), LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.75)]", "decaying step ηₜ ∝ t^(−0.75), the optimum is reached (Si")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic)]", "loss not declared convex, only a neighbourhood of stationarity of order ρ² = 0.0025")]
    [InlineData("[SharpnessAware, LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.8), RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.4)]", "ηₜ ∝ t^(−0.8) and a decaying ρ, ∇f → 0 and f converges (Khanh et al., NeurIPS 2024)")]
    [InlineData("[SharpnessAware, LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.6), RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.4)]", "not covered: on a loss not declared convex the decays need a + b &gt; 1")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Stochastic), LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.8), RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.4)]", "Oikonomou &amp; Loizou (ICLR 2025), whose conditions are not checked here")]
    [InlineData("[SharpnessAware, LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 1.5)]", "not covered: the decaying-step results need ηₜ ∝ t^(−b) with ½ &lt; b ≤ 1")]
    [InlineData("[SharpnessAware, LearningRateSchedule(ScheduleKind.Cosine, TotalSteps = 100)]", "a cosine schedule ends at a finite horizon")]
    [InlineData("[SharpnessAware, LearningRateSchedule(ScheduleKind.Step, StepSize = 100, Gamma = 0.5)]", "a step decay that never ends has Σηₜ &lt; ∞")]
    [InlineData("[SharpnessAware(Variant = SamVariant.Gsam)]", "outside the cited analyses for this variant; they cover SAM, USAM, VaSSO, F-SAM and RSAM")]
    [InlineData("[SharpnessAware(Variant = SamVariant.FriendlySam, Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Nonconvex)]", "only a neighbourhood of stationarity")]
    [InlineData("[SharpnessAware(Normalize = false, Rho = 0.1, Smoothness = 2)]", "ρL = 0.2 &lt; 1, the regime the USAM results cover")]
    public void States_the_guarantee_with_its_source(string attributes, string expected)
    {
        GeneratorResult run = GeneratorRunner.Run(Models.With(attributes));
        GeneratedSourceTests.AssertCompiles(run);
        string line = run.Sources.Single().Value.Split('\n').Single(l => l.Contains("/// Guarantee: ", StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("none known", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.StronglyConvex)]")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.StronglyConvex), Sgd(LearningRate = 0.5)]")]
    public void The_optimum_is_not_claimed_with_a_constant_learning_rate(string attributes)
    {
        // The lab's rate experiment: a constant η leaves deterministic SAM cycling at ‖∇f‖ ≈ 1.7e-2 (docs/theory.md#rate).
        GeneratorResult run = GeneratorRunner.Run(Models.With(attributes));
        string line = run.Sources.Single().Value.Split('\n').Single(l => l.Contains("/// Guarantee: ", StringComparison.Ordinal));
        Assert.DoesNotContain("the optimum is reached,", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Θ̃(1/T²)", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic), LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.8)]", "∇f → 0 needs a convex loss or a decaying ρ")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Convex), LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.8)]", "on a convex loss and ηₜ ∝ t^(−0.8), ∇f → 0 along a subsequence")]
    public void Constant_rho_with_a_decaying_step_claims_the_convex_result_only(string attributes, string expected)
    {
        // Khanh et al. 2024's liminf ‖∇f‖ = 0 with constant ρ is the convex case; on nonconvex losses constant ρ
        // leaves an O(ρ²) floor (Si & Yun 2023), so the sentence must name the convexity it needs.
        GeneratorResult run = GeneratorRunner.Run(
            $$"""
            using Sam;
            namespace N;
            {{attributes}}
            public partial class Net { public Parameter W = Parameter.Zeros("w", 2); }
            """);
        string line = run.Sources.Single().Value.Split('\n').Single(l => l.Contains("/// Guarantee: ", System.StringComparison.Ordinal));
        Assert.Contains(expected, line, System.StringComparison.Ordinal);
    }
}
