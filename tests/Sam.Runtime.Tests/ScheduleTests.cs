using System;
using Xunit;

namespace Sam.Runtime.Tests;

public class ScheduleTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(999)]
    public void Shapes_match_their_closed_forms(long t)
    {
        Assert.Equal(0.3, Schedule.Constant().Evaluate(0.3, t));
        Assert.Equal(0.3 / Math.Pow(1 + t, 0.75), Schedule.Polynomial(0.75).Evaluate(0.3, t), 15);
        double cosine = t >= 100 ? 0.01 : 0.01 + ((0.3 - 0.01) * (1 + Math.Cos(Math.PI * t / 100)) / 2);
        Assert.Equal(cosine, Schedule.Cosine(100, floor: 0.01).Evaluate(0.3, t), 15);
        Assert.Equal(0.3 * Math.Pow(0.5, Math.Floor(t / 7.0)), Schedule.StepDecay(7, 0.5).Evaluate(0.3, t), 15);
    }

    [Fact]
    public void Cosine_starts_at_the_base_value_and_stays_at_the_floor_after_the_horizon()
    {
        Schedule s = Schedule.Cosine(10, floor: 0.1);
        Assert.Equal(1.0, s.Evaluate(1.0, 0));
        Assert.Equal(0.55, s.Evaluate(1.0, 5), 12);
        Assert.Equal(0.1, s.Evaluate(1.0, 10));
        Assert.Equal(0.1, s.Evaluate(1.0, 1_000_000));
    }

    [Fact]
    public void Warm_up_ramps_linearly_and_never_returns_zero()
    {
        Schedule s = Schedule.Polynomial(1, warmupSteps: 4);
        for (long t = 0; t < 4; t++)
        {
            Assert.Equal(2.0 / (1 + t) * (t + 1) / 4, s.Evaluate(2.0, t), 15);
        }

        Assert.Equal(2.0 / 5, s.Evaluate(2.0, 4), 15);
        Assert.True(Schedule.Constant(warmupSteps: 1000).Evaluate(1e-3, 0) > 0);
    }

    [Fact]
    public void Invalid_schedules_throw_naming_the_argument()
    {
        Assert.Equal("totalSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new Schedule(ScheduleKind.Cosine)).ParamName);
        Assert.Equal("stepSize", Assert.Throws<ArgumentOutOfRangeException>(() => new Schedule(ScheduleKind.Step)).ParamName);
        Assert.Equal("exponent", Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Polynomial(-1)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.StepDecay(3, 0)).ParamName);
        Assert.Equal("floor", Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Cosine(3, double.NaN)).ParamName);
        Assert.Equal("warmupSteps", Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Constant(-1)).ParamName);
        Assert.Equal("kind", Assert.Throws<ArgumentOutOfRangeException>(() => new Schedule((ScheduleKind)9)).ParamName);
        Assert.Equal("step", Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Constant().Evaluate(1, -1)).ParamName);
    }

    [Fact]
    public void The_engine_applies_both_schedules_at_each_step_from_t_equals_zero()
    {
        Parameter p = Parameter.Full("w", 1f, 5);
        Schedule rho = Schedule.StepDecay(2, 0.5), lr = Schedule.Cosine(6, floor: 0, warmupSteps: 2);
        var sam = new SamOptimizer([p], new SamSettings { Rho = 0.2, RhoSchedule = rho, LearningRateSchedule = lr }, new Sgd(0.1));
        for (long t = 0; t < 9; t++)
        {
            Assert.Equal(rho.Evaluate(0.2, t), sam.CurrentRho);
            sam.SharpnessAwareStep(() => { p.Gradient.Fill(0.5f); return 1f; });
            SamStepInfo info = sam.LastStep;
            Assert.Equal(t + 1, info.Step);
            Assert.Equal(rho.Evaluate(0.2, t), info.Rho);
            Assert.Equal(lr.Evaluate(0.1, t), info.LearningRate);
            Assert.Equal(lr.Evaluate(0.1, t), sam.LearningRate);
            Assert.True(info.IsSamStep);
        }

        // The schedule reached 0 (cosine floor) without the optimizer rejecting it; setting the rate sets η₀.
        Assert.Equal(0, sam.LearningRate);
        sam.LearningRate = 0.05;
        sam.SharpnessAwareStep(() => { p.Gradient.Fill(0.5f); return 1f; });
        Assert.Equal(lr.Evaluate(0.05, 9), sam.LastStep.LearningRate);
    }

    [Fact]
    public void Sgd_with_a_scheduled_learning_rate_matches_the_closed_form_trajectory()
    {
        // Gradient 1 everywhere and no momentum: w_T = w_0 − Σ_t η_t.
        Parameter p = Parameter.Full("w", 0f, 3);
        Schedule lr = Schedule.Polynomial(0.5, warmupSteps: 3);
        var sam = new SamOptimizer([p], new SamSettings { Rho = 0, LearningRateSchedule = lr }, new Sgd(0.1));
        double expected = 0;
        for (long t = 0; t < 20; t++)
        {
            sam.SharpnessAwareStep(() => { p.Gradient.Fill(1f); return 0f; });
            expected -= (float)lr.Evaluate(0.1, t);
        }

        Assert.Equal(expected, p.Value[0], 5);
    }
}
