using System;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// SgdMomentumStepInto (the g′ check folded into the SGD-momentum step, into second buffers): the same bits as
/// SumOfSquares + SgdMomentumStep in place, for one and two threads, streaming or not, and the inputs untouched.
/// </summary>
[Collection(SamParallelismCollection.Name)]
public class FoldedStepKernelTests
{
    [Theory]
    [InlineData(1, 5 * 16_384 + 13, 0)]
    [InlineData(2, 5 * 16_384 + 13, 0)]
    [InlineData(1, (1 << 20) + 12_345, 0)]
    [InlineData(2, (1 << 20) + 12_345, 0)]
    [InlineData(2, (1 << 20) + 12_345, 3)]
    [InlineData(1, (1 << 20) + 12_345, -1)]
    [InlineData(2, (1 << 20) + 12_345, -1)]
    public void Folded_step_equals_check_then_step_in_place(int degree, int n, int misalign)
    {
        // misalign −1: both outputs 32-byte aligned (pinned), so the non-temporal path runs.
        using var scope = new ParallelismScope(degree, SamParallelism.MinParallelLength);
        var r = new Random(n + degree);
        float[] p = Random(r, n), g = Random(r, n), m = Random(r, n);
        var c = new SgdCoefficients(0.01f, 5e-4f, 1f, 0.7f, 0.9f, 0.95f, 1f, 0.9f);
        float[] pRef = (float[])p.Clone(), mRef = (float[])m.Clone();
        double sumRef = SamKernels.SumOfSquares(g);
        SamKernels.SgdMomentumStep(pRef, g, mRef, c);

        float[] pIn = (float[])p.Clone(), mIn = (float[])m.Clone();
        float[] pOut = GC.AllocateArray<float>(n + 16, pinned: true), mOut = GC.AllocateArray<float>(n + 16, pinned: true);
        int po = misalign < 0 ? AlignedOffset(pOut) : 0, mo = misalign < 0 ? AlignedOffset(mOut) : misalign;
        double sum = SamKernels.SgdMomentumStepInto(pIn, g, mIn, c, pOut.AsSpan(po, n), mOut.AsSpan(mo, n));

        Assert.Equal(BitConverter.DoubleToInt64Bits(sumRef), BitConverter.DoubleToInt64Bits(sum));
        Assert.True(pRef.AsSpan().SequenceEqual(pOut.AsSpan(po, n)), "weights differ");
        Assert.True(mRef.AsSpan().SequenceEqual(mOut.AsSpan(mo, n)), "momentum differs");
        Assert.True(p.AsSpan().SequenceEqual(pIn), "the input weights were written");
        Assert.True(m.AsSpan().SequenceEqual(mIn), "the input momentum was written");
    }

    // The common SGD-momentum step (no clipping, dampening, Nesterov or decoupled decay) runs a shorter form of the
    // kernel; every combination of signed zeros, subnormals and large values must give the general kernel's bits.
    [Theory]
    [InlineData(5e-4f, 0.9f)]
    [InlineData(0f, 0.9f)]
    [InlineData(5e-4f, 0f)]
    public void The_plain_momentum_step_gives_the_general_kernels_bits_on_signed_zeros_and_extremes(float l2, float mu)
    {
        var c = new SgdCoefficients(0.01f, l2, 1f, 1f, mu, 1f, 0f, 1f);
        Assert.True(StepKernels.IsPlainMomentum(c));
        float[] values = [0f, -0f, float.Epsilon, -float.Epsilon, 1e-38f, -1e-38f, 0.5f, -0.75f, 3e30f, -2e30f, 1f / 3];
        int n = values.Length * values.Length * values.Length;
        float[] p = new float[n], g = new float[n], m = new float[n];
        int at = 0;
        foreach (float pi in values)
        {
            foreach (float gi in values)
            {
                foreach (float mi in values)
                {
                    (p[at], g[at], m[at]) = (pi, gi, mi);
                    at++;
                }
            }
        }

        float[] pRef = (float[])p.Clone(), mRef = (float[])m.Clone();
        SamKernels.SgdMomentumStep(pRef, g, mRef, c);
        float[] pOut = new float[n], mOut = new float[n];
        double sum = SamKernels.SgdMomentumStepInto(p, g, m, c, pOut, mOut);

        Assert.True(double.IsFinite(sum));
        float[] pOne = new float[1], mOne = new float[1];
        for (int i = 0; i < n; i++)
        {
            // The vector body (the whole array), then the scalar tail (each element alone).
            Assert.True(
                BitConverter.SingleToInt32Bits(pRef[i]) == BitConverter.SingleToInt32Bits(pOut[i]) && BitConverter.SingleToInt32Bits(mRef[i]) == BitConverter.SingleToInt32Bits(mOut[i]),
                $"p = {p[i]:R}, g = {g[i]:R}, m = {m[i]:R}: general ({pRef[i]:R}, {mRef[i]:R}), plain ({pOut[i]:R}, {mOut[i]:R})");
            SamKernels.SgdMomentumStepInto(p.AsSpan(i, 1), g.AsSpan(i, 1), m.AsSpan(i, 1), c, pOne, mOne);
            Assert.True(
                BitConverter.SingleToInt32Bits(pRef[i]) == BitConverter.SingleToInt32Bits(pOne[0]) && BitConverter.SingleToInt32Bits(mRef[i]) == BitConverter.SingleToInt32Bits(mOne[0]),
                $"p = {p[i]:R}, g = {g[i]:R}, m = {m[i]:R} alone: general ({pRef[i]:R}, {mRef[i]:R}), plain ({pOne[0]:R}, {mOne[0]:R})");
        }
    }

