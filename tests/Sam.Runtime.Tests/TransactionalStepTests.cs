using System;
using System.IO;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// A step whose RESULT is non-finite (finite gradients, but a learning rate, weight decay or gradient magnitude that
/// overflows single precision) is not written: the exception names the cause, and the weights and every piece of
/// optimizer state are as they were (issue 14, item 12). A ρ whose perturbation scale overflows or rounds to 0 is
/// refused naming Rho. The step writes its results into second buffers and flips them only on success, with the g′
/// check folded into the same pass; its results are the bits of the in-place kernels.
/// </summary>
[Collection(SamParallelismCollection.Name)]
public class TransactionalStepTests
{
    private static readonly int[] Lengths = [37, 5, 64];

    public static TheoryData<string> Optimizers => new() { "sgd", "heavy-ball", "momentum", "nesterov", "adamw", "amsgrad" };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void A_learning_rate_that_overflows_the_result_is_named_and_nothing_is_written(string optimizer) =>
        AssertFailureChangesNothing(optimizer, new SamSettings { Rho = 0.1 }, (sam, ps, loss) =>
        {
            double lr = sam.LearningRate;
            sam.LearningRate = 3.4e38;
            int call = 0;
            var e = Assert.Throws<NonFiniteGradientException>(() => sam.SharpnessAwareStep(() =>
            {
                float l = loss.Accumulate(ps);
                if (++call == 2)
                {
                    ps[2].Gradient[7] = 4f; // |update| > 1 somewhere, so η·u overflows for SGD too
                }

                return l;
            }));
            sam.LearningRate = lr;
            Assert.Contains("learning rate", e.Message, StringComparison.Ordinal);
            Assert.Equal(SamPhase.Step, e.Phase);
        });

    [Theory]
    [InlineData("nesterov")]
    [InlineData("adamw")]
    [InlineData("amsgrad")]
    public void Finite_gradients_of_3e38_under_usam_are_named_as_the_gradient_magnitude_and_nothing_is_written(string optimizer) =>
        AssertFailureChangesNothing(optimizer, new SamSettings { Rho = 0.05, Normalize = false }, (sam, ps, loss) =>
        {
            int call = 0;
            var e = Assert.Throws<NonFiniteGradientException>(() => sam.SharpnessAwareStep(() =>
            {
                float l = loss.Accumulate(ps);
                if (++call == 2)
                {
                    ps[0].Gradient.Fill(3e38f);
                }

                return l;
            }));
            Assert.Contains("gradient's magnitude", e.Message, StringComparison.Ordinal);
            Assert.Equal(-1, e.ElementIndex); // every gradient element is finite
        });

