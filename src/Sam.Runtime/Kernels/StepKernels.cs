using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Threading;

namespace Sam.Kernels;

/// <summary>Which fused base step a <see cref="StepItem"/> takes.</summary>
internal enum StepKind : byte
{
    /// <summary>SGD without a momentum buffer.</summary>
    Sgd,

    /// <summary>SGD with momentum (heavy ball or Nesterov).</summary>
    SgdMomentum,

    /// <summary>AdamW.</summary>
    AdamW,

    /// <summary>AdamW with AMSGrad's running maximum.</summary>
    AdamWMax,
}

/// <summary>
/// One parameter's step into second buffers: the inputs (weights, gradient, state) are only read and the results go
/// to the output buffers, so a step whose result turns out non-finite is dropped by not flipping the buffers. Every
/// pointer is to memory pinned for the job (unused state pointers are null).
/// </summary>
internal unsafe struct StepItem
{
    public float* W;
    public float* G;
    public float* WOut;
    public float* M;
    public float* MOut;
    public float* V;
    public float* VOut;
    public float* X;
    public float* XOut;
    public StepKind Kind;
    public bool Streaming;

    /// <summary>
    /// Non-null when the step's direction is <see cref="Gain"/>·G − <see cref="OtherGain"/>·Other, computed as the
    /// step reads G (GSAM's (1 + αc)·g′ − α·g with the saved g; the operations GSAM's combining pass had, so the same
    /// bits), instead of a separate pass writing it.
    /// </summary>
    public float* Other;
    public float Gain;
    public float OtherGain;

    /// <summary>Element <paramref name="i"/> of the direction the step took: G, or the combination with Other (the kernel's operations).</summary>
    public readonly float GradientAt(int i) => Other == null ? G[i] : (Gain * G[i]) - (OtherGain * Other[i]);
    public SgdCoefficients Sgd;
    public AdamCoefficients Adam;
}

/// <summary>
/// The base steps written into second buffers, each fused with the two checks a transactional step needs: Σg²
/// of the gradient (non-finite exactly when some gᵢ is NaN or ±∞; the blocks, accumulators and order of
/// <see cref="SamKernels.BlockSumOfSquares"/>, so the same bits and the ‖g′‖ telemetry comes for free) and a check
/// sum of the results (0 when every new weight and state element is finite, NaN otherwise). Each vector of g is
/// loaded once for the sum and the step, so a SAM + SGD-momentum step moves 36 B per parameter (no separate 4 B
/// g′ pass). The element operations are those of the in-place kernels (<see cref="SamKernels.SgdMomentumStep"/>,
/// <see cref="AdamKernels.AdamWStep"/>), in the same order and without fused multiply-add, so the new weights and
/// state are the same bits as theirs, for any split and thread count.
/// </summary>
internal static unsafe class StepKernels
{
    /// <summary>
    /// Whether blocks whose outputs are far from the cache (a tensor of 4 MiB or more, or any tensor of a phase of
    /// <see cref="SamKernels.PhaseNonTemporalThreshold"/> elements or more) write them with non-temporal stores when
    /// aligned (<see cref="AlignedBuffer"/>): the output lines are not read first (write-allocate), so an SGD-momentum
    /// step moves 20 B per element instead of 28 B. On by default; benches turn it off.
    /// </summary>
    public static bool Streaming { get; set; } = true;

    private static long s_streamedElements;

    /// <summary>Elements whose step was written with non-temporal stores since start-up (the CI guard that large steps stream).</summary>
    public static long StreamedElements => Interlocked.Read(ref s_streamedElements);

    /// <summary>One block of <paramref name="s"/>: elements [<paramref name="start"/>, +<paramref name="n"/>).</summary>
    /// <returns>Σg² over the block; <paramref name="check"/> is 0 when every result is finite, NaN otherwise.</returns>
    public static double Block(in StepItem s, int start, int n, out double check) =>
        s.Other == null
            ? Block(s, start, n, new Direct(s.G + start), out check)
            : Block(s, start, n, new Combined(s.G + start, s.Other + start, s.Gain, s.OtherGain), out check);