    // Each momentum form the base optimizer builds: only the plain one takes the short kernel, and each gives the bits of
    // the in-place kernel.
    [Theory]
    [InlineData(1f, 1f, 0f, 1f, 1f, true)] // heavy ball
    [InlineData(1f, 1f, 1f, 0.9f, 1f, false)] // Nesterov
    [InlineData(1f, 1f, 1f, 1f, 1f, false)] // Nesterov at μ = 1
    [InlineData(1f, 0.9f, 0f, 1f, 1f, false)] // dampening 0.1
    [InlineData(1f, 1f, 0f, 1f, 0.9995f, false)] // decoupled weight decay
    [InlineData(0.5f, 1f, 0f, 1f, 1f, false)] // clipped
    public void Every_momentum_form_gives_the_in_place_kernels_bits(float scale, float gain, float directionGain, float outputGain, float decay, bool plain)
    {
        var c = new SgdCoefficients(0.01f, 5e-4f, decay, scale, 0.9f, gain, directionGain, outputGain);
        Assert.Equal(plain, StepKernels.IsPlainMomentum(c));
        int n = 1000 + 3;
        var r = new Random(7);
        float[] p = Random(r, n), g = Random(r, n), m = Random(r, n);
        float[] pRef = (float[])p.Clone(), mRef = (float[])m.Clone();
        SamKernels.SgdMomentumStep(pRef, g, mRef, c);
        float[] pOut = new float[n], mOut = new float[n];
        SamKernels.SgdMomentumStepInto(p, g, m, c, pOut, mOut);
        Assert.True(pRef.AsSpan().SequenceEqual(pOut), "weights differ");
        Assert.True(mRef.AsSpan().SequenceEqual(mOut), "momentum differs");
    }

    // The plain kernel checks only the new weights (an infinite buffer makes them infinite too): a weight that
    // overflows from finite inputs, in the vector body or in the scalar tail, fails the block's check.
    [Theory]
    [InlineData(7)]
    [InlineData(65)]
    public unsafe void A_plain_momentum_step_whose_weight_overflows_fails_the_check(int at)
    {
        const int n = 67;
        var c = new SgdCoefficients(3.4e38f, 5e-4f, 1f, 1f, 0.9f, 1f, 0f, 1f);
        float[] p = new float[n], g = new float[n], m = new float[n], pOut = new float[n], mOut = new float[n];
        Array.Fill(g, 1e-3f);
        g[at] = 4f; // 3.4e38·4 overflows; 3.4e38·1e-3 does not
        fixed (float* pp = p, pg = g, pm = m, po = pOut, mo = mOut)
        {
            var item = new StepItem { W = pp, G = pg, M = pm, WOut = po, MOut = mo, Kind = StepKind.SgdMomentum, Sgd = c };
            double sum = StepKernels.Block(item, 0, n, out double check);
            Assert.True(double.IsFinite(sum));
            Assert.True(double.IsNaN(check), $"the check is {check} with the weight {pOut[at]} at {at}");
        }

        g[at] = 1e-3f;
        fixed (float* pp = p, pg = g, pm = m, po = pOut, mo = mOut)
        {
            var item = new StepItem { W = pp, G = pg, M = pm, WOut = po, MOut = mo, Kind = StepKind.SgdMomentum, Sgd = c };
            StepKernels.Block(item, 0, n, out double check);
            Assert.Equal(0, check);
        }
    }

    [Fact]
    public void A_non_finite_gradient_gives_a_non_finite_sum_and_leaves_the_inputs()
    {
        int n = 3 * 16_384;
        var r = new Random(1);
        float[] p = Random(r, n), g = Random(r, n), m = Random(r, n);
        g[n - 2] = float.NaN;
        float[] pIn = (float[])p.Clone(), mIn = (float[])m.Clone();
        double sum = SamKernels.SgdMomentumStepInto(pIn, g, mIn, new SgdCoefficients(0.1f, 0f, 1f, 1f, 0.9f, 1f, 0f, 1f), new float[n], new float[n]);
        Assert.False(double.IsFinite(sum));
        Assert.Equal(p, pIn);
        Assert.Equal(m, mIn);
    }

    // The arrays are pinned (GC.AllocateArray(pinned: true)), so the address of element 0 does not move.
    private static int AlignedOffset(float[] pinned)
    {
        var handle = System.Runtime.InteropServices.GCHandle.Alloc(pinned, System.Runtime.InteropServices.GCHandleType.Pinned);
        try
        {
            nint address = handle.AddrOfPinnedObject();
            return (int)(((32 - (address & 31)) & 31) / sizeof(float));
        }
        finally
        {
            handle.Free();
        }
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
