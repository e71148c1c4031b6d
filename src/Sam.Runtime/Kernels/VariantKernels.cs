using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Sam.Kernels;

/// <summary>
/// The element loops of the SAM variants (ASAM, VaSSO, Friendly SAM, GSAM, GCSAM, weight decay in the
/// perturbation) and of the m-sharpness helper. Each perturbation is two passes per parameter: a read-only
/// reduction (<see cref="Norms{TRule, TDecay}"/>) that also proves the gradient finite before anything is
/// written, then one fused write pass (<see cref="Perturb{TRule, TDecay}"/>) that updates the variant's state
/// and writes w + a·e into the shadow buffer.
/// </summary>
/// <remarks>
/// Same conventions as <see cref="SamKernels"/>: no fused multiply-add, vector body and scalar tail compute the
/// same operations in the same order, and reductions add fixed blocks of <see cref="SamKernels.ReductionBlockSize"/>
/// elements in order, in double precision. Spans of at least <see cref="SamParallelism.MinParallelLength"/>
/// elements are cut over the helper threads (VariantKernels.Ranges.cs): element passes run the same loop on each
/// chunk, reductions store one result per block (per row for GCSAM) and add them here in order, so 1 and N threads
/// give the same bits.
/// </remarks>
internal static partial class VariantKernels
{
    private static long s_streamedElements;

    /// <summary>Elements whose perturbation a variant kernel wrote with non-temporal stores since start-up (a CI guard).</summary>
    public static long StreamedElements => Interlocked.Read(ref s_streamedElements);

    private static long s_streamedStateElements;

    /// <summary>Elements of rule state (GSAM's saved g, …) written with non-temporal stores since start-up (the CI guard).</summary>
    public static long StreamedStateElements => Interlocked.Read(ref s_streamedStateElements);

    /// <summary>
    /// Σ n² over the rule's norm direction n, and <paramref name="gradientSumOfSquares"/> = Σ g², in one read-only
    /// pass. Either is non-finite when g holds NaN or ±∞.
    /// </summary>
    public static double Norms<TRule, TDecay>(in TRule rule, ReadOnlySpan<float> g, ReadOnlySpan<float> w, ReadOnlySpan<float> s, float decay, out double gradientSumOfSquares)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        CheckLengths<TRule, TDecay>(g.Length, w.Length, s.Length);
        if (TryNormsPartitioned<TRule, TDecay>(rule, g, w, s, decay, out double partitioned, out gradientSumOfSquares))
        {
            return partitioned;
        }

        double total = 0, totalG = 0;
        for (int start = 0; start < g.Length; start += SamKernels.ReductionBlockSize)
        {
            int n = Math.Min(SamKernels.ReductionBlockSize, g.Length - start);
            total += BlockNorms<TRule, TDecay>(
                rule,
                g.Slice(start, n),
                TDecay.Enabled || typeof(TRule) == typeof(AsamRule) ? w.Slice(start, n) : default,
                TRule.ReadsState ? s.Slice(start, n) : default,
                decay,
                out double blockG);
            totalG += blockG;
        }

