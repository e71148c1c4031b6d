using System;
using System.Linq;
using TheoryLab.Experiments;
using Xunit;

namespace Sam.TheoryLab.Tests;

// Each experiment in quick mode (well under a second each) asserts the qualitative claim of
// docs/theory.md with a margin, on the product's own SamOptimizer / Sgd.
public sealed class ExperimentTests
{
    [Fact]
    public void Plateau_of_stochastic_SAM_scales_as_rho_squared_and_a_decaying_rho_removes_it()
    {
        PlateauResult r = PlateauExperiment.Run(quick: true);

        Assert.InRange(r.Slope, 1.6, 2.4);
        for (int i = 0; i < r.Radii.Count; i++)
        {
            // The measured plateau is the SAM fixed point's gap, within sampling noise.
            Assert.InRange(r.Plateaus[i] / r.Predicted[i], 0.6, 1.6);
        }

        Assert.InRange(r.ConstantDrift, 0.5, 2.0);
        Assert.True(r.DecayingGap < 0.05 * r.Plateaus[0], $"decaying-ρ gap {r.DecayingGap} vs plateau {r.Plateaus[0]}");
        Assert.True(r.DecayingSlope < -0.3, $"decaying-ρ gap should still fall; slope {r.DecayingSlope}");
        VerdictAssert.AllHold(r);
    }

    [Fact]
    public void Deterministic_SAM_gap_falls_as_one_over_T_squared_and_cycles_with_a_constant_step()
    {
        RateResult r = RateExperiment.Run(quick: true);

        Assert.InRange(r.Slope, -2.5, -1.5);
        Assert.InRange(r.CycleGradientNorm, 0.015, 0.0185); // ≈ 1.7e-2
        Assert.True(r.CycleFlipsSign);
        Assert.InRange(r.CycleDrift, 0.9, 1.1);
        VerdictAssert.AllHold(r);
    }

    [Fact]
    public void Deterministic_SAM_on_nonconvex_functions_has_a_gradient_floor_proportional_to_rho_with_a_constant_and_a_decaying_step()
    {
        NonconvexFloorResult r = NonconvexFloorExperiment.Run(quick: true);

        Assert.InRange(r.Slope, 0.8, 1.2);
        Assert.True(r.GradientDescentFloor < 0.01 * r.Floors.Min());
        Assert.True(r.DecayingRhoFloor < 0.1 * r.Floors.Min());
        Assert.True(r.DecayingEtaFloor < 0.1 * r.Floors[1]); // the floor here is the constant step's 2-cycle

        // On the scaled family f_ρ = s²·g(x/s) (one smoothness constant) the floor survives a decaying step and is ∝ ρ
        // at all four radii: |f'| ≈ 1.09ρ (g's hallucinated fixed point, |g'| = 0.87 at radius 0.8).
        Assert.InRange(r.ScaledSlope, 0.9, 1.1);
        Assert.True(r.ScaledDrift < 0.01, $"floor still moving: {r.ScaledDrift}");
        for (int i = 0; i < r.Radii.Count; i++)
        {
            Assert.InRange(r.ScaledFloors[i] / r.Radii[i], 0.9, 1.3);
        }
        VerdictAssert.AllHold(r);
    }

