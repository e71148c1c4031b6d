using System;

namespace Sam;

/// <summary>
/// How many threads the optimizer's fused kernels may use (process-wide). Results do not depend on these settings:
/// element kernels are split-independent and reductions add fixed blocks in order, so 1 and N threads give
/// bit-identical weights. Set <see cref="MaxDegree"/> to the cores a process should use — the cores per rank in
/// data-parallel training, or what TorchSharp's intra-op threads leave free.
/// </summary>
/// <remarks>
/// A buffer of at least <see cref="MinParallelLength"/> elements is cut into fixed chunks that the calling
/// thread and up to <see cref="MaxDegree"/> − 1 persistent helper threads take in turn; smaller buffers are
/// processed on the calling thread alone, where handing work over would cost more than it saves. Nothing is
/// allocated per call. When another thread is already using the helpers, a call runs on its own thread.
/// </remarks>
public static class SamParallelism
{
    private static int s_maxDegree = Math.Clamp(Environment.ProcessorCount, 1, MaxSupportedDegree);
    private static int s_minParallelLength = 128 * 1024;

    /// <summary>The largest <see cref="MaxDegree"/> accepted.</summary>
    public const int MaxSupportedDegree = 64;

    /// <summary>
    /// Threads (the caller included) a kernel may use for one large buffer; 1 runs everything on the calling
    /// thread. Defaults to the processor count. Settable at any time; takes effect at the next kernel call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above <see cref="MaxSupportedDegree"/>.</exception>
    public static int MaxDegree
    {
        get => s_maxDegree;
        set
        {
            if (value < 1 || value > MaxSupportedDegree)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxDegree), value, $"The degree of parallelism must be in [1, {MaxSupportedDegree}].");
            }

            s_maxDegree = value;
        }
    }

    /// <summary>
    /// The smallest buffer (in elements) a kernel spreads over threads; default 131,072 (512 KiB of floats).
    /// Below it, waking a helper costs more than the pass it would share.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public static int MinParallelLength
    {
        get => s_minParallelLength;
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(MinParallelLength), value, "The threshold must be at least 1 element.");
            }

            s_minParallelLength = value;
        }
    }

    /// <summary>The number of threads a pass over <paramref name="length"/> elements uses.</summary>
    /// <param name="length">The buffer's length.</param>
    /// <returns>1 for small buffers or when <see cref="MaxDegree"/> is 1; otherwise <see cref="MaxDegree"/>.</returns>
    internal static int DegreeFor(long length) => length >= s_minParallelLength ? s_maxDegree : 1;
}
