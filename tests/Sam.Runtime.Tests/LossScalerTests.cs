using System;
using System.IO;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// Dynamic loss scaling inside the SAM step: PyTorch's GradScaler rule and defaults, an overflow in either pass
/// skipping the step transactionally, the unscale exact for a power-of-two scale, the state in checkpoints.
/// </summary>
public class LossScalerTests
{
    private static readonly int[] Lengths = [37, 5, 64];

    [Fact]
    public void The_defaults_are_pytorchs()
    {
        var s = new LossScaler();
        Assert.Equal(65536f, s.Scale);
        Assert.Equal(2f, s.GrowthFactor);
        Assert.Equal(0.5f, s.BackoffFactor);
        Assert.Equal(2000, s.GrowthInterval);
    }

    [Fact]
    public void The_scale_follows_pytorchs_documented_update_rule()
    {
        // torch.amp.GradScaler.update (and _amp_update_scale_): "if any inf/NaN gradients were found, scale *=
        // backoff_factor and the growth tracker is reset; otherwise the tracker is incremented, and when it reaches
        // growth_interval, scale *= growth_factor and the tracker is reset." Written out here independently.
        var scaler = new LossScaler(initialScale: 8f, growthFactor: 2f, backoffFactor: 0.5f, growthInterval: 3);
        float scale = 8f;
        int tracker = 0;
        bool[] overflows = [false, false, false, true, false, false, true, true, false, false, false, false, false, false, false];
        foreach (bool overflow in overflows)
        {
            if (overflow)
            {
                scale *= 0.5f;
                tracker = 0;
            }
            else if (++tracker == 3)
            {
                scale *= 2f;
                tracker = 0;
            }

            scaler.Update(overflow);
            Assert.Equal(scale, scaler.Scale);
            Assert.Equal(tracker, scaler.GoodSteps);
        }

        // 8 → 16 (3 good) → 8 (overflow) → 4 → 2 (2 good, then two overflows) → 4 → 8 (six good) → 8 (one more).
        Assert.Equal(8f, scaler.Scale);
        Assert.Equal(1, scaler.GoodSteps);
        Assert.Equal(3, scaler.SkippedSteps);
    }

    [Fact]
    public void Growth_stops_at_the_largest_finite_scale()
    {
        var scaler = new LossScaler(initialScale: float.MaxValue, growthInterval: 1);
        scaler.Update(false);
        Assert.Equal(float.MaxValue, scaler.Scale);
    }

    [Theory]
    [InlineData(0f, 2f, 0.5f, 1, "initialScale")]
    [InlineData(float.PositiveInfinity, 2f, 0.5f, 1, "initialScale")]
    [InlineData(1f, 1f, 0.5f, 1, "growthFactor")]
    [InlineData(1f, 2f, 1f, 1, "backoffFactor")]
    [InlineData(1f, 2f, float.NaN, 1, "backoffFactor")]
    [InlineData(1f, 2f, 0.5f, 0, "growthInterval")]
    public void Out_of_range_settings_are_refused_naming_them(float init, float growth, float backoff, int interval, string name) =>
        Assert.Equal(name, Assert.Throws<ArgumentOutOfRangeException>(() => new LossScaler(init, growth, backoff, interval)).ParamName);

