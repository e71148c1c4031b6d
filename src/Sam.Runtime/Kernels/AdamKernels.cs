using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sam.Kernels;

/// <summary>
/// AdamW's element loop, one fused pass per parameter: reads w, g, m, v (and the AMSGrad maximum), writes them
/// back. Vector body and scalar tail use the same operations in the same order and no fused multiply-add, so
/// the result does not depend on where the span is split. Large spans are cut into chunks over the helper
/// threads of <see cref="SamParallelism"/>; each chunk runs the same loop, so 1 and N threads give the same bits.
/// </summary>
internal static class AdamKernels
{
    /// <summary>
    /// One AdamW step (PyTorch's <c>torch.optim.AdamW</c>):
    /// <c>ĝ = s·g;  w = decay·w;  m = β₁m + (1−β₁)ĝ;  v = β₂v + (1−β₂)ĝ²;  [v̂ = max(v̂, v)];
    /// w = w − stepSize·m / (√v̂ / √(1−β₂ᵗ) + ε)</c>.
    /// </summary>
    /// <param name="w">The weights, updated in place.</param>
    /// <param name="g">The gradient.</param>
    /// <param name="m">The first moment, updated in place.</param>
    /// <param name="v">The second moment, updated in place.</param>
    /// <param name="vMax">AMSGrad's running maximum of v, updated in place; empty to run without AMSGrad.</param>
    /// <param name="c">The step's coefficients.</param>
    public static unsafe void AdamWStep(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, Span<float> vMax, in AdamCoefficients c)
    {
        int n = w.Length;
        bool amsgrad = !vMax.IsEmpty;
        if (g.Length != n || m.Length != n || v.Length != n || (amsgrad && vMax.Length != n))
        {
            string name = g.Length != n ? nameof(g) : m.Length != n ? nameof(m) : v.Length != n ? nameof(v) : nameof(vMax);
            throw new ArgumentException($"w, g, m, v (and vMax when given) must have the same length (w has {n}).", name);
        }

        int degree = SamParallelism.DegreeFor(n);
        if (degree > 1)
        {
            // Lengths were checked above: a range kernel must not throw on a helper thread.
            fixed (float* pw = w)
            fixed (float* pg = g)
            fixed (float* pm = m)
            fixed (float* pv = v)
            fixed (float* px = vMax)
            {
                if (amsgrad)
                {
                    var kernel = new AdamRange<WithMaximum>(pw, pg, pm, pv, px, c);
                    Partitioning.For(ref kernel, n, Partitioning.ChunkLength, degree);
                }
                else
                {
                    var kernel = new AdamRange<WithoutMaximum>(pw, pg, pm, pv, null, c);
                    Partitioning.For(ref kernel, n, Partitioning.ChunkLength, degree);
                }
            }

            return;
        }

        if (amsgrad)
        {
            Step<WithMaximum>(w, g, m, v, vMax, c);
        }
        else
        {
            Step<WithoutMaximum>(w, g, m, v, default, c);
        }
    }

    // One chunk of a partitioned step: the pointers stay pinned by the caller until every chunk is done.
    private readonly unsafe struct AdamRange<TMaximum>(float* w, float* g, float* m, float* v, float* vMax, AdamCoefficients c) : IRangeKernel
        where TMaximum : struct, IMaximum
    {
        public void Run(int start, int end)
        {
            int n = end - start;
            Step<TMaximum>(
                new Span<float>(w + start, n),
                new ReadOnlySpan<float>(g + start, n),
                new Span<float>(m + start, n),
                new Span<float>(v + start, n),
                TMaximum.Enabled ? new Span<float>(vMax + start, n) : default,
                c);
        }
    }

    // AMSGrad is a type argument, so each instantiation compiles to the loop without the branch; the vector body
    // and the scalar tail are the same operations in the same order either way.
    private interface IMaximum
    {
        static abstract bool Enabled { get; }
    }

    private readonly struct WithMaximum : IMaximum
    {
        public static bool Enabled => true;
    }

    private readonly struct WithoutMaximum : IMaximum
    {
        public static bool Enabled => false;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step<TMaximum>(Span<float> w, ReadOnlySpan<float> g, Span<float> m, Span<float> v, Span<float> vMax, in AdamCoefficients c)
        where TMaximum : struct, IMaximum
    {
        int n = w.Length;
        ref float rw = ref MemoryMarshal.GetReference(w);
        ref float rg = ref MemoryMarshal.GetReference(g);
        ref float rm = ref MemoryMarshal.GetReference(m);
        ref float rv = ref MemoryMarshal.GetReference(v);
        ref float rx = ref TMaximum.Enabled ? ref MemoryMarshal.GetReference(vMax) : ref rv;
        float lr = c.StepSize, decay = c.WeightDecayFactor, s = c.GradientScale, b1 = c.Beta1, ib1 = c.OneMinusBeta1;
        float b2 = c.Beta2, ib2 = c.OneMinusBeta2, bc2 = c.BiasCorrection2Sqrt, eps = c.Epsilon;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var vlr = new Vector<float>(lr);
            var vdecay = new Vector<float>(decay);
            var vs = new Vector<float>(s);
            var vb1 = new Vector<float>(b1);
            var vib1 = new Vector<float>(ib1);
            var vb2 = new Vector<float>(b2);
            var vib2 = new Vector<float>(ib2);
            var vbc2 = new Vector<float>(bc2);
            var veps = new Vector<float>(eps);
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var gi = vs * Vector.LoadUnsafe(ref rg, (nuint)i);
                var wi = vdecay * Vector.LoadUnsafe(ref rw, (nuint)i);
                var mi = (vb1 * Vector.LoadUnsafe(ref rm, (nuint)i)) + (vib1 * gi);
                var vi = (vb2 * Vector.LoadUnsafe(ref rv, (nuint)i)) + (vib2 * (gi * gi));
                mi.StoreUnsafe(ref rm, (nuint)i);
                vi.StoreUnsafe(ref rv, (nuint)i);
                var xi = vi;
                if (TMaximum.Enabled)
                {
                    xi = Vector.Max(Vector.LoadUnsafe(ref rx, (nuint)i), vi);
                    xi.StoreUnsafe(ref rx, (nuint)i);
                }

                var denom = (Vector.SquareRoot(xi) / vbc2) + veps;
                (wi - (vlr * (mi / denom))).StoreUnsafe(ref rw, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            float gi = s * Unsafe.Add(ref rg, i);
            float wi = decay * Unsafe.Add(ref rw, i);
            float mi = (b1 * Unsafe.Add(ref rm, i)) + (ib1 * gi);
            float vi = (b2 * Unsafe.Add(ref rv, i)) + (ib2 * (gi * gi));
            Unsafe.Add(ref rm, i) = mi;
            Unsafe.Add(ref rv, i) = vi;
            float xi = vi;
            if (TMaximum.Enabled)
            {
                xi = MathF.Max(Unsafe.Add(ref rx, i), vi);
                Unsafe.Add(ref rx, i) = xi;
            }

            float denom = (MathF.Sqrt(xi) / bc2) + eps;
            Unsafe.Add(ref rw, i) = wi - (lr * (mi / denom));
        }
    }
}