    private static double Block<TGradient>(in StepItem s, int start, int n, TGradient g, out double check)
        where TGradient : struct, IGradient
    {
        bool streaming = s.Streaming;
        switch (s.Kind)
        {
            case StepKind.Sgd:
                return Run(new SgdOp(s.W + start, s.WOut + start, s.Sgd), g, n, out check);
            case StepKind.SgdMomentum:
                bool plain = IsPlainMomentum(s.Sgd);
                if (streaming && Aligned(s.WOut + start) && Aligned(s.MOut + start))
                {
                    Interlocked.Add(ref s_streamedElements, n); // once per block of 16K elements: not measurable
                    return plain
                        ? Run(new PlainMomentumOp<Stream>(s.W + start, s.M + start, s.WOut + start, s.MOut + start, s.Sgd), g, n, out check)
                        : Run(new SgdMomentumOp<Stream>(s.W + start, s.M + start, s.WOut + start, s.MOut + start, s.Sgd), g, n, out check);
                }

                return plain
                    ? Run(new PlainMomentumOp<Cached>(s.W + start, s.M + start, s.WOut + start, s.MOut + start, s.Sgd), g, n, out check)
                    : Run(new SgdMomentumOp<Cached>(s.W + start, s.M + start, s.WOut + start, s.MOut + start, s.Sgd), g, n, out check);
            // AdamW is not streamed: with its square root and division per element, non-temporal stores made its
            // step slower (ResNet-18 at two threads: 12.9 instead of 10.1 ms), whatever the buffers' placement.
            case StepKind.AdamW:
                return Run(new AdamOp<NoMaximum>(s, start), g, n, out check);
            default:
                return Run(new AdamOp<Maximum>(s, start), g, n, out check);
        }
    }

    // Where the step's gradient comes from: read (Direct), or combined from two as it is read (Combined, GSAM).
    private interface IGradient
    {
        Vector<float> Vector(int i);

        float Scalar(int i);
    }