    [Theory]
    [InlineData(SamVariant.Sam)]
    [InlineData(SamVariant.FriendlySam)]
    [InlineData(SamVariant.Gsam)]
    public void A_power_of_two_scale_gives_the_unscaled_run_bit_for_bit(SamVariant variant)
    {
        var loss = new TestLoss(Lengths, 3);
        (SamOptimizer plain, Parameter[] a) = Create(variant);
        (SamOptimizer scaled, Parameter[] b) = Create(variant);
        scaled.LossScaler = new LossScaler(1024f);
        for (int step = 0; step < 6; step++)
        {
            plain.SharpnessAwareStep(() => loss.Accumulate(a));
            scaled.SharpnessAwareStep(() => Scaled(loss, b, scaled.LossScale));
            Assert.Equal(1024, scaled.LastStep.LossScale);
            Assert.False(scaled.LastStep.Skipped);
        }

        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].TrainedValue.ToArray(), b[i].TrainedValue.ToArray());
        }

        Assert.Equal(State(plain), StateWithoutScaler(scaled));
    }

    [Theory]
    [InlineData(1, SamPhase.Perturbation)]
    [InlineData(2, SamPhase.Step)]
    public void An_overflow_in_either_pass_skips_the_step_and_backs_off(int overflowingCall, SamPhase phase)
    {
        foreach (SamVariant variant in (SamVariant[])[SamVariant.Sam, SamVariant.Vasso, SamVariant.FriendlySam, SamVariant.Gsam])
        {
            var loss = new TestLoss(Lengths, 3);
            (SamOptimizer skipping, Parameter[] a) = Create(variant);
            (SamOptimizer twin, Parameter[] b) = Create(variant);
            skipping.LossScaler = new LossScaler(1024f, growthInterval: 100);
            twin.LossScaler = new LossScaler(1024f, growthInterval: 100);
            for (int step = 0; step < 8; step++)
            {
                if (step == 4)
                {
                    byte[] before = State(skipping);
                    int call = 0;
                    skipping.SharpnessAwareStep(() =>
                    {
                        float l = Scaled(loss, a, skipping.LossScale);
                        if (++call == overflowingCall)
                        {
                            a[2].Gradient[5] = float.PositiveInfinity; // what a float16 backward overflowing gives
                        }

                        return l;
                    });
                    Assert.Equal(phase, skipping.LastStep.Overflow);
                    Assert.True(skipping.LastStep.Skipped);
                    Assert.Equal(overflowingCall == 1 ? 1 : 2, call); // an overflow at the weights skips the perturbed pass too
                    Assert.False(skipping.IsPerturbed);
                    Assert.All(a, p => Assert.False(p.IsPerturbed));
                    Assert.Equal(twin.StepCount, skipping.StepCount);
                    Assert.Equal(512f, skipping.LossScale);
                    Assert.Equal(1, skipping.LossScaler!.SkippedSteps);
                    Assert.Equal(StateWithoutScaler(twin), StateWithoutScaler(skipping));
                    Assert.NotEqual(before, State(skipping)); // the scaler's own state did change
                    for (int i = 0; i < a.Length; i++)
                    {
                        Assert.Equal(b[i].TrainedValue.ToArray(), a[i].TrainedValue.ToArray());
                    }
                }

                skipping.SharpnessAwareStep(() => Scaled(loss, a, skipping.LossScale));
                twin.SharpnessAwareStep(() => Scaled(loss, b, twin.LossScale));
            }

            // Scales 1024 and 512 are powers of two: the skipping run is the twin's, bit for bit.
            for (int i = 0; i < a.Length; i++)
            {
                Assert.Equal(b[i].TrainedValue.ToArray(), a[i].TrainedValue.ToArray());
            }
        }
    }

    [Fact]
    public void An_overflow_in_an_m_sharpness_part_skips_the_whole_step()
    {
        var loss = new TestLoss(Lengths, 3);
        (SamOptimizer sam, Parameter[] ps) = Create(SamVariant.FriendlySam);
        sam.LossScaler = new LossScaler(256f);
        sam.SharpnessAwareStep(() => Scaled(loss, ps, sam.LossScale));
        float[][] weights = RandomModels.Copy(ps);
        byte[] state = StateWithoutScaler(sam);
        sam.MSharpnessStep(3, ps, (p, part) =>
        {
            float l = Scaled(loss, p, sam.LossScale);
            if (part == 2)
            {
                p[0].Gradient[0] = float.NaN;
            }

            return l;
        });
        Assert.Equal(SamPhase.Perturbation, sam.LastStep.Overflow);
        Assert.Equal(state, StateWithoutScaler(sam));
        Assert.Equal(0, RandomModels.MaxRelativeDifference(ps, weights));
    }

    [Fact]
    public void Without_a_scaler_an_overflow_still_throws()
    {
        var loss = new TestLoss(Lengths, 3);
        (SamOptimizer sam, Parameter[] ps) = Create(SamVariant.Sam);
        Assert.Throws<NonFiniteGradientException>(() => sam.SharpnessAwareStep(() =>
        {
            float l = loss.Accumulate(ps);
            ps[0].Gradient[0] = float.PositiveInfinity;
            return l;
        }));
    }

    [Fact]
    public void The_phase_methods_refuse_to_run_under_a_scaler()
    {
        (SamOptimizer sam, _) = Create(SamVariant.Sam);
        sam.LossScaler = new LossScaler();
        Assert.Contains("LossScaler", Assert.Throws<InvalidOperationException>(sam.Perturb).Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(sam.RestoreAndStep);
        Assert.Throws<InvalidOperationException>(sam.BaseStep);
    }

    [Fact]
    public void The_scalers_state_is_saved_and_loaded_with_the_optimizer_state()
    {
        var loss = new TestLoss(Lengths, 3);
        (SamOptimizer sam, Parameter[] ps) = Create(SamVariant.Sam);
        sam.LossScaler = new LossScaler(4096f, growthInterval: 3);
        for (int step = 0; step < 5; step++)
        {
            sam.SharpnessAwareStep(() => Scaled(loss, ps, sam.LossScale));
        }

        Assert.Equal(8192f, sam.LossScale);
        Assert.Equal(2, sam.LossScaler.GoodSteps);
        byte[] saved = State(sam);

        (SamOptimizer resumed, _) = Create(SamVariant.Sam);
        resumed.LossScaler = new LossScaler(4096f, growthInterval: 3);
        resumed.LoadState(new MemoryStream(saved));
        Assert.Equal(8192f, resumed.LossScale);
        Assert.Equal(2, resumed.LossScaler.GoodSteps);
        Assert.DoesNotContain("<loss-scaler>", resumed.UnboundStatePaths);

        // Loaded before a scaler is set: applied when it is, and saved again meanwhile.
        (SamOptimizer later, _) = Create(SamVariant.Sam);
        later.LoadState(new MemoryStream(saved));
        Assert.Equal(saved, State(later));
        later.LossScaler = new LossScaler(4096f, growthInterval: 3);
        Assert.Equal(8192f, later.LossScale);
        Assert.Equal(2, later.LossScaler.GoodSteps);
    }

    private static float Scaled(TestLoss loss, Parameter[] ps, float scale)
    {
        float l = loss.Accumulate(ps);
        foreach (Parameter p in ps)
        {
            Span<float> g = p.Gradient;
            for (int i = 0; i < g.Length; i++)
            {
                g[i] *= scale;
            }
        }

        return l;
    }

    private static (SamOptimizer, Parameter[]) Create(SamVariant variant)
    {
        Parameter[] ps = RandomModels.Parameters(Lengths, 11);
        var settings = new SamSettings { Rho = 0.1, Variant = variant, FriendlySigma = 0.5 };
        return (new SamOptimizer(ps, settings, new Sgd(0.05, momentum: 0.9)), ps);
    }

    private static byte[] State(SamOptimizer sam)
    {
        var stream = new MemoryStream();
        sam.SaveState(stream);
        return stream.ToArray();
    }

    // The state record without the scaler's entry: the weights' and optimizer's state alone.
    private static byte[] StateWithoutScaler(SamOptimizer sam)
    {
        LossScaler? scaler = sam.LossScaler;
        sam.LossScaler = null;
        try
        {
            return State(sam);
        }
        finally
        {
            sam.LossScaler = scaler;
        }
    }
}
