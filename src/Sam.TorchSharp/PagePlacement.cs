using Sam.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Sam;

/// <summary>
/// Places a libtorch buffer at a chosen offset in a 4 KiB page, as the runtime places its own (AlignedBuffer): the
/// step reads one buffer of a pair and writes the other, swapping their roles every step, and two allocations a few
/// bytes apart modulo 4 KiB make every other step wait on 4K aliasing (loads falsely ordered after recent stores).
/// </summary>
internal static unsafe class PagePlacement
{
    /// <summary>The page size the placement works in.</summary>
    public const int Page = 4096;

    /// <summary>Half a page: where the second buffer of a pair goes, relative to the first.</summary>
    public const int HalfPage = 2048;

    /// <summary>
    /// A float32 view of <paramref name="shape"/> (<paramref name="numel"/> elements) into <paramref name="raw"/> (a 1-D
    /// float32 tensor at least a page longer), starting <paramref name="offset"/> bytes past <paramref name="anchor"/>'s place in
    /// a page. The view keeps the allocation alive; the caller disposes <paramref name="raw"/>.
    /// </summary>
    public static Tensor Window(Tensor raw, long[] shape, long numel, float* anchor, int offset)
    {
        long rawOffset = (long)LibTorchSharp.THSTensor_data(raw.Handle) % Page;
        long wanted = ((long)anchor + offset) % Page;
        long skip = (wanted - rawOffset + Page) % Page / sizeof(float); // both are 4-byte aligned
        using Tensor window = raw.narrow(0, skip, numel);
        return window.view(shape).DetachFromDisposeScope();
    }
}
