using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sam.Kernels;

/// <summary>One perturbed parameter of the perturbation job: pointers to its pinned weights, gradient and second buffer.</summary>
internal unsafe struct PerturbItem
{
    public float* W;
    public float* G;
    public float* Y;

    /// <summary>Non-null when y is written over w (Y = W): w is saved here first, in the same pass (ParameterStorage.PerturbsOverWeights).</summary>
    public float* Saved;
    public bool Streaming;
}

/// <summary>
/// The plain SAM perturbation as block kernels for <see cref="TensorJob"/>: ‖g‖² (the blocks of
/// <see cref="SamKernels.SumOfSquares"/>, so the same bits) and y = w + a·g with a check of the result (the operations of
/// <see cref="SamKernels.AddScaled"/>, so the same bits).
/// </summary>
internal static unsafe class PerturbKernels
{
    /// <summary>yᵢ = wᵢ + a·gᵢ over one block.</summary>
    /// <returns>0 when every yᵢ is finite, NaN otherwise.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float AddScaledChecked(float* w, float* g, float a, float* y, int n, bool streaming)
    {
        int i = 0;
        float bad = 0;
        if (streaming && Avx.IsSupported && ((nuint)y & 3) == 0)
        {
            // Scalar head up to a 32-byte boundary of y, then aligned non-temporal stores (no write-allocate read).
            int head = Math.Min(n, (int)(((32 - ((nuint)y & 31)) & 31) / sizeof(float)));
            for (; i < head; i++)
            {
                float r = w[i] + (a * g[i]);
                y[i] = r;
                bad += r - r;
            }

            var va = Vector256.Create(a);
            var vbad = Vector256<float>.Zero;
            for (; i <= n - 8; i += 8)
            {
                Vector256<float> r = Avx.Add(Avx.LoadVector256(w + i), Avx.Multiply(va, Avx.LoadVector256(g + i)));
                Avx.StoreAlignedNonTemporal(y + i, r);
                vbad = Avx.Add(vbad, Avx.Subtract(r, r));
            }

            bad += Vector256.Sum(vbad);
            Sse.StoreFence(); // weakly ordered stores: visible before the block is reported done
        }
        else if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            var vbad = Vector<float>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var r = Vector.Load(w + i) + (va * Vector.Load(g + i));
                r.Store(y + i);
                vbad += r - r;
            }

            bad += Vector.Sum(vbad);
        }

        for (; i < n; i++)
        {
            float r = w[i] + (a * g[i]);
            y[i] = r;
            bad += r - r;
        }

        return bad;
    }

    /// <summary>
    /// wᵢ saved to <paramref name="saved"/>, then yᵢ = wᵢ + a·gᵢ written over wᵢ, in one pass: each vector of w is
    /// loaded once for both (the operations of <see cref="AddScaledChecked"/>, so the same bits). The stores are
    /// ordinary even when the phase streams: y goes over the w lines the loop has just loaded (no write-allocate read to
    /// save), and the step reads the saved copy back soon after (only small tensors perturb over their weights,
    /// ParameterStorage.PerturbsOverWeights).
    /// </summary>
    /// <returns>0 when every yᵢ is finite, NaN otherwise.</returns>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float SaveAndAddScaledChecked(float* w, float* g, float a, float* saved, int n)
    {
        int i = 0;
        float bad = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            var vbad = Vector<float>.Zero;
            int width = Vector<float>.Count;
            for (; i <= n - width; i += width)
            {
                var vw = Vector.Load(w + i);
                vw.Store(saved + i);
                var r = vw + (va * Vector.Load(g + i));
                r.Store(w + i);
                vbad += r - r;
            }

            bad += Vector.Sum(vbad);
        }

        for (; i < n; i++)
        {
            float wi = w[i];
            saved[i] = wi;
            float r = wi + (a * g[i]);
            w[i] = r;
            bad += r - r;
        }

        return bad;
    }

    /// <summary>Σg² of every block (the first sum; the second is 0).</summary>
    public readonly struct Norms(PerturbItem[] items) : ITensorBlockKernel
    {
        public double Block(int tensor, int start, int count, out double second)
        {
            second = 0;
            return SamKernels.BlockSumOfSquares(new ReadOnlySpan<float>(items[tensor].G + start, count));
        }
    }

    /// <summary>y = w + a·g of every block (the second sum is the check: 0 when every yᵢ is finite).</summary>
    public readonly struct Perturb(PerturbItem[] items, float a) : ITensorBlockKernel
    {
        public double Block(int tensor, int start, int count, out double second)
        {
            ref PerturbItem item = ref items[tensor];
            second = item.Saved != null
                ? SaveAndAddScaledChecked(item.W + start, item.G + start, a, item.Saved + start, count)
                : AddScaledChecked(item.W + start, item.G + start, a, item.Y + start, count, item.Streaming);
            return 0;
        }
    }
}
