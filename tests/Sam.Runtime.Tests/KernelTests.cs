using System;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

public class KernelTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(33)]
    [InlineData(16 * 1024)]
    [InlineData((3 * 16 * 1024) + 5)]
    public void SumOfSquares_matches_a_double_loop(int n)
    {
        var r = new Random(n);
        float[] x = Random(r, n);
        double expected = 0;
        foreach (float v in x)
        {
            expected += (double)v * v;
        }

        Assert.Equal(expected, SamKernels.SumOfSquares(x), 1e-9 * Math.Max(1, expected));
    }

    [Fact]
    public void SumOfSquares_is_non_finite_exactly_when_an_element_is()
    {
        float[] x = Random(new Random(1), 1000);
        Assert.True(double.IsFinite(SamKernels.SumOfSquares(x)));
        x[999] = float.MaxValue; // squares overflow float, not the double accumulator
        Assert.True(double.IsFinite(SamKernels.SumOfSquares(x)));
        x[500] = float.NaN;
        Assert.False(double.IsFinite(SamKernels.SumOfSquares(x)));
        Assert.Equal(500, SamKernels.IndexOfNonFinite(x));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(64)]
    [InlineData(1001)]
    public void AddScaled_equals_the_scalar_formula_bit_for_bit(int n)
    {
        var r = new Random(n);
        float[] x = Random(r, n), g = Random(r, n), y = new float[n];
        SamKernels.AddScaled(x, g, 0.37f, y);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(x[i] + (0.37f * g[i]), y[i]);
        }
    }

    [Theory]
    [InlineData(3, false)]
    [InlineData(1001, false)]
    [InlineData(3, true)]
    [InlineData(1001, true)]
    public void Sgd_kernels_equal_the_scalar_formula_bit_for_bit(int n, bool momentum)
    {
        var r = new Random(n);
        float[] p = Random(r, n), g = Random(r, n), m = Random(r, n);
        float[] p0 = (float[])p.Clone(), m0 = (float[])m.Clone();
        var c = new SgdCoefficients(0.1f, 0.01f, 0.999f, 0.5f, 0.9f, 0.8f, 1f, 0.9f);
        if (momentum)
        {
            SamKernels.SgdMomentumStep(p, g, m, c);
        }
        else
        {
            SamKernels.SgdStep(p, g, c);
        }

        for (int i = 0; i < n; i++)
        {
            float d = (c.GradientScale * g[i]) + (c.L2 * p0[i]);
            if (momentum)
            {
                float b = (c.BufferDecay * m0[i]) + (c.BufferGain * d);
                Assert.Equal(b, m[i]);
                d = (c.DirectionGain * d) + (c.BufferOutputGain * b);
            }

            Assert.Equal((c.WeightDecayFactor * p0[i]) - (c.LearningRate * d), p[i]);
        }
    }

    [Fact]
    public void Kernels_reject_mismatched_lengths()
    {
        Assert.Throws<ArgumentException>(() => SamKernels.AddScaled(new float[3], new float[4], 1, new float[3]));
        Assert.Throws<ArgumentException>(() => SamKernels.SgdStep(new float[3], new float[4], default));
        Assert.Throws<ArgumentException>(() => SamKernels.SgdMomentumStep(new float[3], new float[3], new float[2], default));
    }

    internal static float[] Random(Random r, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((r.NextDouble() * 2) - 1);
        }

        return x;
    }
}