    [Fact]
    public void Saddle_attracts_SAM_above_one_over_lambda_min_and_is_escaped_below_it()
    {
        SaddleResult r = SaddleExperiment.Run(quick: true);

        for (int i = 0; i < r.Radii.Count; i++)
        {
            if (r.Radii[i] < 1)
            {
                Assert.True(r.FinalY[i] > 0.9, $"ρ = {r.Radii[i]} should escape; |y_T| = {r.FinalY[i]}");
            }
            else
            {
                Assert.True(r.FinalY[i] < 1e-4, $"ρ = {r.Radii[i]} should be attracted; |y_T| = {r.FinalY[i]}");
            }
        }

        int sgd = 0, half = r.NoisyRadii.ToList().IndexOf(0.5);
        Assert.True(r.EscapeSteps[half] > 1.3 * r.EscapeSteps[sgd]);
        Assert.True(r.EscapeStepsMomentum[half] < 0.7 * r.EscapeSteps[half]);
        Assert.True(r.NormalizedFinalY[^1] < 1e-3, "normalized SAM with ρ = 0.2 should be attracted from |y| = 0.01");
        Assert.True(r.NormalizedFinalY[0] > 0.9, "normalized SAM with ρ = 0.02 should escape");

        // Noisy normalized SAM at the saddle (σ = 0.01), at both radii: without momentum at most half the seeds escape
        // within a budget > 50× SGD's mean escape time; with momentum 0.9 ρ = 0.05 still takes > 10× SGD + momentum.
        Assert.True(r.NoisyNormalizedCap > 50 * r.EscapeSteps[sgd]);
        for (int i = 0; i < r.NoisyNormalizedRadii.Count; i++)
        {
            Assert.True(r.NoisyNormalizedEscaped[i] <= 0.5, $"ρ = {r.NoisyNormalizedRadii[i]}: {r.NoisyNormalizedEscaped[i]:P0} escaped");
        }

        Assert.True(r.NoisyNormalizedMeanEscapeMomentum[1] > 10 * r.EscapeStepsMomentum[sgd], $"ρ = 0.05 with momentum: mean escape {r.NoisyNormalizedMeanEscapeMomentum[1]}");
        VerdictAssert.AllHold(r);
    }

    [Fact]
    public void Normalized_SAM_hallucinates_a_minimizer_rho_away_and_a_warmup_recovers_the_minimum_at_three_radii()
    {
        HallucinationResult r = HallucinationExperiment.Run(quick: true);

        double narrowMin = r.StationaryPoints[2];
        for (int i = 0; i < r.Radii.Count; i++)
        {
            Assert.InRange(r.DistanceToMinimizer[i], 0.98 * r.Radii[i], 1.02 * r.Radii[i]);
            Assert.True(r.FinalGradient[i] > 0.1, $"ρ = {r.Radii[i]}: |f'| = {r.FinalGradient[i]} should be far from 0");
            Assert.True(Math.Abs(r.FinalX[i] - narrowMin) > 0.5);
            Assert.True(r.WarmupFinalGradient[i] < 0.02, $"warm-up run ρ = {r.Radii[i]}: |f'| = {r.WarmupFinalGradient[i]}");
        }

        VerdictAssert.AllHold(r);
    }

    [Fact]
    public void Every_schedule_the_analyzer_accepts_reaches_stationarity_and_a_finite_step_sum_freezes()
    {
        ScheduleResult r = ScheduleExperiment.Run(quick: true);

        Assert.Contains(r.Cases, c => c.Satisfies);
        Assert.Contains(r.Cases, c => c.Classification == Sam.Theory.ScheduleVerdict.StepSumFinite);
        Assert.Contains(r.Cases, c => c.Classification == Sam.Theory.ScheduleVerdict.StepSquaresDivergent);
        Assert.Contains(r.Cases, c => c.Classification == Sam.Theory.ScheduleVerdict.ProductDivergent);
        foreach (ScheduleCase c in r.Cases.Where(c => c.Satisfies))
        {
            Assert.True(c.Reached, $"a = {c.A}, b = {c.B}: ‖∇f‖ {c.FinalGradient}, tolerance {r.Tolerance}");
        }

        // Σηₜ < ∞ far from the boundary: the iterate travels a bounded distance and stops short.
        Assert.True(r.Cases.Single(c => c.B == 1.5).FinalGradient > 0.1);

        // Sufficient, not necessary: on this deterministic problem the flagged b ≤ ½ and a + b ≤ 1 schedules converge too.
        Assert.Contains(r.Cases, c => c.Classification == Sam.Theory.ScheduleVerdict.ProductDivergent && c.Reached);
        Assert.Contains(r.Cases, c => c.Classification == Sam.Theory.ScheduleVerdict.StepSquaresDivergent && c.Reached);
        VerdictAssert.AllHold(r);
    }
}
