using System;
using System.Linq;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>The "Guarantee:" sentence the generator writes into the Optimizer member's remarks.</summary>
public class GuaranteeDescriptionTests
{
    [Theory]
    [InlineData("[SharpnessAware, Sgd(Momentum = 0.9)]", "none known; momentum and Adam")]
    [InlineData("[SharpnessAware(Rho = 0)]", "with ρ = 0 every step is exactly the base optimizer's")]
    [InlineData("[SharpnessAware(Rho = 0.1)]", "only to a neighbourhood of optima with an unavoidable term of order ρ² = 0.01 (Si &amp; Yun, NeurIPS 2023)")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.StronglyConvex)]", "the optimum is reached, at the tight rate Θ̃(1/T²)")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Convex)]", "convergence without a ρ² term")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic)]", "only a neighbourhood of stationarity of order ρ² = 0.0025")]
    [InlineData("[SharpnessAware, LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.8), RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.4)]", "ηₜ ∝ t^(−0.8), ∇f → 0 along a subsequence, and on nonconvex losses ∇f → 0 and f converges (Khanh et al., NeurIPS 2024)")]
    [InlineData("[SharpnessAware, LearningRateSchedule(ScheduleKind.Cosine, TotalSteps = 100)]", "finite-horizon schedules lie outside the asymptotic analyses")]
    [InlineData("[SharpnessAware(Variant = SamVariant.Gsam)]", "none known for this variant")]
    [InlineData("[SharpnessAware(Normalize = false, Rho = 0.1, Smoothness = 2)]", "ρL = 0.2 &lt; 1, the regime the USAM results cover")]
    public void States_the_guarantee_with_its_source(string attributes, string expected)
    {
        GeneratorResult run = GeneratorRunner.Run(Models.With(attributes));
        GeneratedSourceTests.AssertCompiles(run);
        string line = run.Sources.Single().Value.Split('\n').Single(l => l.Contains("/// Guarantee: ", StringComparison.Ordinal));
        Assert.Contains(expected, line, StringComparison.Ordinal);
    }
}