        gradientSumOfSquares = totalG;
        return total;
    }

    /// <summary>
    /// The fused perturbation: the rule's new state is written to <paramref name="s"/> (when it keeps one) and
    /// y = w + a·e to <paramref name="y"/>, checked as it is written (no second read of y).
    /// </summary>
    /// <param name="rule">The variant's rule.</param>
    /// <param name="w">The trained weights.</param>
    /// <param name="g">The gradient.</param>
    /// <param name="s">The rule's state (empty when it keeps none).</param>
    /// <param name="decay">The weight decay in the direction (0: none).</param>
    /// <param name="a">The scale of the direction.</param>
    /// <param name="y">Where w + a·e goes.</param>
    /// <param name="streaming">Write y with non-temporal stores (where aligned): the phase is far larger than the cache.</param>
    /// <returns>True when every yᵢ is finite.</returns>
    public static bool Perturb<TRule, TDecay>(in TRule rule, ReadOnlySpan<float> w, ReadOnlySpan<float> g, Span<float> s, float decay, float a, Span<float> y, bool streaming = false)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        int n = w.Length;
        if (g.Length != n || y.Length != n || ((TRule.ReadsState || TRule.WritesState) && s.Length != n))
        {
            throw new ArgumentException("w, g, y (and the state) must have the same length.");
        }

        int degree = SamParallelism.DegreeFor(n);
        if (degree > 1)
        {
            return PerturbPartitioned<TRule, TDecay>(rule, w, g, s, decay, a, y, degree, streaming);
        }

        return PerturbCore<TRule, TDecay>(rule, w, g, s, decay, a, y, streaming) == 0;
    }

    // Returns 0 when every yᵢ is finite (the sum of yᵢ − yᵢ), NaN otherwise. Streaming: a scalar head up to a 32-byte
    // boundary of y, then aligned non-temporal stores (no write-allocate read of y), fenced before returning.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float PerturbCore<TRule, TDecay>(in TRule rule, ReadOnlySpan<float> w, ReadOnlySpan<float> g, Span<float> s, float decay, float a, Span<float> y, bool streaming)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        int n = w.Length;
        ref float rw = ref MemoryMarshal.GetReference(w);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float ry = ref MemoryMarshal.GetReference(y);
        ref float rs = ref TRule.ReadsState || TRule.WritesState ? ref MemoryMarshal.GetReference(s) : ref ry;
        nuint yAddress = (nuint)Unsafe.AsPointer(ref ry);
        bool stream = streaming && Avx.IsSupported && Vector<float>.Count == 8 && (yAddress & 3) == 0;

        // The state the rule writes (GSAM's saved g, VaSSO's and Friendly SAM's averages) streams too when it sits at
        // y's place in a 32-byte line, so the head that aligns y aligns it: then no write-allocate read of it either
        // (GSAM's perturbation moves 16 B per parameter, not 20).
        bool streamState = stream && TRule.WritesState && ((((nuint)Unsafe.AsPointer(ref rs)) - yAddress) & 31) == 0;
        int i = 0;
        float bad = 0;
        if (stream)
        {
            int head = Math.Min(n, (int)(((32 - (yAddress & 31)) & 31) / sizeof(float)));
            for (; i < head; i++)
            {
                bad += Element<TRule, TDecay>(rule, ref rw, ref rg, ref rs, ref ry, i, decay, a);
            }
        }

        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            var vdecay = new Vector<float>(decay);
            var vbad = Vector<float>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var vw = Vector.LoadUnsafe(ref rw, (nuint)i);
                var vg = Vector.LoadUnsafe(ref rg, (nuint)i);
                var vh = TDecay.Enabled ? vg + (vdecay * vw) : vg;
                var vs = TRule.ReadsState ? Vector.LoadUnsafe(ref rs, (nuint)i) : Vector<float>.Zero;
                rule.Apply(vg, vh, vw, vs, out Vector<float> e, out Vector<float> ns);
                if (TRule.WritesState)
                {
                    if (streamState)
                    {
                        Avx.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref Unsafe.Add(ref rs, i)), ns.AsVector256());
                    }
                    else
                    {
                        ns.StoreUnsafe(ref rs, (nuint)i);
                    }
                }

                var r = vw + (va * e);
                if (stream)
                {
                    Avx.StoreAlignedNonTemporal((float*)Unsafe.AsPointer(ref Unsafe.Add(ref ry, i)), r.AsVector256());
                }
                else
                {
                    r.StoreUnsafe(ref ry, (nuint)i);
                }

                vbad += r - r;
            }

            bad += Vector.Sum(vbad);
        }

        for (; i < n; i++)
        {
            bad += Element<TRule, TDecay>(rule, ref rw, ref rg, ref rs, ref ry, i, decay, a);
        }

        if (stream)
        {
            Sse.StoreFence(); // weakly ordered stores: visible before the chunk is reported done
            Interlocked.Add(ref s_streamedElements, n); // once per tensor or chunk: not measurable
            if (streamState)
            {
                Interlocked.Add(ref s_streamedStateElements, n);
            }
        }

        return bad;
    }

    // One element of PerturbCore (the head and the tail): the same operations as the vector body, so the same bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Element<TRule, TDecay>(in TRule rule, ref float rw, ref float rg, ref float rs, ref float ry, int i, float decay, float a)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        float wi = Unsafe.Add(ref rw, i);
        float gi = Unsafe.Add(ref rg, i);
        float hi = TDecay.Enabled ? gi + (decay * wi) : gi;
        float si = TRule.ReadsState ? Unsafe.Add(ref rs, i) : 0f;
        rule.Apply(gi, hi, wi, si, out float e, out float ns);
        if (TRule.WritesState)
        {
            Unsafe.Add(ref rs, i) = ns;
        }

        float ri = wi + (a * e);
        Unsafe.Add(ref ry, i) = ri;
        return ri - ri;
    }

    /// <summary>
    /// GCSAM's reduction: for each row r of <paramref name="rowLength"/> elements (one output unit), μ_r = mean(h)
    /// is stored in <paramref name="means"/> (scratch, not state) and Σ (h − μ_r)² is returned; Σ g² goes to
    /// <paramref name="gradientSumOfSquares"/>.
    /// </summary>
    public static double CentralizedNorms<TDecay>(ReadOnlySpan<float> g, ReadOnlySpan<float> w, float decay, int rowLength, Span<float> means, out double gradientSumOfSquares)
        where TDecay : struct, IDecayTerm
    {
        int rows = means.Length;
        if (rowLength <= 0 || (long)rows * rowLength != g.Length || (TDecay.Enabled && w.Length != g.Length))
        {
            throw new ArgumentException("g must hold rows × rowLength elements (and w as many).");
        }

        if (TryCentralizedNormsPartitioned<TDecay>(g, w, decay, rowLength, means, out double partitioned, out gradientSumOfSquares))
        {
            return partitioned;
        }

        double total = 0, totalG = 0;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> gr = g.Slice(r * rowLength, rowLength);
            ReadOnlySpan<float> wr = TDecay.Enabled ? w.Slice(r * rowLength, rowLength) : default;
            double sum = RowSum<TDecay>(gr, wr, decay, out double sumG);
            float mean = (float)(sum / rowLength);
            means[r] = mean;
            totalG += sumG;
            total += RowCentredSumOfSquares<TDecay>(gr, wr, decay, mean);
        }

        gradientSumOfSquares = totalG;
        return total;
    }

    /// <summary>GCSAM's perturbation: y = w + a·(h − μ_r), row by row.</summary>
    public static void CentralizedPerturb<TDecay>(ReadOnlySpan<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> means, int rowLength, float decay, float a, Span<float> y)
        where TDecay : struct, IDecayTerm
    {
        int n = w.Length;
        if (g.Length != n || y.Length != n || (long)means.Length * rowLength != n)
        {
            throw new ArgumentException("w, g and y must have the same length, rows × rowLength.");
        }

        int degree = SamParallelism.DegreeFor(n);
        if (degree > 1 && means.Length > 1)
        {
            CentralizedPerturbPartitioned<TDecay>(w, g, means, rowLength, decay, a, y, degree);
            return;
        }

        CentralizedPerturbRows<TDecay>(w, g, means, rowLength, decay, a, y, 0, means.Length);
    }

    // Rows [firstRow, endRow): one row's loop is the same whichever thread runs it (the variant job's segment loop).
    private static unsafe void CentralizedPerturbRows<TDecay>(ReadOnlySpan<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> means, int rowLength, float decay, float a, Span<float> y, int firstRow, int endRow)
        where TDecay : struct, IDecayTerm
    {
        fixed (float* pw = w, pg = g, py = y)
        {
            for (int r = firstRow; r < endRow; r++)
            {
                int at = r * rowLength;
                CentralizedSegment<TDecay>(pw + at, pg + at, py + at, rowLength, means[r], decay, a); // unchecked here: the engine reads y
            }
        }
    }

    /// <summary>Σ xᵢ·yᵢ and <paramref name="yy"/> = Σ yᵢ², one read-only pass in double precision (GSAM's global products).</summary>
    public static double DotAndSumOfSquares(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out double yy)
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException("x and y must have the same length.");
        }

        if (TryDotPartitioned(x, y, out double partitioned, out yy))
        {
            return partitioned;
        }

        double dot = 0, sq = 0;
        for (int start = 0; start < x.Length; start += SamKernels.ReductionBlockSize)
        {
            int n = Math.Min(SamKernels.ReductionBlockSize, x.Length - start);
            dot += BlockDot(x.Slice(start, n), y.Slice(start, n), out double blockYy);
            sq += blockYy;
        }

        yy = sq;
        return dot;
    }

    /// <summary>y = a·x (m-sharpness: the average of the accumulated perturbed gradients).</summary>
    public static void ScaleInto(ReadOnlySpan<float> x, float a, Span<float> y)
    {
        int n = x.Length;
        if (y.Length != n)
        {
            throw new ArgumentException("x and y must have the same length.");
        }

        int degree = SamParallelism.DegreeFor(n);
        if (degree > 1)
        {
            ScalePartitioned(x, a, y, degree);
            return;
        }

        ScaleCore(x, a, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ScaleCore(ReadOnlySpan<float> x, float a, Span<float> y)
    {
        int n = x.Length;

        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                (va * Vector.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ry, i) = a * Unsafe.Add(ref rx, i);
        }
    }

    private static void CheckLengths<TRule, TDecay>(int g, int w, int s)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        if (((TDecay.Enabled || typeof(TRule) == typeof(AsamRule)) && w != g) || (TRule.ReadsState && s != g))
        {
            throw new ArgumentException("g, w and the state must have the same length.");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double BlockNorms<TRule, TDecay>(in TRule rule, ReadOnlySpan<float> g, ReadOnlySpan<float> w, ReadOnlySpan<float> s, float decay, out double gradientSumOfSquares)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        bool readsW = TDecay.Enabled || typeof(TRule) == typeof(AsamRule);
        int n = g.Length;
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rw = ref readsW ? ref MemoryMarshal.GetReference(w) : ref rg;
        ref float rs = ref TRule.ReadsState ? ref MemoryMarshal.GetReference(s) : ref rg;
        int i = 0;
        double total = 0, totalG = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var vdecay = new Vector<float>(decay);
            var accN0 = Vector<double>.Zero;
            var accN1 = Vector<double>.Zero;
            var accG0 = Vector<double>.Zero;
            var accG1 = Vector<double>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var vg = Vector.LoadUnsafe(ref rg, (nuint)i);
                var vw = readsW ? Vector.LoadUnsafe(ref rw, (nuint)i) : Vector<float>.Zero;
                var vh = TDecay.Enabled ? vg + (vdecay * vw) : vg;
                var vs = TRule.ReadsState ? Vector.LoadUnsafe(ref rs, (nuint)i) : Vector<float>.Zero;
                var vn = rule.Apply(vg, vh, vw, vs, out _, out _);
                Vector.Widen(vn, out Vector<double> n0, out Vector<double> n1);
                Vector.Widen(vg, out Vector<double> g0, out Vector<double> g1);
                accN0 += n0 * n0;
                accN1 += n1 * n1;
                accG0 += g0 * g0;
                accG1 += g1 * g1;
            }

            total = Vector.Sum(accN0 + accN1);
            totalG = Vector.Sum(accG0 + accG1);
        }

        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref rg, i);
            float wi = readsW ? Unsafe.Add(ref rw, i) : 0f;
            float hi = TDecay.Enabled ? gi + (decay * wi) : gi;
            float si = TRule.ReadsState ? Unsafe.Add(ref rs, i) : 0f;
            double v = rule.Apply(gi, hi, wi, si, out _, out _);
            total += v * v;
            totalG += (double)gi * gi;
        }

        gradientSumOfSquares = totalG;
        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double RowSum<TDecay>(ReadOnlySpan<float> g, ReadOnlySpan<float> w, float decay, out double sumOfSquaresG)
        where TDecay : struct, IDecayTerm
    {
        int n = g.Length;
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rw = ref TDecay.Enabled ? ref MemoryMarshal.GetReference(w) : ref rg;
        int i = 0;
        double sum = 0, sumG = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var vdecay = new Vector<float>(decay);
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            var accG0 = Vector<double>.Zero;
            var accG1 = Vector<double>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var vg = Vector.LoadUnsafe(ref rg, (nuint)i);
                var vh = TDecay.Enabled ? vg + (vdecay * Vector.LoadUnsafe(ref rw, (nuint)i)) : vg;
                Vector.Widen(vh, out Vector<double> h0, out Vector<double> h1);
                Vector.Widen(vg, out Vector<double> g0, out Vector<double> g1);
                acc0 += h0;
                acc1 += h1;
                accG0 += g0 * g0;
                accG1 += g1 * g1;
            }

            sum = Vector.Sum(acc0 + acc1);
            sumG = Vector.Sum(accG0 + accG1);
        }

        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref rg, i);
            float hi = TDecay.Enabled ? gi + (decay * Unsafe.Add(ref rw, i)) : gi;
            sum += hi;
            sumG += (double)gi * gi;
        }

        sumOfSquaresG = sumG;
        return sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double RowCentredSumOfSquares<TDecay>(ReadOnlySpan<float> g, ReadOnlySpan<float> w, float decay, float mean)
        where TDecay : struct, IDecayTerm
    {
        int n = g.Length;
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rw = ref TDecay.Enabled ? ref MemoryMarshal.GetReference(w) : ref rg;
        int i = 0;
        double total = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var vdecay = new Vector<float>(decay);
            var vmu = new Vector<float>(mean);
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var vg = Vector.LoadUnsafe(ref rg, (nuint)i);
                var vh = TDecay.Enabled ? vg + (vdecay * Vector.LoadUnsafe(ref rw, (nuint)i)) : vg;
                Vector.Widen(vh - vmu, out Vector<double> d0, out Vector<double> d1);
                acc0 += d0 * d0;
                acc1 += d1 * d1;
            }

            total = Vector.Sum(acc0 + acc1);
        }

        for (; i < n; i++)
        {
            float gi = Unsafe.Add(ref rg, i);
            float hi = TDecay.Enabled ? gi + (decay * Unsafe.Add(ref rw, i)) : gi;
            double d = hi - mean;
            total += d * d;
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double BlockDot(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out double yy)
    {
        int n = x.Length;
        ref float rx = ref MemoryMarshal.GetReference(x);
        ref float ry = ref MemoryMarshal.GetReference(y);
        int i = 0;
        double dot = 0, sq = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var accD0 = Vector<double>.Zero;
            var accD1 = Vector<double>.Zero;
            var accY0 = Vector<double>.Zero;
            var accY1 = Vector<double>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                Vector.Widen(Vector.LoadUnsafe(ref rx, (nuint)i), out Vector<double> x0, out Vector<double> x1);
                Vector.Widen(Vector.LoadUnsafe(ref ry, (nuint)i), out Vector<double> y0, out Vector<double> y1);
                accD0 += x0 * y0;
                accD1 += x1 * y1;
                accY0 += y0 * y0;
                accY1 += y1 * y1;
            }

            dot = Vector.Sum(accD0 + accD1);
            sq = Vector.Sum(accY0 + accY1);
        }

        for (; i < n; i++)
        {
            double xi = Unsafe.Add(ref rx, i), yi = Unsafe.Add(ref ry, i);
            dot += xi * yi;
            sq += yi * yi;
        }

        yy = sq;
        return dot;
    }
}