    [Fact]
    public void A_weight_decay_that_overflows_the_result_is_named_and_nothing_is_written()
    {
        Parameter[] ps = RandomModels.Parameters(Lengths, 3);
        ps[1].Value[2] = 4f;
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new Sgd(1e-3, momentum: 0.9, weightDecay: 3e38));
        var loss = new TestLoss(Lengths, 3);
        float[][] before = RandomModels.Copy(ps);
        byte[] state = State(sam);
        var e = Assert.Throws<NonFiniteGradientException>(() => sam.SharpnessAwareStep(() => loss.Accumulate(ps)));
        Assert.Contains("weight decay", e.Message, StringComparison.Ordinal);
        Assert.Contains("WeightDecay", e.Message, StringComparison.Ordinal);
        AssertUnchanged(ps, before);
        Assert.Equal(state, State(sam));
        Assert.Equal(0, sam.StepCount);
    }

    [Fact]
    public void A_rho_whose_scale_overflows_single_precision_is_refused_naming_rho_before_anything_moves()
    {
        Parameter[] ps = RandomModels.Parameters(Lengths, 5);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 1e30 }, new Sgd(0.1, momentum: 0.9));
        foreach (Parameter p in ps)
        {
            p.Gradient.Fill(1e-12f); // ‖g‖ ≈ 1e-11: ρ/‖g‖ ≈ 1e41 is beyond float
        }

        float[][] before = RandomModels.Copy(ps);
        var e = Assert.Throws<ArgumentOutOfRangeException>(sam.Perturb);
        Assert.Equal("Rho", e.ParamName);
        Assert.False(sam.IsPerturbed);
        AssertUnchanged(ps, before);
    }

    [Fact]
    public void A_usam_perturbation_that_overflows_the_weights_is_refused_naming_rho_and_nothing_is_perturbed()
    {
        Parameter[] ps = RandomModels.Parameters(Lengths, 6);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 1e30, Normalize = false }, new Sgd(0.1));
        foreach (Parameter p in ps)
        {
            p.Gradient.Fill(1e10f); // ρ·g = 1e40
        }

        AssertPerturbationRefused(sam, ps, "Rho");
    }

    // The variants write w + e in their own kernels, outside the checked plain-SAM job: their result is checked too.
    [Theory]
    [InlineData(SamVariant.Asam)]
    [InlineData(SamVariant.Vasso)]
    [InlineData(SamVariant.FriendlySam)]
    [InlineData(SamVariant.Gsam)]
    [InlineData(SamVariant.Gcsam)]
    [InlineData(SamVariant.LookSam)]
    public void A_variant_perturbation_that_overflows_the_weights_is_refused_naming_rho_and_nothing_is_perturbed(SamVariant variant)
    {
        Parameter[] ps = RandomModels.Parameters(Lengths, 6);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 1e30, Normalize = false, Variant = variant }, new Sgd(0.1, momentum: 0.9));
        foreach (Parameter p in ps)
        {
            p.Gradient.Fill(1e10f); // ρ·g = 1e40 before any variant scaling
        }

        AssertPerturbationRefused(sam, ps, "Rho");
    }

    // A started average (after a successful step) is put back as it was when a later perturbation is refused: the
    // perturbation job saves each block of it before writing it.
    [Theory]
    [InlineData(SamVariant.Vasso)]
    [InlineData(SamVariant.FriendlySam)]
    public void A_refused_perturbation_puts_back_the_variant_average_a_step_had_started(SamVariant variant)
    {
        Parameter[] ps = RandomModels.Parameters(Lengths, 13);
        var loss = new TestLoss(Lengths, 13);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 1, Normalize = false, Variant = variant }, new Sgd(0.1, momentum: 0.9));
        sam.SharpnessAwareStep(() => loss.Accumulate(ps));

        float[] w = ps[1].TrainedValue.ToArray();
        w[2] = 3e38f;
        ps[1].LoadValues(w);
        loss.Accumulate(ps);
        ps[1].Gradient[2] = 3e38f; // the average moves towards g: w + e overflows at that element
        AssertPerturbationRefused(sam, ps, "element 2");
    }

    // The same for a tensor split over two threads: the kernels check as they write, each chunk raising a shared flag.
    [Theory]
    [InlineData(SamVariant.Vasso)]
    [InlineData(SamVariant.Gsam)]
    public void A_variant_perturbation_that_overflows_a_tensor_split_over_threads_is_refused_and_nothing_is_perturbed(SamVariant variant)
    {
        using var scope = new ParallelismScope(2, 4096);
        Parameter[] ps = RandomModels.Parameters([70_000, 37], 7);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 1e30, Normalize = false, Variant = variant }, new Sgd(0.1, momentum: 0.9));
        foreach (Parameter p in ps)
        {
            p.Gradient.Fill(1e-20f);
        }

        ps[0].Gradient[65_000] = 1e10f; // one element, in the second thread's half, overflows ρ·g
        AssertPerturbationRefused(sam, ps, "element 65000");
    }

    // GCSAM's centralized matrices are written by the variant job and checked as they are written: an element in a row
    // that crosses a job block, and one in a row's scalar tail.
    [Theory]
    [InlineData(36_500)]
    [InlineData(60_002)]
    public void A_gcsam_perturbation_that_overflows_a_centralized_row_is_refused_and_nothing_is_perturbed(int at)
    {
        using var scope = new ParallelismScope(2, 4096);
        var r = new Random(8);
        Parameter[] ps = [Parameter.Uniform("m", r, -1, 1, 3, 20_001), Parameter.Uniform("b", r, -1, 1, 37)];
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 1e30, Normalize = false, Variant = SamVariant.Gcsam }, new Sgd(0.1, momentum: 0.9));
        foreach (Parameter p in ps)
        {
            p.Gradient.Fill(1e-20f);
        }

        ps[0].Gradient[at] = 1e10f; // h − μ ≈ 1e10 there: ρ·(h − μ) overflows
        AssertPerturbationRefused(sam, ps, $"element {at}");
    }

    // Perturb throws naming the cause; nothing is shown, and the weights and the optimizer state are as they were.
    private static void AssertPerturbationRefused(SamOptimizer sam, Parameter[] ps, string cause)
    {
        float[][] before = RandomModels.Copy(ps);
        byte[] state = State(sam);
        var e = Assert.Throws<NonFiniteGradientException>(sam.Perturb);
        Assert.Contains(cause, e.Message, StringComparison.Ordinal);
        Assert.Equal(SamPhase.Perturbation, e.Phase);
        Assert.False(sam.IsPerturbed);
        Assert.All(ps, p => Assert.False(p.IsPerturbed));
        AssertUnchanged(ps, before);
        Assert.Equal(state, State(sam));
    }

    // The step job (one range over every block of every tensor, results into second buffers, buffers flipped) gives
    // the bits of the per-tensor in-place kernels SumOfSquares, AddScaled and SgdMomentumStep, on one and two threads,
    // for tensors smaller and larger than a block.
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void A_sam_step_writes_the_bits_of_the_in_place_kernels(int degree)
    {
        using var scope = new ParallelismScope(degree, 4096);
        int[] lengths = [3, 70_000, 16_384, 1, 40_000, 513];
        Parameter[] ps = RandomModels.Parameters(lengths, 9);
        var loss = new TestLoss(lengths, 9);
        var sgd = new Sgd(0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.07 }, sgd);
        float[][] w = RandomModels.Copy(ps);
        float[][] m = Array.ConvertAll(lengths, n => new float[n]);
        for (int step = 0; step < 3; step++)
        {
            sam.ZeroGradients();
            loss.Accumulate(ps);
            double norm = 0;
            foreach (Parameter p in ps)
            {
                norm += SamKernels.SumOfSquares(p.Gradient);
            }

            float a = (float)(0.07 / Math.Sqrt(norm));
            sam.Perturb();
            for (int t = 0; t < ps.Length; t++)
            {
                float[] y = new float[lengths[t]];
                SamKernels.AddScaled(w[t], ps[t].Gradient, a, y);
                Assert.True(y.AsSpan().SequenceEqual(ps[t].Value), $"perturbed weights of tensor {t}, step {step}");
            }

            sam.ZeroGradients();
            loss.Accumulate(ps);
            sam.RestoreAndStep();
            for (int t = 0; t < ps.Length; t++)
            {
                var c = new SgdCoefficients(0.05f, 5e-4f, 1f, 1f, step == 0 ? 0f : 0.9f, 1f, 1f, 0.9f);
                SamKernels.SgdMomentumStep(w[t], ps[t].Gradient, m[t], c);
                Assert.True(w[t].AsSpan().SequenceEqual(ps[t].TrainedValue), $"weights of tensor {t}, step {step}");
            }
        }
    }

    private static void AssertFailureChangesNothing(string optimizer, SamSettings settings, Action<SamOptimizer, Parameter[], TestLoss> fail)
    {
        var loss = new TestLoss(Lengths, 3);
        Parameter[] a = RandomModels.Parameters(Lengths, 11), b = RandomModels.Parameters(Lengths, 11);
        SamOptimizer failing = new(a, settings, Create(optimizer)), twin = new(b, settings, Create(optimizer));
        for (int step = 0; step < 8; step++)
        {
            if (step == 4)
            {
                fail(failing, a, loss);
                Assert.False(failing.IsPerturbed);
                Assert.All(a, p => Assert.False(p.IsPerturbed));
                Assert.Equal(twin.StepCount, failing.StepCount);
                Assert.Equal(State(twin), State(failing));
                AssertUnchanged(a, RandomModels.Copy(b));
            }

            failing.SharpnessAwareStep(() => loss.Accumulate(a));
            twin.SharpnessAwareStep(() => loss.Accumulate(b));
        }

        AssertUnchanged(a, RandomModels.Copy(b));
        Assert.Equal(State(twin), State(failing));
    }

    private static BaseOptimizer Create(string optimizer) => optimizer switch
    {
        "sgd" => new Sgd(0.05),
        "heavy-ball" => new Sgd(0.05, momentum: 0.9), // the plain momentum kernel (StepKernels.IsPlainMomentum)
        "momentum" => new Sgd(0.05, momentum: 0.9, dampening: 0.1),
        "nesterov" => new Sgd(0.05, momentum: 0.9, nesterov: true),
        "adamw" => new AdamW(1e-3),
        _ => new AdamW(1e-3, amsgrad: true),
    };

    private static void AssertUnchanged(Parameter[] ps, float[][] expected)
    {
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.True(expected[i].AsSpan().SequenceEqual(ps[i].TrainedValue), $"parameter {i} changed");
            Assert.True(expected[i].AsSpan().SequenceEqual(ps[i].Value), $"parameter {i} shows other weights");
        }
    }

    private static byte[] State(SamOptimizer sam)
    {
        var stream = new MemoryStream();
        sam.SaveState(stream);
        return stream.ToArray();
    }
}
