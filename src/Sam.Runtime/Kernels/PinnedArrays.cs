using System;

namespace Sam.Kernels;

/// <summary>
/// The runtime's pinned float buffers (weights, gradients, second weight buffers, optimizer state): on the pinned heap,
/// so a phase job reaches them through raw pointers from any thread, and, for buffers large enough to be written
/// with non-temporal stores, 32-byte aligned when a few attempts allow it.
/// </summary>
internal static class PinnedArrays
{
    // The pinned heap aligns arrays to 8 bytes, so about one in four is 32-byte aligned; a non-temporal store needs
    // the alignment (otherwise the step falls back to ordinary stores, which read each output line first: 28 instead of
    // 20 B per SGD-momentum element). Misaligned attempts stay referenced until the loop ends, so the heap hands out
    // other addresses, and become garbage after; so buffers of more than 16M floats (64 MiB) get fewer attempts.
    private const int Attempts = 6;
    private const int LargeAttempts = 2;
    private const int Large = 16 << 20;

    /// <summary>A pinned array of <paramref name="length"/> zeros.</summary>
    public static unsafe float[] Allocate(int length)
    {
        float[] a = GC.AllocateArray<float>(length, pinned: true);
        if (length < SamKernels.NonTemporalThreshold)
        {
            return a;
        }

        int attempts = length > Large ? LargeAttempts : Attempts;
        float[]?[] rejected = new float[]?[attempts];
        for (int i = 0; i < attempts && !Aligned(a); i++)
        {
            rejected[i] = a;
            a = GC.AllocateArray<float>(length, pinned: true);
        }

        GC.KeepAlive(rejected);
        return a;
    }

    private static unsafe bool Aligned(float[] a)
    {
        fixed (float* p = a)
        {
            return ((nuint)p & 31) == 0;
        }
    }
}