    private readonly struct Direct(float* g) : IGradient
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Vector(int i) => System.Numerics.Vector.Load(g + i);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Scalar(int i) => g[i];
    }

    // a·g − b·o, in this order and without fused multiply-add (GSAM: a = 1 + αc, b = α, o the saved g).
    private readonly struct Combined(float* g, float* o, float a, float b) : IGradient
    {
        private readonly Vector<float> _a = new(a), _b = new(b);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Vector(int i) => (_a * System.Numerics.Vector.Load(g + i)) - (_b * System.Numerics.Vector.Load(o + i));

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Scalar(int i) => (a * g[i]) - (b * o[i]);
    }

    /// <summary>Index of the first non-finite result of <paramref name="s"/> (new weight or state), or −1.</summary>
    public static int FirstNonFinite(in StepItem s, int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (!float.IsFinite(s.WOut[i])
                || (s.MOut != null && !float.IsFinite(s.MOut[i]))
                || (s.VOut != null && !float.IsFinite(s.VOut[i]))
                || (s.XOut != null && !float.IsFinite(s.XOut[i])))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Aligned(float* p) => Avx.IsSupported && Vector<float>.Count == 8 && ((nuint)p & 31) == 0;

    // One element (or vector) of a step: writes its outputs at i and returns x − x summed over its results (0 when
    // they are finite, NaN otherwise).
    private interface IElementStep
    {
        Vector<float> Vector(int i, Vector<float> g);

        float Scalar(int i, float g);
    }

    private interface IStore
    {
        static abstract void Store(Vector<float> v, float* to);
    }

    private readonly struct Cached : IStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector<float> v, float* to) => v.Store(to);
    }

    // Only instantiated when Vector<float> is 256 bits wide and the destinations are 32-byte aligned (blocks start
    // 64 KiB apart, so every vector store of the block is aligned).
    private readonly struct Stream : IStore
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector<float> v, float* to) => Avx.StoreAlignedNonTemporal(to, v.AsVector256());
    }

    // The block loop shared by every step: the accumulators, order and tail of BlockSumOfSquares, with the step's
    // element operation on each vector of g it loads.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double Run<TStep, TGradient>(TStep step, TGradient g, int n, out double check)
        where TStep : struct, IElementStep
        where TGradient : struct, IGradient
    {
        int i = 0;
        double sum = 0;
        float bad = 0;
        if (Vector.IsHardwareAccelerated && n >= Vector<float>.Count)
        {
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            var acc2 = Vector<double>.Zero;
            var acc3 = Vector<double>.Zero;
            var vbad = Vector<float>.Zero;
            int w = Vector<float>.Count;
            for (; i <= n - (2 * w); i += 2 * w)
            {
                var g0 = g.Vector(i);
                var g1 = g.Vector(i + w);
                Vector.Widen(g0, out Vector<double> a0, out Vector<double> b0);
                Vector.Widen(g1, out Vector<double> c0, out Vector<double> d0);
                acc0 += a0 * a0;
                acc1 += b0 * b0;
                acc2 += c0 * c0;
                acc3 += d0 * d0;
                vbad += step.Vector(i, g0) + step.Vector(i + w, g1);
            }

            for (; i <= n - w; i += w)
            {
                var g0 = g.Vector(i);
                Vector.Widen(g0, out Vector<double> a0, out Vector<double> b0);
                acc0 += a0 * a0;
                acc1 += b0 * b0;
                vbad += step.Vector(i, g0);
            }

            sum = Vector.Sum((acc0 + acc1) + (acc2 + acc3));
            bad = Vector.Sum(vbad);
        }

        for (; i < n; i++)
        {
            float gi = g.Scalar(i);
            double v = gi;
            sum += v * v;
            bad += step.Scalar(i, gi);
        }

        if (typeof(TStep) == typeof(SgdMomentumOp<Stream>) || typeof(TStep) == typeof(PlainMomentumOp<Stream>))
        {
            Sse.StoreFence(); // the non-temporal stores are weakly ordered: visible before the block is reported done
        }

        check = bad;
        return sum;
    }

    // d = s·g + l2·p;  p′ = decay·p − lr·d  (SamKernels.SgdStepCore).
    private readonly struct SgdOp(float* p, float* pOut, SgdCoefficients c) : IElementStep
    {
        private readonly Vector<float> _lr = new(c.LearningRate), _l2 = new(c.L2), _decay = new(c.WeightDecayFactor), _s = new(c.GradientScale);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Vector(int i, Vector<float> g)
        {
            var vp = System.Numerics.Vector.Load(p + i);
            var d = _s * g + _l2 * vp;
            var np = _decay * vp - _lr * d;
            np.Store(pOut + i);
            return np - np;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Scalar(int i, float g)
        {
            float pi = p[i];
            float d = c.GradientScale * g + c.L2 * pi;
            float np = c.WeightDecayFactor * pi - c.LearningRate * d;
            pOut[i] = np;
            return np - np;
        }
    }

    // d = s·g + l2·p;  m′ = μ′·m + γ·d;  u = α·d + β·m′;  p′ = decay·p − lr·u  (SamKernels.SgdMomentumStepCore).
    private readonly struct SgdMomentumOp<TStore>(float* p, float* m, float* pOut, float* mOut, SgdCoefficients c) : IElementStep
        where TStore : struct, IStore
    {
        private readonly Vector<float> _lr = new(c.LearningRate), _l2 = new(c.L2), _decay = new(c.WeightDecayFactor), _s = new(c.GradientScale);
        private readonly Vector<float> _mu = new(c.BufferDecay), _gamma = new(c.BufferGain), _alpha = new(c.DirectionGain), _beta = new(c.BufferOutputGain);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Vector(int i, Vector<float> g)
        {
            var vp = System.Numerics.Vector.Load(p + i);
            var d = _s * g + _l2 * vp;
            var b = _mu * System.Numerics.Vector.Load(m + i) + _gamma * d;
            var np = _decay * vp - _lr * (_alpha * d + _beta * b);
            TStore.Store(b, mOut + i);
            TStore.Store(np, pOut + i);
            return (np - np) + (b - b);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Scalar(int i, float g)
        {
            float pi = p[i];
            float d = c.GradientScale * g + c.L2 * pi;
            float b = c.BufferDecay * m[i] + c.BufferGain * d;
            float np = c.WeightDecayFactor * pi - c.LearningRate * (c.DirectionGain * d + c.BufferOutputGain * b);
            mOut[i] = b;
            pOut[i] = np;
            return (np - np) + (b - b);
        }
    }

    /// <summary>
    /// Whether <paramref name="c"/> is heavy-ball momentum without clipping, dampening, Nesterov or decoupled decay: the
    /// factors <see cref="PlainMomentumOp{TStore}"/> leaves out are then exact ones and zeros.
    /// </summary>
    internal static bool IsPlainMomentum(in SgdCoefficients c) =>
        c.GradientScale == 1f && c.BufferGain == 1f && c.DirectionGain == 0f && c.BufferOutputGain == 1f && c.WeightDecayFactor == 1f;

    // SgdMomentumOp for IsPlainMomentum's coefficients, in half the operations (an in-cache step is bound by them):
    // d = g + l2·p;  m′ = μ′·m + d;  p′ = p − lr·m′. The same bits for every finite d: the dropped factors are exact ones,
    // and 0·d + m′ is m′ (a −0 m′ needs a −0 d, and −0 + −0 is −0); a non-finite d makes p′ non-finite in both forms, and
    // the step is refused. p′ is finite only when m′ is (lr·m′ of an infinite m′ is ±∞ or NaN), so p′ alone is checked.
    private readonly struct PlainMomentumOp<TStore>(float* p, float* m, float* pOut, float* mOut, SgdCoefficients c) : IElementStep
        where TStore : struct, IStore
    {
        private readonly Vector<float> _lr = new(c.LearningRate), _l2 = new(c.L2), _mu = new(c.BufferDecay);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Vector(int i, Vector<float> g)
        {
            var vp = System.Numerics.Vector.Load(p + i);
            var b = _mu * System.Numerics.Vector.Load(m + i) + (g + _l2 * vp);
            var np = vp - _lr * b;
            TStore.Store(b, mOut + i);
            TStore.Store(np, pOut + i);
            return np - np;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Scalar(int i, float g)
        {
            float pi = p[i];
            float b = c.BufferDecay * m[i] + (g + c.L2 * pi);
            float np = pi - c.LearningRate * b;
            mOut[i] = b;
            pOut[i] = np;
            return np - np;
        }
    }

    private interface IMaximum
    {
        static abstract bool Enabled { get; }
    }

    private readonly struct Maximum : IMaximum
    {
        public static bool Enabled => true;
    }

    private readonly struct NoMaximum : IMaximum
    {
        public static bool Enabled => false;
    }

    // ĝ = s·g;  w = decay·w;  m′ = β₁m + (1−β₁)ĝ;  v′ = β₂v + (1−β₂)ĝ²;  [x′ = max(x, v′)];
    // w′ = w − stepSize·m′/(√x′/√(1−β₂ᵗ) + ε)  (AdamKernels.Step).
    private readonly struct AdamOp<TMaximum> : IElementStep
        where TMaximum : struct, IMaximum
    {
        private readonly float* _w, _m, _v, _x, _wOut, _mOut, _vOut, _xOut;
        private readonly AdamCoefficients _c;

        public AdamOp(in StepItem s, int start)
        {
            _w = s.W + start;
            _m = s.M + start;
            _v = s.V + start;
            _wOut = s.WOut + start;
            _mOut = s.MOut + start;
            _vOut = s.VOut + start;
            _x = TMaximum.Enabled ? s.X + start : null;
            _xOut = TMaximum.Enabled ? s.XOut + start : null;
            _c = s.Adam;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Vector(int i, Vector<float> g)
        {
            AdamCoefficients c = _c;
            var gi = new Vector<float>(c.GradientScale) * g;
            var wi = new Vector<float>(c.WeightDecayFactor) * System.Numerics.Vector.Load(_w + i);
            var mi = (new Vector<float>(c.Beta1) * System.Numerics.Vector.Load(_m + i)) + (new Vector<float>(c.OneMinusBeta1) * gi);
            var vi = (new Vector<float>(c.Beta2) * System.Numerics.Vector.Load(_v + i)) + (new Vector<float>(c.OneMinusBeta2) * (gi * gi));
            mi.Store(_mOut + i);
            vi.Store(_vOut + i);
            var xi = vi;
            if (TMaximum.Enabled)
            {
                xi = System.Numerics.Vector.Max(System.Numerics.Vector.Load(_x + i), vi);
                xi.Store(_xOut + i);
            }

            var denom = (System.Numerics.Vector.SquareRoot(xi) / new Vector<float>(c.BiasCorrection2Sqrt)) + new Vector<float>(c.Epsilon);
            var nw = wi - (new Vector<float>(c.StepSize) * (mi / denom));
            nw.Store(_wOut + i);
            return (nw - nw) + (mi - mi) + (vi - vi);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Scalar(int i, float g)
        {
            AdamCoefficients c = _c;
            float gi = c.GradientScale * g;
            float wi = c.WeightDecayFactor * _w[i];
            float mi = (c.Beta1 * _m[i]) + (c.OneMinusBeta1 * gi);
            float vi = (c.Beta2 * _v[i]) + (c.OneMinusBeta2 * (gi * gi));
            _mOut[i] = mi;
            _vOut[i] = vi;
            float xi = vi;
            if (TMaximum.Enabled)
            {
                xi = MathF.Max(_x[i], vi);
                _xOut[i] = xi;
            }

            float denom = (MathF.Sqrt(xi) / c.BiasCorrection2Sqrt) + c.Epsilon;
            float nw = wi - (c.StepSize * (mi / denom));
            _wOut[i] = nw;
            return (nw - nw) + (mi - mi) + (vi - vi);
        }
    }
}
