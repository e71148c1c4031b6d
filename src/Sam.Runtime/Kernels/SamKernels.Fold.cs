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
    /// The outputs are the same bits as <see cref="SgdMomentumStep"/> in place, for any thread count. Each block is one
    /// loop that loads every gᵢ once for both the sum and the step. Large buffers (<see cref="NonTemporalThreshold"/>)
    /// whose two outputs are 32-byte aligned are written with non-temporal stores, so the step moves 20 B per element
    /// (not 28 B with write-allocate reads).
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
            bool streaming = n >= NonTemporalThreshold && Avx.IsSupported && Vector<float>.Count == 8 && ((nuint)po & 31) == 0 && ((nuint)mo & 31) == 0;
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

        public double Block(int b)
        {
            int offset = b * ReductionBlockSize;
            int count = Math.Min(ReductionBlockSize, length - offset);
            double s = FoldBlock(p + offset, g + offset, m + offset, c, pOut + offset, mOut + offset, count, streaming);
            if (streaming)
            {
                Sse.StoreFence();
            }

            return s;
        }
    }

    // One block in one loop: each vector of g is loaded once and feeds both Σg² (the accumulators, order and tail of
    // BlockSumOfSquares, so the same bits) and the step (the operations of SgdMomentumStepCore, so the same bits),
    // so all five streams are in flight together. Streaming needs 32-byte-aligned outputs (then every vector store is
    // aligned: blocks start 64 KiB apart) and Vector<float> of 8 lanes.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe double FoldBlock(float* p, float* g, float* m, in SgdCoefficients c, float* pOut, float* mOut, int n, bool streaming)
    {
        float lr = c.LearningRate, l2 = c.L2, decay = c.WeightDecayFactor, s = c.GradientScale;
        float mu = c.BufferDecay, gamma = c.BufferGain, alpha = c.DirectionGain, beta = c.BufferOutputGain;
        int i = 0;
        double sum;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var vlr = new Vector<float>(lr);
            var vl2 = new Vector<float>(l2);
            var vdecay = new Vector<float>(decay);
            var vs = new Vector<float>(s);
            var vmu = new Vector<float>(mu);
            var vgamma = new Vector<float>(gamma);
            var valpha = new Vector<float>(alpha);
            var vbeta = new Vector<float>(beta);
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            var acc2 = Vector<double>.Zero;
            var acc3 = Vector<double>.Zero;
            int w = Vector<float>.Count;
            for (; i <= n - (2 * w); i += 2 * w)
            {
                var g0 = Vector.Load(g + i);
                var g1 = Vector.Load(g + i + w);
                Vector.Widen(g0, out Vector<double> a0, out Vector<double> b0);
                Vector.Widen(g1, out Vector<double> c0, out Vector<double> d0);
                acc0 += a0 * a0;
                acc1 += b0 * b0;
                acc2 += c0 * c0;
                acc3 += d0 * d0;
                Step(i, g0);
                Step(i + w, g1);
            }

            for (; i <= n - w; i += w)
            {
                var g0 = Vector.Load(g + i);
                Vector.Widen(g0, out Vector<double> a0, out Vector<double> b0);
                acc0 += a0 * a0;
                acc1 += b0 * b0;
                Step(i, g0);
            }

            sum = Vector.Sum((acc0 + acc1) + (acc2 + acc3));

            [MethodImpl(MethodImplOptions.AggressiveInlining)]
            void Step(int k, Vector<float> vg)
            {
                var vp = Vector.Load(p + k);
                var d = vs * vg + vl2 * vp;
                var bm = vmu * Vector.Load(m + k) + vgamma * d;
                var np = vdecay * vp - vlr * (valpha * d + vbeta * bm);
                if (streaming)
                {
                    Avx.StoreAlignedNonTemporal(mOut + k, bm.AsVector256());
                    Avx.StoreAlignedNonTemporal(pOut + k, np.AsVector256());
                }
                else
                {
                    bm.Store(mOut + k);
                    np.Store(pOut + k);
                }
            }
        }
        else
        {
            sum = 0;
        }

        for (; i < n; i++)
        {
            double v = g[i];
            sum += v * v;
            float pk = p[i];
            float d = s * g[i] + l2 * pk;
            float bm = mu * m[i] + gamma * d;
            mOut[i] = bm;
            float u = alpha * d + beta * bm;
            pOut[i] = decay * pk - lr * u;
        }

        return sum;
    }
}
