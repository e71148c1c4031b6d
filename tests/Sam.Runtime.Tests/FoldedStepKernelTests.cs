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
