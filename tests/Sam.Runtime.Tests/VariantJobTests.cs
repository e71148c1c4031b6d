using System;
using System.Diagnostics;
using System.Linq;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// The variants' perturbation as one job per pass over every parameter with pinned buffers: the same bits as each
/// parameter run alone (user memory runs alone), and many small tensors hand blocks to the helper threads. Nothing is timed.
/// </summary>
public sealed class VariantJobTests
{
    // (variant, weight decay in the perturbation)
    public static TheoryData<SamVariant, bool> Cases => new()
    {
        { SamVariant.Sam, true },
        { SamVariant.Asam, false },
        { SamVariant.Asam, true },
        { SamVariant.Vasso, false },
        { SamVariant.Vasso, true },
        { SamVariant.FriendlySam, false },
        { SamVariant.Gsam, false },
        { SamVariant.Gsam, true },
        { SamVariant.Gcsam, false },
        { SamVariant.Gcsam, true },
        { SamVariant.LookSam, false },
        { SamVariant.LookSam, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_variant_perturbation_job_gives_the_bits_of_each_parameter_run_alone(SamVariant variant, bool decay)
    {
        using var scope = new ParallelismScope(2, 4096);
        // Matrices and biases (ASAM scales and GCSAM centralizes only the former), one tensor split over both threads,
        // vector tails, rows longer than a job block (GCSAM's rows then cross blocks).
        int[][] shapes = [[40, 300], [300], [70_000], [3], [129, 7], [3, 20_000]];
        // LookSAM every other step: a SAM step (its perturbation in the job) and a reuse step (which reads what it saved).
        var settings = new SamSettings { Rho = 0.05, Variant = variant, PerturbWeightDecay = decay, Interval = variant == SamVariant.LookSam ? 2 : 1 };
        float[][] inJob = Train(shapes, settings, alone: [false, false, false, false, false, false], seed: 11);
        float[][] alone = Train(shapes, settings, alone: [true, true, true, true, true, true], seed: 11);

        for (int i = 0; i < shapes.Length; i++)
        {
            Assert.True(inJob[i].AsSpan().SequenceEqual(alone[i]), $"parameter {i}: the job and the parameter alone differ");
        }
    }

    [Theory]
    [InlineData(SamVariant.Asam)]
    [InlineData(SamVariant.Vasso)]
    [InlineData(SamVariant.Gsam)]
    [InlineData(SamVariant.LookSam)]
    public void A_variant_perturbation_over_many_small_tensors_hands_work_to_the_helpers(SamVariant variant)
    {
        using var scope = new ParallelismScope(2, SamParallelism.MinParallelLength);
        int[] lengths = new int[300];
        lengths.AsSpan().Fill(1500); // each tensor far below the length worth a helper, the phase as a whole not
        Parameter[] ps = RandomModels.Parameters(lengths, 12);
        var loss = new TestLoss(lengths, 12);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05, Variant = variant, AsamScaleBiases = true }, new Sgd(0.01, 0.9));
        loss.Accumulate(ps);
        long elements = Partitioning.HelperElements;
        var clock = Stopwatch.StartNew();
        do
        {
            sam.Perturb(); // the norm and perturbation passes only
            sam.Restore();
        }
        while (Partitioning.HelperElements == elements && clock.Elapsed < TimeSpan.FromSeconds(20));

        Assert.True(Partitioning.HelperElements > elements, $"{variant}: no helper thread took part of the perturbation");
    }

    [Fact]
    public void A_gcsam_perturbation_over_many_small_matrices_hands_work_to_the_helpers()
    {
        using var scope = new ParallelismScope(2, SamParallelism.MinParallelLength);
        int[][] shapes = [.. Enumerable.Repeat(new[] { 30, 50 }, 300)];
        int[] lengths = [.. shapes.Select(_ => 1500)];
        var r = new Random(15);
        Parameter[] ps = [.. shapes.Select((shape, i) => Parameter.Uniform($"p{i}", r, -1, 1, shape))];
        var loss = new TestLoss(lengths, 15);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05, Variant = SamVariant.Gcsam }, new Sgd(0.01, 0.9));
        loss.Accumulate(ps);
        long elements = Partitioning.HelperElements;
        var clock = Stopwatch.StartNew();
        do
        {
            sam.Perturb(); // the row means and norms in the walk; the perturbation as one job
            sam.Restore();
        }
        while (Partitioning.HelperElements == elements && clock.Elapsed < TimeSpan.FromSeconds(20));

        Assert.True(Partitioning.HelperElements > elements, "no helper thread took part of GCSAM's perturbation");
    }

    // GSAM's g·g′ and clipping's ‖g′‖ (read-only passes before the step) run as one job over every pinned parameter.
    [Theory]
    [InlineData(SamVariant.Gsam, 0.0)]
    [InlineData(SamVariant.Sam, 1.0)]
    public void The_steps_norm_pass_runs_every_pinned_parameter_in_one_job(SamVariant variant, double maxGradientNorm)
    {
        int[] lengths = new int[300];
        lengths.AsSpan().Fill(1500);
        Parameter[] ps = RandomModels.Parameters(lengths, 14);
        var loss = new TestLoss(lengths, 14);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05, Variant = variant, MaxGradientNorm = maxGradientNorm }, new Sgd(0.01, 0.9));
        long before = SamOptimizer.StepNormJobElements;

        sam.SharpnessAwareStep(() => loss.Accumulate(ps));

        Assert.True(SamOptimizer.StepNormJobElements - before >= 300 * 1500, $"{SamOptimizer.StepNormJobElements - before} of {300 * 1500} elements in the step's norm job");
    }

    // Three SAM steps over parameters of the shapes, each in runtime arrays (the phase jobs) or, where `alone`, in user
    // memory (run alone); the trained weights.
    internal static float[][] Train(int[][] shapes, SamSettings settings, bool[] alone, int seed)
    {
        var r = new Random(seed);
        int[] lengths = [.. shapes.Select(s => s.Aggregate(1, (a, b) => a * b))];
        Parameter[] ps = new Parameter[shapes.Length];
        for (int i = 0; i < ps.Length; i++)
        {
            float[] w = [.. Enumerable.Range(0, lengths[i]).Select(_ => (r.NextSingle() - 0.5f) * 0.2f)];
            ps[i] = alone[i] ? new Parameter($"p{i}", w.AsMemory(), new float[lengths[i]].AsMemory(), shapes[i]) : new Parameter($"p{i}", w, shapes[i]);
        }

        var loss = new TestLoss(lengths, seed);
        var sam = new SamOptimizer(ps, settings, new Sgd(0.01, 0.9, weightDecay: 5e-4));
        for (int step = 0; step < 3; step++)
        {
            sam.SharpnessAwareStep(() => loss.Accumulate(ps));
        }

        return [.. ps.Select(p => p.TrainedValue.ToArray())];
    }
}
