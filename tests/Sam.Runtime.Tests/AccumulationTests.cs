using System;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// Gradient accumulation: k micro-batches per pass, each returning and differentiating its own mean loss, give the
/// SAM step of the one big batch (mean loss over all of it), to float tolerance, in both passes and with m-sharpness.
/// The model is linear regression, whose gradients are written by hand.
/// </summary>
public class AccumulationTests
{
    private const int Features = 7, Examples = 24;

    public static TheoryData<SamVariant, bool, bool> Configurations => new()
    {
        { SamVariant.Sam, true, false },
        { SamVariant.Sam, false, false },     // USAM: ρ·g is not scale-invariant, so a missing 1/k shows
        { SamVariant.Sam, true, true },       // λw in the perturbation direction: neither is g + λw
        { SamVariant.Vasso, true, false },
        { SamVariant.FriendlySam, true, false },
        { SamVariant.Gsam, true, false },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Four_micro_batches_take_the_step_of_the_whole_batch(SamVariant variant, bool normalize, bool perturbDecay)
    {
        var data = new Regression(Examples, 5);
        (SamOptimizer big, Parameter[] a) = Create(variant, normalize, perturbDecay);
        (SamOptimizer accumulated, Parameter[] b) = Create(variant, normalize, perturbDecay);
        for (int step = 0; step < 6; step++)
        {
            float bigLoss = big.SharpnessAwareStep(a, p => data.Accumulate(p, 0, Examples));
            float meanLoss = accumulated.SharpnessAwareStep(4, b, b, (_, p, i) => data.Accumulate(p, i * 6, 6));
            Assert.Equal(bigLoss, meanLoss, 1e-5f);
            Assert.Equal(4, accumulated.LastStep.MicroBatches);
            Assert.Equal(big.LastStep.PerturbedGradientNorm, accumulated.LastStep.PerturbedGradientNorm, 1e-5);
        }

        AssertClose(a, b);
    }

    [Fact]
    public void Micro_batches_also_accumulate_on_the_base_steps_of_periodic_sam()
    {
        var data = new Regression(Examples, 6);
        var settings = new SamSettings { Rho = 0.2, Normalize = false, Interval = 2 };
        Parameter[] a = Regression.Parameters(), b = Regression.Parameters();
        var big = new SamOptimizer(a, settings, new Sgd(0.1, momentum: 0.9));
        var accumulated = new SamOptimizer(b, settings, new Sgd(0.1, momentum: 0.9));
        for (int step = 0; step < 5; step++)
        {
            big.SharpnessAwareStep(a, p => data.Accumulate(p, 0, Examples));
            accumulated.SharpnessAwareStep(3, b, b, (_, p, i) => data.Accumulate(p, i * 8, 8));
        }

        AssertClose(a, b);
    }

    // AE-SAM decides after the perturbation's norm pass has divided the gradients by k: a declined step takes the
    // base step on those same gradients, which must not be divided a second time.
    [Fact]
    public void Micro_batches_take_the_big_batch_step_when_the_adaptive_policy_declines_sam()
    {
        var data = new Regression(Examples, 8);
        var settings = new SamSettings { Rho = 0.2, Normalize = false, StepPolicy = SamStepPolicy.Adaptive, TotalSteps = 10, AdaptiveThresholdStart = 0.5, AdaptiveThresholdEnd = 0.5 };
        Parameter[] a = Regression.Parameters(), b = Regression.Parameters();
        var big = new SamOptimizer(a, settings, new Sgd(0.1, momentum: 0.9));
        var accumulated = new SamOptimizer(b, settings, new Sgd(0.1, momentum: 0.9));
        for (int step = 0; step < 8; step++)
        {
            big.SharpnessAwareStep(a, p => data.Accumulate(p, 0, Examples));
            accumulated.SharpnessAwareStep(3, b, b, (_, p, i) => data.Accumulate(p, i * 8, 8));
            Assert.Equal(big.LastStep.IsSamStep, accumulated.LastStep.IsSamStep);
        }

        Assert.InRange(big.SamStepCount, 1, 7); // both kinds of step were taken
        AssertClose(a, b);
    }

    [Fact]
    public void M_sharpness_with_micro_batches_takes_the_step_of_whole_parts()
    {
        var data = new Regression(Examples, 7);
        (SamOptimizer whole, Parameter[] a) = Create(SamVariant.Sam, normalize: false, perturbDecay: false);
        (SamOptimizer accumulated, Parameter[] b) = Create(SamVariant.Sam, normalize: false, perturbDecay: false);
        for (int step = 0; step < 5; step++)
        {
            // Two parts of 12 examples; each accumulated as three micro-batches of 4 (index = part·3 + j).
            float l1 = whole.MSharpnessStep(2, a, a, (_, p, part) => data.Accumulate(p, part * 12, 12));
            float l2 = accumulated.MSharpnessStep(2, 3, b, b, (_, p, i) => data.Accumulate(p, i * 4, 4));
            Assert.Equal(l1, l2, 1e-5f);
        }

        AssertClose(a, b);
    }

    [Fact]
    public void An_accumulated_step_with_a_loss_scaler_allocates_nothing()
    {
        var data = new Regression(Examples, 8);
        Parameter[] ps = Regression.Parameters();
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.1 }, new Sgd(0.05, momentum: 0.9)) { LossScaler = new LossScaler(1024) };
        var state = (Data: data, Parameters: ps, Scale: 1024f);
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() =>
        {
            sam.SharpnessAwareStep(4, sam, state, static (_, s, i) => s.Data.Accumulate(s.Parameters, i * 6, 6, s.Scale));
            sam.MSharpnessStep(2, 2, sam, state, static (_, s, i) => s.Data.Accumulate(s.Parameters, i * 6, 6, s.Scale));
        }));
    }

    [Fact]
    public void Fewer_than_one_micro_batch_is_refused_naming_it()
    {
        (SamOptimizer sam, Parameter[] ps) = Create(SamVariant.Sam, true, false);
        Assert.Equal("microBatches", Assert.Throws<ArgumentOutOfRangeException>(() => sam.SharpnessAwareStep(0, sam, ps, (_, _, _) => 0f)).ParamName);
        Assert.Equal("microBatches", Assert.Throws<ArgumentOutOfRangeException>(() => sam.MSharpnessStep(2, 0, sam, ps, (_, _, _) => 0f)).ParamName);
    }

    private static (SamOptimizer, Parameter[]) Create(SamVariant variant, bool normalize, bool perturbDecay)
    {
        Parameter[] ps = Regression.Parameters();
        var settings = new SamSettings { Rho = 0.2, Variant = variant, Normalize = normalize, PerturbWeightDecay = perturbDecay, FriendlySigma = 0.5 };
        return (new SamOptimizer(ps, settings, new Sgd(0.1, momentum: 0.9, weightDecay: 0.01)), ps);
    }

    private static void AssertClose(Parameter[] expected, Parameter[] actual)
    {
        for (int t = 0; t < expected.Length; t++)
        {
            for (int i = 0; i < expected[t].Length; i++)
            {
                float e = expected[t].TrainedValue[i];
                Assert.True(MathF.Abs(e - actual[t].TrainedValue[i]) <= 1e-5f * (1 + MathF.Abs(e)), $"{expected[t].Name}[{i}]: {e} vs {actual[t].TrainedValue[i]}");
            }
        }
    }

    /// <summary>y = w·x + b + noise; loss = mean over a slice of ½(w·x + b − y)², gradients by hand.</summary>
    internal sealed class Regression
    {
        private readonly float[] _x;
        private readonly float[] _y;

        public Regression(int examples, int seed)
        {
            var r = new Random(seed);
            _x = new float[examples * Features];
            _y = new float[examples];
            for (int n = 0; n < examples; n++)
            {
                float y = 0.3f;
                for (int f = 0; f < Features; f++)
                {
                    float x = (float)((r.NextDouble() * 2) - 1);
                    _x[(n * Features) + f] = x;
                    y += x * (f - 3) * 0.5f;
                }

                _y[n] = y + (float)(r.NextDouble() - 0.5);
            }
        }

        public static Parameter[] Parameters() =>
        [
            new Parameter("w", new float[] { 0.1f, -0.2f, 0.3f, 0f, 0.05f, -0.1f, 0.2f }, Features),
            new Parameter("b", new float[] { 0.05f }, 1),
        ];

        /// <summary>Adds scale × the gradient of the mean loss over examples [first, first + count); returns that mean loss.</summary>
        public float Accumulate(Parameter[] p, int first, int count, float scale = 1f)
        {
            ReadOnlySpan<float> w = p[0].Value;
            float b = p[1].Value[0];
            Span<float> gw = p[0].Gradient;
            Span<float> gb = p[1].Gradient;
            float loss = 0;
            for (int n = first; n < first + count; n++)
            {
                ReadOnlySpan<float> x = _x.AsSpan(n * Features, Features);
                float r = b - _y[n];
                for (int f = 0; f < Features; f++)
                {
                    r += w[f] * x[f];
                }

                loss += 0.5f * r * r / count;
                for (int f = 0; f < Features; f++)
                {
                    gw[f] += scale * r * x[f] / count;
                }

                gb[0] += scale * r / count;
            }

            return loss;
        }
    }
}
