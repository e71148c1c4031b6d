using System;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sam;

/// <summary>
/// float32 ↔ bfloat16/float16 conversions for the low-precision fast path, vectorised. float16 uses the BCL's
/// <see cref="TensorPrimitives"/> (IEEE round-to-nearest-even, as PyTorch's <c>.to(torch.float16)</c>); .NET 10 has
/// no bfloat16 type, so bfloat16 is done here on the bits: widening is exact (the float32's upper half), narrowing
/// rounds to nearest, ties to even, and keeps NaN a (quiet) NaN, which is what c10::BFloat16's round_to_nearest_even does.
/// </summary>
internal static class HalfConversions
{
    /// <summary>y = float(x) for bfloat16 (<paramref name="bfloat16"/>) or float16 bits.</summary>
    public static void ToSingle(ReadOnlySpan<ushort> x, bool bfloat16, Span<float> y)
    {
        if (!bfloat16)
        {
            TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<ushort, Half>(x), y);
            return;
        }

        int n = x.Length;
        Span<uint> bits = MemoryMarshal.Cast<float, uint>(y)[..n];
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref ushort rx = ref MemoryMarshal.GetReference(x);
            ref uint ry = ref MemoryMarshal.GetReference(bits);
            for (; i <= n - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref rx, (nuint)i), out Vector<uint> lo, out Vector<uint> hi);
                (lo << 16).StoreUnsafe(ref ry, (nuint)i);
                (hi << 16).StoreUnsafe(ref ry, (nuint)(i + Vector<uint>.Count));
            }
        }

        for (; i < n; i++)
        {
            bits[i] = (uint)x[i] << 16;
        }
    }

    /// <summary>y = round(x) to bfloat16 (<paramref name="bfloat16"/>) or float16 bits, to nearest, ties to even.</summary>
    public static void FromSingle(ReadOnlySpan<float> x, bool bfloat16, Span<ushort> y)
    {
        if (!bfloat16)
        {
            TensorPrimitives.ConvertToHalf(x, MemoryMarshal.Cast<ushort, Half>(y));
            return;
        }

        int n = x.Length;
        ReadOnlySpan<uint> bits = MemoryMarshal.Cast<float, uint>(x);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref uint rx = ref MemoryMarshal.GetReference(bits);
            ref ushort ry = ref MemoryMarshal.GetReference(y);
            for (; i <= n - Vector<ushort>.Count; i += Vector<ushort>.Count)
            {
                Vector<uint> lo = Round(Vector.LoadUnsafe(ref rx, (nuint)i));
                Vector<uint> hi = Round(Vector.LoadUnsafe(ref rx, (nuint)(i + Vector<uint>.Count)));
                Vector.Narrow(lo, hi).StoreUnsafe(ref ry, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            y[i] = Round(bits[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> Round(Vector<uint> b)
    {
        Vector<uint> rounded = (b + new Vector<uint>(0x7FFF) + ((b >> 16) & Vector<uint>.One)) >> 16;
        Vector<float> f = Vector.AsVectorSingle(b);
        Vector<uint> nan = ~Vector.AsVectorUInt32(Vector.Equals(f, f));
        return Vector.ConditionalSelect(nan, (b >> 16) | new Vector<uint>(0x40), rounded);
    }

    private static ushort Round(uint b) =>
        float.IsNaN(BitConverter.UInt32BitsToSingle(b))
            ? (ushort)((b >> 16) | 0x40)
            : (ushort)((b + 0x7FFF + ((b >> 16) & 1)) >> 16);
}
