using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sam.Kernels;

/// <summary>
/// The hand-vectorised element loops behind every SAM step. They are written once here; the generated code
/// and <see cref="SamOptimizer"/> call them per parameter.
/// </summary>
/// <remarks>
/// Element-wise kernels never use fused multiply-add and compute the vector body and the scalar tail with the
/// same operations in the same order, so a result does not depend on where a span starts or how it is split.
/// Reductions sum fixed-size blocks in double precision and add the block sums in order, so they do not depend
/// on how (or whether) the blocks are spread over threads.
/// </remarks>
internal static partial class SamKernels
{
    /// <summary>Elements per reduction block; the order of additions is fixed by this constant alone.</summary>
    public const int ReductionBlockSize = 16 * 1024;

    /// <summary>Σ xᵢ², accumulated in double precision in fixed blocks.</summary>
    /// <param name="x">The values.</param>
    /// <returns>The sum of squares; non-finite exactly when some element is NaN or ±∞.</returns>
    /// <remarks>
    /// Large spans compute their block sums on several threads (<see cref="SamParallelism"/>); the block sums
    /// are added in block order either way, so the result is the same bits for any thread count.
    /// </remarks>
    public static unsafe double SumOfSquares(ReadOnlySpan<float> x)
    {
        int n = x.Length;
        int blocks = (int)(((long)n + ReductionBlockSize - 1) / ReductionBlockSize);
        fixed (float* px = x)
        {
            var kernel = new SumOfSquaresBlocks(px, n);
            return Partitioning.SumBlocks(ref kernel, blocks, 1, SamParallelism.DegreeFor(n), out _);
        }
    }

    /// <summary>
    /// Buffers at least this long (4 MiB of floats, larger than a core's L2) get their perturbed copy written with
    /// non-temporal stores: the destination is not read first (no write-allocate: 12 instead of 16 bytes of memory
    /// traffic per element) and does not evict the weights and gradients the next pass reads.
    /// </summary>
    internal const int NonTemporalThreshold = 1 << 20;

    /// <summary>
    /// A phase job over at least this many elements in all (16 MiB per buffer; a SAM + SGD-momentum step then touches
    /// 80 MiB, more than a server's last-level cache) writes every tensor's outputs with non-temporal stores, whatever
    /// the tensor's own size: nothing it writes is still cached when the next phase or forward pass reads it, so reading
    /// the output lines first (write-allocate) is pure waste. A ResNet-18 is mostly tensors below
    /// <see cref="NonTemporalThreshold"/>, yet its step streams.
    /// </summary>
    internal const long PhaseNonTemporalThreshold = 1L << 22;

    /// <summary>Σ xᵢ² over one block (at most <see cref="ReductionBlockSize"/> elements).</summary>
    /// <param name="x">The block.</param>
    /// <returns>The block's sum of squares in double precision.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double BlockSumOfSquares(ReadOnlySpan<float> x)
    {
        ref float r = ref MemoryMarshal.GetReference(x);
        int n = x.Length;
        int i = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            var acc2 = Vector<double>.Zero;
            var acc3 = Vector<double>.Zero;
            int w = Vector<float>.Count;
            for (; i <= n - 2 * w; i += 2 * w)
            {
                Vector.Widen(Vector.LoadUnsafe(ref r, (nuint)i), out Vector<double> a, out Vector<double> b);
                Vector.Widen(Vector.LoadUnsafe(ref r, (nuint)(i + w)), out Vector<double> c, out Vector<double> d);
                acc0 += a * a;
                acc1 += b * b;
                acc2 += c * c;
                acc3 += d * d;
            }

            for (; i <= n - w; i += w)
            {
                Vector.Widen(Vector.LoadUnsafe(ref r, (nuint)i), out Vector<double> a, out Vector<double> b);
                acc0 += a * a;
                acc1 += b * b;
            }

            double s = Vector.Sum((acc0 + acc1) + (acc2 + acc3));
            for (; i < n; i++)
            {
                double v = Unsafe.Add(ref r, i);
                s += v * v;
            }

            return s;
        }

        double sum = 0;
        for (; i < n; i++)
        {
            double v = Unsafe.Add(ref r, i);
            sum += v * v;
        }

