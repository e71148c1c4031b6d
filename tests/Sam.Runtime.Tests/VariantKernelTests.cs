using System;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>The variant kernels give the same bits whether an element goes through the vector body or the scalar tail.</summary>
public class VariantKernelTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(31)]
    [InlineData(1000)]
    [InlineData((16 * 1024) + 9)]
    public void Perturb_kernels_do_not_depend_on_the_split(int n)
    {
        Check<SamRule, WithDecay>(default, n);
        Check<AsamRule, NoDecay>(new AsamRule(0.01f), n);
        Check<AsamRule, WithDecay>(new AsamRule(0.02f), n);
        Check<VassoRule, NoDecay>(new VassoRule(0.6f, 0.4f), n);
        Check<FriendlyRule, WithDecay>(new FriendlyRule(0.9f, 0.1f, 0.7f), n);
        Check<GsamRule, NoDecay>(default, n);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 37)]
    [InlineData(5, 4000)]
    public void Centralized_kernels_match_a_scalar_loop_and_do_not_depend_on_the_split(int rows, int rowLength)
    {
        var r = new Random(rows * rowLength);
        int n = rows * rowLength;
        float[] w = KernelTests.Random(r, n), g = KernelTests.Random(r, n), means = new float[rows];
        double sum = VariantKernels.CentralizedNorms<WithDecay>(g, w, 0.1f, rowLength, means, out double gg);
        double expected = 0, expectedG = 0;
        var y = new float[n];
        VariantKernels.CentralizedPerturb<WithDecay>(w, g, means, rowLength, 0.1f, 0.3f, y);
        for (int row = 0; row < rows; row++)
        {
            double mean = 0;
            for (int i = row * rowLength; i < (row + 1) * rowLength; i++)
            {
                mean += g[i] + (0.1f * w[i]);
            }

            float mu = (float)(mean / rowLength);
            Assert.Equal(mu, means[row]);
            for (int i = row * rowLength; i < (row + 1) * rowLength; i++)
            {
                float h = g[i] + (0.1f * w[i]);
                expected += (double)(h - mu) * (h - mu);
                expectedG += (double)g[i] * g[i];
                Assert.Equal(w[i] + (0.3f * (h - mu)), y[i]); // bit for bit
            }
        }

        Assert.Equal(expected, sum, 1e-9 * Math.Max(1, expected));
        Assert.Equal(expectedG, gg, 1e-9 * Math.Max(1, expectedG));
    }

    [Fact]
    public void Gsam_products_match_scalar_loops()
    {
        var r = new Random(5);
        float[] x = KernelTests.Random(r, 1003), y = KernelTests.Random(r, 1003);
        double dot = VariantKernels.DotAndSumOfSquares(x, y, out double yy);
        double d = 0, s = 0;
        for (int i = 0; i < x.Length; i++)
        {
            d += (double)x[i] * y[i];
            s += (double)y[i] * y[i];
        }

        Assert.Equal(d, dot, 1e-10);
        Assert.Equal(s, yy, 1e-10);
    }

    private static void Check<TRule, TDecay>(TRule rule, int n)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        var r = new Random(n);
        float[] w = KernelTests.Random(r, n), g = KernelTests.Random(r, n), s = KernelTests.Random(r, n);
        float[] s2 = (float[])s.Clone(), y = new float[n], y2 = new float[n];
        double norms = VariantKernels.Norms<TRule, TDecay>(rule, g, w, s, 0.05f, out double gg);
        VariantKernels.Perturb<TRule, TDecay>(rule, w, g, s, 0.05f, 0.3f, y);
        double expected = 0, expectedG = 0;
        for (int i = 0; i < n; i++)
        {
            // One element at a time: always the scalar tail.
            float n1 = rule.Apply(g[i], TDecay.Enabled ? g[i] + (0.05f * w[i]) : g[i], w[i], s2[i], out _, out _);
            expected += (double)n1 * n1;
            expectedG += (double)g[i] * g[i];
            VariantKernels.Perturb<TRule, TDecay>(rule, w.AsSpan(i, 1), g.AsSpan(i, 1), s2.AsSpan(i, 1), 0.05f, 0.3f, y2.AsSpan(i, 1));
        }

        Assert.Equal(y2, y);
        Assert.Equal(s2, s);
        Assert.Equal(expected, norms, 1e-9 * Math.Max(1, expected));
        Assert.Equal(expectedG, gg, 1e-9 * Math.Max(1, expectedG));
    }
}
