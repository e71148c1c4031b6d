using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sam.Kernels;

/// <summary>
/// Where in a 4 KiB page a streamed buffer starts (<see cref="AlignedBuffer"/>). A step reads one buffer of a pair
/// (weights and second weights, a state buffer and its spare) and writes the other, then the two swap roles. The first
/// buffer of a pair starts at the page's start (or at its weights' page offset) and the second half a page on: a load
/// is then either at the page offset of the store of the same element (harmless: the load comes first) or half a page
/// from every recent store, so no load waits on a store it only appears to alias (4K aliasing).
/// </summary>
internal enum BufferPlace
{
    /// <summary>At the start of a page: weights, gradients, the first buffer of a state pair.</summary>
    First = 0,

    /// <summary>Half a page in: the second weight buffer, a state buffer's spare.</summary>
    Second = 2048,
}

/// <summary>
/// A float buffer of the runtime (weights, second weight buffer, optimizer state) on the pinned heap, so a phase job
/// reaches it through a raw pointer from any thread. A buffer of at least one reduction block starts where its
/// <see cref="BufferPlace"/> says within a 4 KiB page (so 32-byte aligned, as non-temporal stores need): the array is
/// over-allocated by 4 KiB and the buffer starts at the first element in place.
/// </summary>
/// <remarks>
/// Both are needed for the step to stream at the bandwidth limit. The pinned heap aligns arrays to 8 bytes only, and
/// retrying allocations until one happened to be aligned left a quarter to a half of a ResNet-18's buffers unaligned.
/// And two same-sized arrays allocated one after the other sit a few bytes apart modulo 4 KiB: a step reading one and
/// writing the other with non-temporal stores then had each load wait on a store to the same page offset (4K aliasing)
/// on every other step, when the two had swapped roles: 38 ms instead of 8 for ResNet-18's base step at two threads.
/// </remarks>
internal sealed unsafe class AlignedBuffer
{
    private const int MinPlacedLength = SamKernels.ReductionBlockSize;
    private const int Page = 4096;

    private readonly float[] _array;
    private readonly int _offset;

    private AlignedBuffer(int length, BufferPlace place, nint anchor)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        bool placed = length >= MinPlacedLength;
        _array = GC.AllocateArray<float>(placed ? length + (Page / sizeof(float)) : length, pinned: true);
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
        if (placed)
        {
            // The array is 8-byte aligned, so the distance to the slot is a whole number of floats.
            nuint target = ((nuint)anchor + (nuint)(int)place) % Page;
            _offset = (int)(((target - (address % Page)) + Page) % Page) / sizeof(float);
        }

        Length = length;
        Pointer = (float*)address + _offset;
    }

    /// <summary>The number of floats.</summary>
    public int Length { get; }

    /// <summary>The first float; valid for the buffer's lifetime (the array is pinned).</summary>
    public float* Pointer { get; }

    /// <summary>The first float's address.</summary>
    public nint Address => (nint)Pointer;

    /// <summary>The floats.</summary>
    public Span<float> Span => new(_array, _offset, Length);

    /// <summary>The floats, for a reader that keeps them past a stack frame (a checkpoint being written).</summary>
    public ReadOnlyMemory<float> Memory => new(_array, _offset, Length);

    /// <summary>A buffer of <paramref name="length"/> zeros at <paramref name="place"/>.</summary>
    /// <param name="length">The number of floats.</param>
    /// <param name="place">Where in the page, counted from <paramref name="anchor"/>'s page offset.</param>
    /// <param name="anchor">
    /// The address the place is relative to: 0 for the runtime's weights; a parameter's weights for its optimizer state,
    /// so state kept for weights elsewhere (a TorchSharp tensor) pairs with them the same way. Must be 4-byte aligned.
    /// </param>
    public static AlignedBuffer Allocate(int length, BufferPlace place, nint anchor = 0) => new(length, place, anchor);

    /// <summary>A buffer of <paramref name="length"/> zeros half a page from <paramref name="other"/> (the other buffer of its pair).</summary>
    public static AlignedBuffer PartnerOf(AlignedBuffer other, int length) => new(length, BufferPlace.Second, other.Address);

    /// <summary>A buffer at <paramref name="place"/> (from <paramref name="anchor"/>) holding a copy of <paramref name="values"/>.</summary>
    public static AlignedBuffer CopyOf(ReadOnlySpan<float> values, BufferPlace place, nint anchor = 0)
    {
        var buffer = new AlignedBuffer(values.Length, place, anchor);
        values.CopyTo(buffer.Span);
        return buffer;
    }
}
