using System;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// SamParallelism is process-wide: the tests that change it run one at a time and put it back.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SamParallelismCollection
{
    public const string Name = "SamParallelism";
}

/// <summary>Sets the degree of parallelism (and a small threshold) for one test, then restores the defaults.</summary>
public sealed class ParallelismScope : IDisposable
{
    private readonly int _degree = SamParallelism.MaxDegree;
    private readonly int _threshold = SamParallelism.MinParallelLength;

    public ParallelismScope(int degree, int minParallelLength)
    {
        SamParallelism.MaxDegree = degree;
        SamParallelism.MinParallelLength = minParallelLength;
    }

    public void Dispose()
    {
        SamParallelism.MaxDegree = _degree;
        SamParallelism.MinParallelLength = _threshold;
    }
}

[Collection(SamParallelismCollection.Name)]
public class ParallelKernelTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void SumOfSquares_is_bit_identical_for_one_and_several_threads(int degree)
    {
        foreach (int n in new[] { (2 * SamKernels.ReductionBlockSize) + 1, (37 * SamKernels.ReductionBlockSize) + 11, 1_000_003 })
        {
            float[] x = Random(new Random(n), n);
            double one, many;
            using (new ParallelismScope(1, 1))
            {
                one = SamKernels.SumOfSquares(x);
            }

            long before = Partitioning.Dispatches;
            using (new ParallelismScope(degree, 1))
            {
                many = SamKernels.SumOfSquares(x);
            }

            Assert.True(Partitioning.Dispatches > before, "the partitioned path did not run");
            Assert.Equal(BitConverter.DoubleToInt64Bits(one), BitConverter.DoubleToInt64Bits(many));
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Element_kernels_are_bit_identical_for_one_and_several_threads(int degree)
    {
        int n = (5 * Partitioning.ChunkLength) + 13;
        var r = new Random(degree);
        float[] x = Random(r, n), g = Random(r, n), m0 = Random(r, n);
        var c = new SgdCoefficients(0.01f, 5e-4f, 1f, 1f, 0.9f, 1f, 0f, 1f);

        (float[] Y, float[] P, float[] M, float[] Q) Run(int d)
        {
            using var scope = new ParallelismScope(d, 1);
            float[] y = new float[n], p = (float[])x.Clone(), m = (float[])m0.Clone(), q = (float[])x.Clone();
            SamKernels.AddScaled(x, g, 0.37f, y);
            SamKernels.SgdMomentumStep(p, g, m, c);
            SamKernels.SgdStep(q, g, c);
            return (y, p, m, q);
        }

        var one = Run(1);
        var many = Run(degree);
        Assert.Equal(one.Y, many.Y);
        Assert.Equal(one.P, many.P);
        Assert.Equal(one.M, many.M);
        Assert.Equal(one.Q, many.Q);
    }

    [Fact]
    public void Small_spans_stay_on_the_calling_thread()
    {
        using var scope = new ParallelismScope(2, SamParallelism.MinParallelLength);
        float[] x = Random(new Random(3), SamParallelism.MinParallelLength - 1);
        long before = Partitioning.Dispatches;
        SamKernels.SumOfSquares(x);
        SamKernels.AddScaled(x, x, 0.5f, new float[x.Length]);
        Assert.Equal(before, Partitioning.Dispatches);
    }

    [Fact]
    public void Degree_of_parallelism_is_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SamParallelism.MaxDegree = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => SamParallelism.MaxDegree = SamParallelism.MaxSupportedDegree + 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => SamParallelism.MinParallelLength = 0);
    }

    [Fact]
    public void Sam_steps_on_a_million_parameter_model_give_the_same_bits_on_one_and_two_threads()
    {
        int[] lengths = [(1 << 20) + 7, 200_003, 1000, 3];
        float[][] one = Train(lengths, degree: 1);
        float[][] two = Train(lengths, degree: 2);
        for (int t = 0; t < lengths.Length; t++)
        {
            Assert.Equal(one[t], two[t]);
        }
    }

    [Fact]
    public void Partitioned_steps_allocate_nothing_after_the_first()
    {
        using var scope = new ParallelismScope(2, 4096);
        int[] lengths = [300_000, 70_000, 1000];
        Parameter[] ps = RandomModels.Parameters(lengths, 5);
        var loss = new TestLoss(lengths, 5);
        var sam = new SamOptimizer(ps, new SamSettings(), new Sgd(0.01, 0.9, weightDecay: 5e-4));
        loss.Accumulate(ps);
        sam.Perturb();
        sam.RestoreAndStep(); // first step: shadow buffers, momentum, helper thread and block-sum scratch

        long dispatches = Partitioning.Dispatches;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            sam.Perturb();
            sam.RestoreAndStep();
            sam.BaseStep();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(Partitioning.Dispatches > dispatches, "the partitioned path did not run");
        Assert.Equal(0, allocated);
    }

    private static float[][] Train(int[] lengths, int degree)
    {
        using var scope = new ParallelismScope(degree, SamParallelism.MinParallelLength);
        Parameter[] ps = RandomModels.Parameters(lengths, 11);
        var loss = new TestLoss(lengths, 11);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new Sgd(0.05, 0.9, weightDecay: 5e-4));
        for (int step = 0; step < 4; step++)
        {
            sam.SharpnessAwareStep(ps, loss.Accumulate);
        }

        return RandomModels.Copy(ps);
    }

    private static float[] Random(Random r, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((r.NextDouble() * 2) - 1);
        }

        return x;
    }
}
