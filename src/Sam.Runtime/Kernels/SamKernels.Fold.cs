using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sam.Kernels;

// The g′ check folded into the SGD-momentum step (36 B per SAM step instead of 40 B), for an engine that
// double-buffers what a failed step must not change: the step reads w, g′, m and writes the new weights and
// momentum into two other buffers, so w and m are untouched until the caller flips the buffers, which it does only
// when the returned Σg′² is finite. Not wired into SamEngine yet (docs/benchmarks.md, "36 B or 40 B").
internal static partial class SamKernels
{
    // Per-block sums of the folded step; grown once, only touched while the helpers are held.
    private static double[] s_foldSums = [];

    /// <summary>
    /// The step of <see cref="SgdMomentumStep"/> computed from (<paramref name="p"/>, <paramref name="g"/>,
    /// <paramref name="m"/>) into (<paramref name="pOut"/>, <paramref name="mOut"/>), which must not overlap the
    /// inputs, and Σgᵢ² in the blocks and order of <see cref="SumOfSquares"/>.
    /// </summary>
    /// <returns>
    /// Σgᵢ², the same bits as <see cref="SumOfSquares"/>(<paramref name="g"/>): non-finite exactly when some gᵢ is
    /// NaN or ±∞, in which case the outputs are garbage and the inputs are as they were.
    /// </returns>
    /// <remarks>
    /// The outputs are the same bits as <see cref="SgdMomentumStep"/> in place, for any thread count. Large buffers
    /// (<see cref="NonTemporalThreshold"/>) whose two outputs have the same alignment modulo 64 bytes are written with
    /// non-temporal stores, so the step moves 20 B per element (not 28 B with write-allocate reads).
    /// </remarks>
    public static unsafe double SgdMomentumStepInto(ReadOnlySpan<float> p, ReadOnlySpan<float> g, ReadOnlySpan<float> m, in SgdCoefficients c, Span<float> pOut, Span<float> mOut)
    {
        int n = p.Length;
        if (g.Length != n || m.Length != n || pOut.Length != n || mOut.Length != n)
        {
            throw new ArgumentException($"p, g, m, pOut and mOut must have the same length (p has {n}).", nameof(g));
        }

        int blocks = (int)(((long)n + ReductionBlockSize - 1) / ReductionBlockSize);
        int degree = SamParallelism.DegreeFor(n);
        fixed (float* pp = p)
        fixed (float* pg = g)
        fixed (float* pm = m)
        fixed (float* po = pOut)
        fixed (float* mo = mOut)
        {
            bool streaming = n >= NonTemporalThreshold && Avx.IsSupported && (((nuint)po - (nuint)mo) & 63) == 0;
            var kernel = new FoldRange(pp, pg, pm, po, mo, n, c, streaming, null);
            if (degree > 1 && blocks > 1 && Partitioning.TryAcquire())
            {
                try
                {
                    double[] sums = s_foldSums.Length >= blocks ? s_foldSums : (s_foldSums = new double[blocks]);
                    fixed (double* ps = sums)
                    {
                        kernel = new FoldRange(pp, pg, pm, po, mo, n, c, streaming, ps);
                        Partitioning.RunAcquired(ref kernel, blocks, 1, degree);
                    }

                    double total = 0;
                    for (int b = 0; b < blocks; b++)
                    {
                        total += sums[b];
                    }

                    return total;
                }
                finally
                {
                    Partitioning.Release();
                }
            }

            double serial = 0;
            for (int b = 0; b < blocks; b++)
            {
                serial += kernel.Block(b);
            }

            return serial;
        }
    }

    private readonly unsafe struct FoldRange(float* p, float* g, float* m, float* pOut, float* mOut, int length, SgdCoefficients c, bool streaming, double* sums) : IRangeKernel
    {
        public void Run(int start, int end)
        {
            for (int b = start; b < end; b++)
            {
                sums[b] = Block(b);
            }
        }

        // One block: its Σg² (the block is then in L1/L2), then the step over it.
        public double Block(int b)
        {
            int offset = b * ReductionBlockSize;
            int count = Math.Min(ReductionBlockSize, length - offset);
            double s = BlockSumOfSquares(new ReadOnlySpan<float>(g + offset, count));
            SgdMomentumIntoCore(p + offset, g + offset, m + offset, c, pOut + offset, mOut + offset, count, streaming);
            return s;
        }
    }

    // The loop of SgdMomentumStepCore with separate outputs: the same operations in the same order, so the same bits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void SgdMomentumIntoCore(float* p, float* g, float* m, in SgdCoefficients c, float* pOut, float* mOut, int n, bool streaming)
    {
        float lr = c.LearningRate, l2 = c.L2, decay = c.WeightDecayFactor, s = c.GradientScale;
        float mu = c.BufferDecay, gamma = c.BufferGain, alpha = c.DirectionGain, beta = c.BufferOutputGain;
        int i = 0;
        if (streaming)
        {
            int head = (int)(((64 - ((nuint)pOut & 63)) & 63) / sizeof(float));
            if (((nuint)pOut & 3) != 0 || head > n)
            {
                head = n;
            }

            for (; i < head; i++)
            {
                Scalar(i);
            }

            var vlr = Vector256.Create(lr);
            var vl2 = Vector256.Create(l2);
            var vdecay = Vector256.Create(decay);
            var vs = Vector256.Create(s);
            var vmu = Vector256.Create(mu);
            var vgamma = Vector256.Create(gamma);
            var valpha = Vector256.Create(alpha);
            var vbeta = Vector256.Create(beta);
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> vp = Avx.LoadVector256(p + i);
                Vector256<float> d = Avx.Add(Avx.Multiply(vs, Avx.LoadVector256(g + i)), Avx.Multiply(vl2, vp));
                Vector256<float> bm = Avx.Add(Avx.Multiply(vmu, Avx.LoadVector256(m + i)), Avx.Multiply(vgamma, d));
                Avx.StoreAlignedNonTemporal(mOut + i, bm);
                Vector256<float> u = Avx.Add(Avx.Multiply(valpha, d), Avx.Multiply(vbeta, bm));
                Avx.StoreAlignedNonTemporal(pOut + i, Avx.Subtract(Avx.Multiply(vdecay, vp), Avx.Multiply(vlr, u)));
            }

            for (; i < n; i++)
            {
                Scalar(i);
            }

            Sse.StoreFence();
            return;
        }

        if (Vector.IsHardwareAccelerated)
        {
            var vlr = new Vector<float>(lr);
            var vl2 = new Vector<float>(l2);
            var vdecay = new Vector<float>(decay);
            var vs = new Vector<float>(s);
            var vmu = new Vector<float>(mu);
            var vgamma = new Vector<float>(gamma);
            var valpha = new Vector<float>(alpha);
            var vbeta = new Vector<float>(beta);
            int w = Vector<float>.Count;
            for (; i <= n - w; i += w)
            {
                var vp = Vector.Load(p + i);
                var d = vs * Vector.Load(g + i) + vl2 * vp;
                var bm = vmu * Vector.Load(m + i) + vgamma * d;
                bm.Store(mOut + i);
                var u = valpha * d + vbeta * bm;
                (vdecay * vp - vlr * u).Store(pOut + i);
            }
        }

        for (; i < n; i++)
        {
            Scalar(i);
        }

        void Scalar(int k)
        {
            float pk = p[k];
            float d = s * g[k] + l2 * pk;
            float bm = mu * m[k] + gamma * d;
            mOut[k] = bm;
            float u = alpha * d + beta * bm;
            pOut[k] = decay * pk - lr * u;
        }
    }
}