        return sum;
    }

    /// <summary>yᵢ = xᵢ + a·gᵢ: the SAM perturbation written into a second buffer in one pass.</summary>
    /// <param name="x">The trained weights.</param>
    /// <param name="g">The gradient.</param>
    /// <param name="a">The scale (ρ/‖g‖ for normalized SAM).</param>
    /// <param name="y">The destination (may be <paramref name="x"/> itself).</param>
    public static unsafe void AddScaled(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float a, Span<float> y)
    {
        int n = x.Length;
        if (g.Length != n || y.Length != n)
        {
            throw new ArgumentException($"x, g and y must have the same length (x has {n}).", g.Length != n ? nameof(g) : nameof(y));
        }

        int degree = SamParallelism.DegreeFor(n);
        fixed (float* px = x)
        fixed (float* pg = g)
        fixed (float* py = y)
        {
            bool streaming = n >= NonTemporalThreshold && Avx.IsSupported && py != px && py != pg;
            if (degree > 1)
            {
                var kernel = new AddScaledRange(px, pg, a, py, streaming);
                Partitioning.For(ref kernel, n, Partitioning.ChunkLength, degree);
            }
            else if (streaming)
            {
                AddScaledNonTemporal(px, pg, a, py, n);
            }
            else
            {
                AddScaledCore(x, g, a, y);
            }
        }
    }

    // yᵢ = xᵢ + a·gᵢ with the vector body's stores non-temporal and 64-byte aligned (a full cache line per
    // iteration, so the write-combining buffer flushes whole lines). The scalar head and tail compute the same
    // bits as the vector body (a multiply, then an add; no FMA), so the split does not change the result.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void AddScaledNonTemporal(float* x, float* g, float a, float* y, int n)
    {
        int i = 0;
        int head = (int)(((64 - ((nuint)y & 63)) & 63) / sizeof(float));
        if (((nuint)y & 3) != 0 || head > n)
        {
            head = n;
        }

        for (; i < head; i++)
        {
            y[i] = x[i] + a * g[i];
        }

        var va = Vector256.Create(a);
        for (; i <= n - 16; i += 16)
        {
            Vector256<float> y0 = Avx.Add(Avx.LoadVector256(x + i), Avx.Multiply(va, Avx.LoadVector256(g + i)));
            Vector256<float> y1 = Avx.Add(Avx.LoadVector256(x + i + 8), Avx.Multiply(va, Avx.LoadVector256(g + i + 8)));
            Avx.StoreAlignedNonTemporal(y + i, y0);
            Avx.StoreAlignedNonTemporal(y + i + 8, y1);
        }

        for (; i < n; i++)
        {
            y[i] = x[i] + a * g[i];
        }

        Sse.StoreFence(); // the stores are weakly ordered: make them visible before the pass is reported done
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddScaledCore(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float a, Span<float> y)
    {
        int n = x.Length;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            int w = Vector<float>.Count;
            for (; i <= n - w; i += w)
            {
                var vx = Vector.LoadUnsafe(ref rx, (nuint)i);
                var vg = Vector.LoadUnsafe(ref rg, (nuint)i);
                (vx + va * vg).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) = Unsafe.Add(ref rx, i) + a * Unsafe.Add(ref rg, i);
        }
    }

    /// <summary>
    /// One SGD step without a momentum buffer: <c>d = s·g + l2·p;  p = decay·p − lr·d</c>.
    /// </summary>
    /// <param name="p">The weights, updated in place.</param>
    /// <param name="g">The gradient.</param>
    /// <param name="c">The step's coefficients.</param>
    public static unsafe void SgdStep(Span<float> p, ReadOnlySpan<float> g, in SgdCoefficients c)
    {
        int n = p.Length;
        if (g.Length != n)
        {
            throw new ArgumentException($"p and g must have the same length (p has {n}).", nameof(g));
        }

        int degree = SamParallelism.DegreeFor(n);
        if (degree > 1)
        {
            fixed (float* pp = p)
            fixed (float* pg = g)
            {
                var kernel = new SgdRange(pp, pg, c);
                Partitioning.For(ref kernel, n, Partitioning.ChunkLength, degree);
            }

            return;
        }

        SgdStepCore(p, g, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SgdStepCore(Span<float> p, ReadOnlySpan<float> g, in SgdCoefficients c)
    {
        int n = p.Length;
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rg = ref MemoryMarshal.GetReference(g);
        float lr = c.LearningRate, l2 = c.L2, decay = c.WeightDecayFactor, s = c.GradientScale;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vlr = new Vector<float>(lr);
            var vl2 = new Vector<float>(l2);
            var vdecay = new Vector<float>(decay);
            var vs = new Vector<float>(s);
            int w = Vector<float>.Count;
            for (; i <= n - w; i += w)
            {
                var vp = Vector.LoadUnsafe(ref rp, (nuint)i);
                var d = vs * Vector.LoadUnsafe(ref rg, (nuint)i) + vl2 * vp;
                (vdecay * vp - vlr * d).StoreUnsafe(ref rp, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref rp, i);
            float d = s * Unsafe.Add(ref rg, i) + l2 * pi;
            Unsafe.Add(ref rp, i) = decay * pi - lr * d;
        }
    }

    /// <summary>
    /// One SGD step with a momentum buffer, in one pass:
    /// <c>d = s·g + l2·p;  m = μ'·m + γ·d;  u = α·d + β·m;  p = decay·p − lr·u</c>.
    /// PyTorch's SGD is the case μ' = μ (0 on the first step), γ = 1 − dampening (1 on the first step),
    /// and (α, β) = (1, μ) with Nesterov, (0, 1) without.
    /// </summary>
    /// <param name="p">The weights, updated in place.</param>
    /// <param name="g">The gradient.</param>
    /// <param name="m">The momentum buffer, updated in place.</param>
    /// <param name="c">The step's coefficients.</param>
    public static unsafe void SgdMomentumStep(Span<float> p, ReadOnlySpan<float> g, Span<float> m, in SgdCoefficients c)
    {
        int n = p.Length;
        if (g.Length != n || m.Length != n)
        {
            throw new ArgumentException($"p, g and m must have the same length (p has {n}).", g.Length != n ? nameof(g) : nameof(m));
        }

        int degree = SamParallelism.DegreeFor(n);
        if (degree > 1)
        {
            fixed (float* pp = p)
            fixed (float* pg = g)
            fixed (float* pm = m)
            {
                var kernel = new SgdMomentumRange(pp, pg, pm, c);
                Partitioning.For(ref kernel, n, Partitioning.ChunkLength, degree);
            }

            return;
        }

        SgdMomentumStepCore(p, g, m, c);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SgdMomentumStepCore(Span<float> p, ReadOnlySpan<float> g, Span<float> m, in SgdCoefficients c)
    {
        int n = p.Length;
        ref float rp = ref MemoryMarshal.GetReference(p);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rm = ref MemoryMarshal.GetReference(m);
        float lr = c.LearningRate, l2 = c.L2, decay = c.WeightDecayFactor, s = c.GradientScale;
        float mu = c.BufferDecay, gamma = c.BufferGain, alpha = c.DirectionGain, beta = c.BufferOutputGain;
        int i = 0;
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
                var vp = Vector.LoadUnsafe(ref rp, (nuint)i);
                var d = vs * Vector.LoadUnsafe(ref rg, (nuint)i) + vl2 * vp;
                var b = vmu * Vector.LoadUnsafe(ref rm, (nuint)i) + vgamma * d;
                b.StoreUnsafe(ref rm, (nuint)i);
                var u = valpha * d + vbeta * b;
                (vdecay * vp - vlr * u).StoreUnsafe(ref rp, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float pi = Unsafe.Add(ref rp, i);
            float d = s * Unsafe.Add(ref rg, i) + l2 * pi;
            float b = mu * Unsafe.Add(ref rm, i) + gamma * d;
            Unsafe.Add(ref rm, i) = b;
            float u = alpha * d + beta * b;
            Unsafe.Add(ref rp, i) = decay * pi - lr * u;
        }
    }

    /// <summary>Index of the first NaN or infinite element, or −1.</summary>
    /// <param name="x">The values.</param>
    /// <returns>The index, or −1 when every element is finite.</returns>
    public static int IndexOfNonFinite(ReadOnlySpan<float> x)
    {
        // x·0 is 0 (or −0) for every finite x and NaN for ±∞ and NaN: whole vectors are skipped while all are finite,
        // and the scalar loop finds the element in the first vector that is not.
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                if (!Vector.EqualsAll(new Vector<float>(x.Slice(i)) * Vector<float>.Zero, Vector<float>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < x.Length; i++)
        {
            if (!float.IsFinite(x[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
