using System;
using System.IO;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// A step that fails (a callback that throws, a non-finite gradient at the perturbed point, a phase called from
/// inside a callback) leaves the weights and every piece of optimizer state as they were: skipping the batch
/// reproduces a run that never saw it, bit for bit.
/// </summary>
public class FailedStepTests
{
    private static readonly int[] Lengths = [37, 5, 64];

    public static TheoryData<SamVariant> Variants => new() { SamVariant.Sam, SamVariant.Vasso, SamVariant.FriendlySam, SamVariant.Gsam, SamVariant.Asam, SamVariant.Gcsam };

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_callback_that_throws_at_the_perturbed_point_changes_no_weight_and_no_state(SamVariant variant) =>
        AssertFailureChangesNothing(variant, (sam, ps, loss) =>
        {
            int call = 0;
            Assert.Throws<InvalidOperationException>(() => sam.SharpnessAwareStep(() =>
            {
                float l = loss.Accumulate(ps);
                return ++call == 2 ? throw new InvalidOperationException("the perturbed forward pass failed") : l;
            }));
        });

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_non_finite_gradient_at_the_perturbed_point_changes_no_weight_and_no_state(SamVariant variant) =>
        AssertFailureChangesNothing(variant, (sam, ps, loss) =>
        {
            int call = 0;
            Assert.Throws<NonFiniteGradientException>(() => sam.SharpnessAwareStep(() =>
            {
                float l = loss.Accumulate(ps);
                if (++call == 2)
                {
                    ps[1].Gradient[3] = float.NaN;
                }

                return l;
            }));
        });

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_failing_m_sharpness_part_changes_no_weight_and_no_state(SamVariant variant) =>
        AssertFailureChangesNothing(variant, (sam, ps, loss) =>
            Assert.Throws<InvalidOperationException>(() => sam.MSharpnessStep(3, ps, (p, part) =>
                part == 2 ? throw new InvalidOperationException("part 2 failed") : loss.Accumulate(p))));

    [Theory]
    [MemberData(nameof(Variants))]
    public void Restore_after_a_hand_driven_perturbation_abandons_the_step(SamVariant variant) =>
        AssertFailureChangesNothing(variant, (sam, ps, loss) =>
        {
            sam.ZeroGradients();
            loss.Accumulate(ps);
            sam.Perturb();
            sam.Restore();
        });

    public static TheoryData<string> Phases => new() { "Perturb", "Restore", "RestoreAndStep", "BaseStep", "SharpnessAwareStep", "MSharpnessStep" };

    [Theory]
    [MemberData(nameof(Phases))]
    public void A_phase_called_from_inside_a_step_callback_throws_before_anything_changes(string phase) =>
        AssertFailureChangesNothing(SamVariant.Vasso, (sam, ps, loss) =>
        {
            int call = 0;
            var e = Assert.Throws<InvalidOperationException>(() => sam.SharpnessAwareStep(() =>
            {
                float l = loss.Accumulate(ps);
                if (++call == 2)
                {
                    Action reentry = phase switch
                    {
                        "Perturb" => sam.Perturb,
                        "Restore" => sam.Restore,
                        "RestoreAndStep" => sam.RestoreAndStep,
                        "BaseStep" => sam.BaseStep,
                        "SharpnessAwareStep" => () => sam.SharpnessAwareStep(() => 0f),
                        _ => () => sam.MSharpnessStep(2, 0, (_, _) => 0f),
                    };
                    reentry();
                }

                return l;
            }));
            Assert.Contains(phase, e.Message, StringComparison.Ordinal);
        });

    [Fact]
    public void A_phase_called_from_inside_a_base_step_callback_throws_before_anything_changes() =>
        AssertFailureChangesNothing(SamVariant.Sam, (sam, ps, loss) =>
            Assert.Contains("Perturb", Assert.Throws<InvalidOperationException>(() => sam.BaseStep(() =>
            {
                float l = loss.Accumulate(ps);
                sam.Perturb();
                return l;
            })).Message, StringComparison.Ordinal));

    // Runs 4 steps, the failure, 4 more steps on one optimizer; 8 steps on its twin. Both must end identical, weights
    // and saved state, byte for byte.
    private static void AssertFailureChangesNothing(SamVariant variant, Action<SamOptimizer, Parameter[], TestLoss> fail)
    {
        var loss = new TestLoss(Lengths, 3);
        (SamOptimizer failing, Parameter[] a) = Create(variant);
        (SamOptimizer twin, Parameter[] b) = Create(variant);
        for (int step = 0; step < 8; step++)
        {
            if (step == 4)
            {
                fail(failing, a, loss);
                Assert.False(failing.IsPerturbed);
                Assert.All(a, p => Assert.False(p.IsPerturbed));
                Assert.Equal(twin.StepCount, failing.StepCount);
                Assert.Equal(State(twin), State(failing));
            }

            failing.SharpnessAwareStep(() => loss.Accumulate(a));
            twin.SharpnessAwareStep(() => loss.Accumulate(b));
        }

        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(b[i].TrainedValue.ToArray(), a[i].TrainedValue.ToArray());
        }

        Assert.Equal(State(twin), State(failing));
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
}

/// <summary>
/// Values that are finite as doubles but break the single-precision kernels are refused where they are set, naming
/// the option, with the same predicate the analyzer uses at build time (src/Shared/SamRanges.cs): a learning rate of
/// 3.5e38 used to return normally with non-finite weights, ρ = 1e300 used to make the perturbation silently 0.
/// </summary>
public class SinglePrecisionRangeTests
{
    [Theory]
    [InlineData(3.5e38)]
    [InlineData(1e-46)]
    public void A_learning_rate_outside_single_precision_is_refused_naming_it(double lr)
    {
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(lr)).ParamName);
        var sgd = new Sgd(0.1);
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => sgd.LearningRate = lr).ParamName);
    }

    [Fact]
    public void Rho_beyond_the_largest_float_is_refused_naming_it() =>
        Assert.Equal("Rho", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { Rho = 1e300 }).ParamName);

    [Fact]
    public void A_decay_step_beyond_the_largest_float_is_refused_naming_the_weight_decay()
    {
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(1e10, weightDecay: 1e30)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(1e10, weightDecay: 1e30)).ParamName);
        _ = new Sgd(0.1, weightDecay: 1e30); // η·λ = 1e29 fits
    }

    [Fact]
    public void Large_but_representable_values_are_accepted()
    {
        _ = new SamSettings { Rho = 1e30, FriendlySigma = 1e30, GsamAlpha = 1e30, AsamEta = 1e-30 };
        _ = new Sgd(3e38);
    }
}
