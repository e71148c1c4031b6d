using System;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// The AdamW and SAM-variant kernels split large buffers over helper threads: weights, state and reductions must
/// be the same bits for 1 and 2 threads, and a step must still allocate nothing.
/// </summary>
[Collection(SamParallelismCollection.Name)]
public class ParallelVariantKernelTests
{
    // 1,024 × 1,024 + 256 × 4,099 + 2 × 150,001 + 200,003 + 3 ≈ 2.6M parameters: rows short and long, a row
    // count below two chunks, odd lengths for vector tails, and a vector and a scalar that GCSAM does not centralize.
    private static readonly int[][] s_shapes = [[1024, 1024], [256, 4099], [2, 150_001], [200_003], [3]];

    public static TheoryData<SamVariant, string> Cases()
    {
        var data = new TheoryData<SamVariant, string>();
        foreach (SamVariant v in Enum.GetValues<SamVariant>())
        {
            data.Add(v, "sgd");
            data.Add(v, "adamw");
            data.Add(v, "amsgrad");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sam_steps_give_the_same_bits_on_one_and_two_threads(SamVariant variant, string optimizer)
    {
        float[][] one = Train(variant, optimizer, degree: 1, out _);
        float[][] two = Train(variant, optimizer, degree: 2, out long dispatches);
        Assert.True(dispatches > 0, "the partitioned path did not run");
        for (int t = 0; t < s_shapes.Length; t++)
        {
            Assert.True(Bitwise(one[t], two[t]), $"weights of tensor {t} differ");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AdamW_kernel_is_bit_identical_for_one_and_two_threads(bool amsgrad)
    {
        int n = (9 * Partitioning.ChunkLength) + 5;
        var r = new Random(amsgrad ? 2 : 1);
        float[] w0 = Random(r, n), g = Random(r, n), m0 = Random(r, n), v0 = Abs(Random(r, n)), x0 = Abs(Random(r, n));
        var c = new AdamCoefficients(1e-3f, 0.99999f, 1f, 0.9f, 0.1f, 0.999f, 0.001f, 0.0316f, 1e-8f);

        (float[][], double[]) Run(int degree)
        {
            float[] w = (float[])w0.Clone(), m = (float[])m0.Clone(), v = (float[])v0.Clone(), x = amsgrad ? (float[])x0.Clone() : [];
            SamParallelism.MaxDegree = degree;
            AdamKernels.AdamWStep(w, g, m, v, x, c);
            return ([w, m, v, x], []);
        }

        AssertSameBitsOnOneAndTwoThreads(Run);
    }

    [Fact]
    public void Variant_element_kernels_and_reductions_are_bit_identical_for_one_and_two_threads()
    {
        int rowLength = 1000, rows = 301, n = rows * rowLength; // rows × 1000: 301 rows, 19 blocks, tails everywhere
        var r = new Random(7);
        float[] w = Random(r, n), g = Random(r, n), s0 = Random(r, n);

        (float[][], double[]) Run(int degree)
        {
            SamParallelism.MaxDegree = degree;
            float[] s = (float[])s0.Clone(), y = new float[n], means = new float[rows], q = new float[n];
            double a = VariantKernels.Norms<AsamRule, WithDecay>(new AsamRule(0.01f), g, w, default, 5e-4f, out double ag);
            double b = VariantKernels.Norms<VassoRule, NoDecay>(new VassoRule(0.6f, 0.4f), g, w, s, 0f, out double bg);
            double c = VariantKernels.Norms<FriendlyRule, WithDecay>(new FriendlyRule(0.95f, 0.05f, 1f), g, w, s, 1e-3f, out double cg);
            VariantKernels.Perturb<FriendlyRule, WithDecay>(new FriendlyRule(0.95f, 0.05f, 1f), w, g, s, 1e-3f, 0.37f, y);
            double d = VariantKernels.CentralizedNorms<WithDecay>(g, w, 5e-4f, rowLength, means, out double dg);
            float[] yc = new float[n];
            VariantKernels.CentralizedPerturb<WithDecay>(w, g, means, rowLength, 5e-4f, 0.21f, yc);
            double e = VariantKernels.DotAndSumOfSquares(g, w, out double ew);
            VariantKernels.ScaleInto(g, 0.5f, q);
            return ([s, y, means, yc, q], [a, ag, b, bg, c, cg, d, dg, e, ew]);
        }

        AssertSameBitsOnOneAndTwoThreads(Run);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Partitioned_variant_steps_allocate_nothing(SamVariant variant, string optimizer)
    {
        int degree = SamParallelism.MaxDegree, threshold = SamParallelism.MinParallelLength;
        try
        {
            SamParallelism.MaxDegree = 2;
            SamParallelism.MinParallelLength = 4096;
            int[][] shapes = [[64, 4099], [70_000], [7]];
            (Parameter[] ps, SamOptimizer sam, TestLoss loss) = Create(variant, optimizer, shapes);
            Func<Parameter[], float> callback = loss.Accumulate;
            long dispatches = Partitioning.Dispatches;
            Assert.Equal(0, AllocationMeter.BytesOverSteps(() => sam.SharpnessAwareStep(ps, callback), steps: 20));
            Assert.True(Partitioning.Dispatches > dispatches, "the partitioned path did not run");
        }
        finally
        {
            SamParallelism.MaxDegree = degree;
            SamParallelism.MinParallelLength = threshold;
        }
    }

    private static float[][] Train(SamVariant variant, string optimizer, int degree, out long dispatches)
    {
        int saved = SamParallelism.MaxDegree;
        try
        {
            SamParallelism.MaxDegree = degree;
            (Parameter[] ps, SamOptimizer sam, TestLoss loss) = Create(variant, optimizer, s_shapes);
            long before = Partitioning.Dispatches;
            for (int step = 0; step < 3; step++)
            {
                sam.SharpnessAwareStep(ps, loss.Accumulate);
            }

            dispatches = Partitioning.Dispatches - before;
            return RandomModels.Copy(ps);
        }
        finally
        {
            SamParallelism.MaxDegree = saved;
        }
    }

    private static (Parameter[] Ps, SamOptimizer Sam, TestLoss Loss) Create(SamVariant variant, string optimizer, int[][] shapes)
    {
        var r = new Random(17 + (int)variant);
        Parameter[] ps = Array.ConvertAll(shapes, s => Parameter.Uniform("p", r, -1, 1, s));
        var loss = new TestLoss(Array.ConvertAll(ps, p => p.Length), 23);
        var settings = new SamSettings
        {
            Variant = variant,
            Rho = variant == SamVariant.Asam ? 0.5 : 0.05,
            PerturbWeightDecay = optimizer != "sgd", // both instantiations of the decay term
        };
        BaseOptimizer opt = optimizer switch
        {
            "sgd" => new Sgd(0.01, 0.9, weightDecay: 5e-4),
            "adamw" => new AdamW(1e-3, weightDecay: 1e-2),
            _ => new AdamW(1e-3, weightDecay: 1e-2, amsgrad: true),
        };
        return (ps, new SamOptimizer(ps, settings, opt), loss);
    }

    // Runs twice (1 then 2 threads), restores the degree and asserts every output is bitwise equal and that the
    // 2-thread run dispatched to the helpers.
    private static void AssertSameBitsOnOneAndTwoThreads(Func<int, (float[][] Buffers, double[] Sums)> run)
    {
        int degree = SamParallelism.MaxDegree, threshold = SamParallelism.MinParallelLength;
        try
        {
            SamParallelism.MinParallelLength = 4096;
            var one = run(1);
            long before = Partitioning.Dispatches;
            var two = run(2);
            Assert.True(Partitioning.Dispatches > before, "the partitioned path did not run");
            for (int k = 0; k < one.Buffers.Length; k++)
            {
                Assert.True(Bitwise(one.Buffers[k], two.Buffers[k]), $"buffer {k} differs");
            }

            Assert.Equal(one.Sums.Length, two.Sums.Length);
            for (int k = 0; k < one.Sums.Length; k++)
            {
                Assert.True(BitConverter.DoubleToInt64Bits(one.Sums[k]) == BitConverter.DoubleToInt64Bits(two.Sums[k]), $"reduction {k} differs: {one.Sums[k]:R} vs {two.Sums[k]:R}");
            }
        }
        finally
        {
            SamParallelism.MaxDegree = degree;
            SamParallelism.MinParallelLength = threshold;
        }
    }

    private static bool Bitwise(float[] a, float[] b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }

        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static float[] Abs(float[] x) => Array.ConvertAll(x, MathF.Abs);

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
