using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading;

namespace Sam.Kernels;

/// <summary>
/// A pass over an index range; called on disjoint ranges from several threads at once. It must not throw
/// (validate lengths before dispatching): a helper thread has no caller to hand an exception to.
/// </summary>
internal interface IRangeKernel
{
    /// <summary>Processes indices [<paramref name="start"/>, <paramref name="end"/>).</summary>
    void Run(int start, int end);
}

/// <summary>
/// One block of a blocked reduction: a pair of sums per block, added in block order by
/// <see cref="Partitioning.SumBlocks"/>. Called on disjoint blocks from several threads at once; must not throw.
/// </summary>
internal interface IBlockSums
{
    /// <summary>Block <paramref name="block"/>'s first sum; <paramref name="second"/> gets its second (0 when unused).</summary>
    double Block(int block, out double second);
}

/// <summary>
/// Spreads one kernel pass over the calling thread and persistent helper threads without allocating.
/// </summary>
/// <remarks>
/// <para>
/// The range is cut into fixed chunks and each participant owns a contiguous slice of them (the same slice on
/// every call, so repeated passes find their data in the same core's cache). Chunks are claimed with an atomic
/// counter per slice and a participant that runs out steals from the other slices, so a helper that is asleep
/// or descheduled (2 shared cores) never holds the caller up beyond the chunk it is in: the caller takes the
/// rest itself. Element kernels give the same bits whatever the split; reductions store one result per fixed block
/// and the caller adds them in order, so the thread count never changes a result.
/// </para>
/// <para>
/// One caller at a time owns the helpers (<see cref="TryAcquire"/>); a concurrent caller runs its pass on its
/// own thread. A job is "open" while <c>s_generation</c> is odd. A helper registers in <c>s_active</c> and then
/// re-reads the generation before touching the job's fields; the caller closes the generation and waits for
/// <c>s_active</c> to drain before it returns, so no helper ever reads a later job's fields for an older one
/// (both sides use full fences, Dekker-style).
/// </para>
/// </remarks>
internal static class Partitioning
{
    /// <summary>Elements per chunk of an element kernel: 64 KiB of floats, long enough for the prefetchers.</summary>
    public const int ChunkLength = 16 * 1024;

    // How long a helper keeps polling after a job before it sleeps: the passes of one optimizer step follow
    // each other within microseconds, so a short spin avoids a kernel wake-up per tensor. While it polls it
    // yields the core whenever another thread is runnable (2 shared vCPUs), so the spin costs nobody a time slice.
    private static readonly long s_spinTicks = Stopwatch.Frequency / 5000; // 200 µs

    // Polls between two yields of the core while spinning.
    private const int YieldEvery = 16;

    private static readonly object s_growLock = new();
    private static Helper[] s_helpers = [];
    private static int s_busy;
    private static int s_generation;
    private static int s_active;
    private static int s_helpersWanted;
    private static Action<int, int>? s_body;
    private static int s_count;
    private static int s_chunk;
    private static int s_chunks;
    private static int s_participants;

    // One claim counter per participant, a cache line apart. Participant k owns the k-th contiguous slice of
    // the chunks, so a buffer that is passed over repeatedly keeps each slice in the same core's cache (the two
    // vCPUs may not share an L3); a participant that finishes early steals from the others' slices.
    private const int CounterStride = 16;
    private static readonly int[] s_claimed = new int[(SamParallelism.MaxSupportedDegree + 1) * CounterStride];

    // Chunks finished, one counter per participant a cache line apart, each written by its participant only:
    // the caller adds them up to know the pass is complete. (One shared counter incremented by every chunk made
    // the two cores fight over one cache line 6,000 times per pass over 100M floats.)
    private static readonly int[] s_finished = new int[(SamParallelism.MaxSupportedDegree + 1) * CounterStride];
    private static long s_dispatches;
    private static long s_helperChunks;
    private static long s_helperElements;
    private static long s_dispatchedElements;

    // Diagnostics of the hand-off: when the last job opened, how often a helper joined one, how often it joined
    // after the caller had taken every chunk, and the summed open-to-join latency.
    private static long s_openTimestamp;
    private static long s_helperJoins;
    private static long s_helperLate;
    private static long s_handoffTicks;

    /// <summary>Passes that were spread over helpers since start-up (for tests: proves the parallel path ran).</summary>
    public static long Dispatches => Interlocked.Read(ref s_dispatches);

    /// <summary>Chunks run by helper threads since start-up (diagnostics: shows the helpers take a share).</summary>
    public static long HelperChunks => Interlocked.Read(ref s_helperChunks);

    /// <summary>Elements (or reduction blocks) processed by helper threads since start-up: the CI guard that the helpers really work.</summary>
    public static long HelperElements => Interlocked.Read(ref s_helperElements);

    /// <summary>Elements (or reduction blocks) of every pass that was spread over helpers: the denominator of the helpers' share.</summary>
    public static long DispatchedElements => Interlocked.Read(ref s_dispatchedElements);

    /// <summary>
    /// Hand-off diagnostics since start-up: helper joins, joins that found every chunk already taken, and the summed
    /// latency from a job's opening to a helper's join, in <see cref="Stopwatch"/> ticks.
    /// </summary>
    public static (long Joins, long Late, long HandoffTicks) HandoffStats =>
        (Interlocked.Read(ref s_helperJoins), Interlocked.Read(ref s_helperLate), Interlocked.Read(ref s_handoffTicks));

    /// <summary>Takes the helpers for one pass; false when another thread has them.</summary>
    public static bool TryAcquire() => Interlocked.CompareExchange(ref s_busy, 1, 0) == 0;

    /// <summary>Gives the helpers back after <see cref="TryAcquire"/> returned true.</summary>
    public static void Release() => Volatile.Write(ref s_busy, 0);

    /// <summary>
    /// Runs <paramref name="kernel"/> over [0, <paramref name="count"/>) in chunks of <paramref name="chunk"/>
    /// on up to <paramref name="degree"/> threads (the caller included), or on the caller alone when the helpers
    /// are taken.
    /// </summary>
    public static void For<TKernel>(ref TKernel kernel, int count, int chunk, int degree)
        where TKernel : struct, IRangeKernel
    {
        if (degree <= 1 || count <= chunk || !TryAcquire())
        {
            kernel.Run(0, count);
            return;
        }

        try
        {
            RunAcquired(ref kernel, count, chunk, degree);
        }
        finally
        {
            Release();
        }
    }

    /// <summary>
    /// The blocked reduction every kernel uses (Σg², the variants' norm pairs, GSAM's products, GCSAM's rows): the
    /// blocks' pairs of sums are computed on up to <paramref name="degree"/> threads, <paramref name="blocksPerClaim"/>
    /// blocks per claim, stored per block, and added in block order, the order of the serial loop, so the result is the
    /// same bits for any thread count (and when the helpers are taken and the caller runs alone).
    /// </summary>
    /// <returns>The first sums added in block order; <paramref name="second"/> gets the second sums.</returns>
    public static unsafe double SumBlocks<TBlocks>(ref TBlocks kernel, int blocks, int blocksPerClaim, int degree, out double second)
        where TBlocks : struct, IBlockSums
    {
        double first = 0, other = 0;
        if (degree > 1 && blocks > blocksPerClaim && TryAcquire())
        {
            try
            {
                if (s_pairSums.Length < 2 * blocks)
                {
                    s_pairSums = GC.AllocateArray<double>(2 * blocks, pinned: true); // grown once; used only while the helpers are held
                }

                fixed (double* sums = s_pairSums)
                {
                    var range = new BlockSumsRange<TBlocks>(kernel, sums);
                    RunAcquired(ref range, blocks, blocksPerClaim, degree);
                    for (int b = 0; b < blocks; b++)
                    {
                        first += sums[2 * b];
                        other += sums[(2 * b) + 1];
                    }
                }

                second = other;
                return first;
            }
            finally
            {
                Release();
            }
        }

        for (int b = 0; b < blocks; b++)
        {
            first += kernel.Block(b, out double s);
            other += s;
        }

        second = other;
        return first;
    }

    private static double[] s_pairSums = [];

    private readonly unsafe struct BlockSumsRange<TBlocks>(TBlocks kernel, double* sums) : IRangeKernel
        where TBlocks : struct, IBlockSums
    {
        public void Run(int start, int end)
        {
            TBlocks k = kernel;
            for (int b = start; b < end; b++)
            {
                sums[2 * b] = k.Block(b, out sums[(2 * b) + 1]);
            }
        }
    }

    /// <summary>Like <see cref="For{TKernel}"/>, for a caller that already holds the helpers.</summary>
    public static void RunAcquired<TKernel>(ref TKernel kernel, int count, int chunk, int degree)
        where TKernel : struct, IRangeKernel
    {
        int chunks = (int)(((long)count + chunk - 1) / chunk);
        int helpers = Math.Min(degree - 1, chunks - 1);
        if (helpers <= 0)
        {
            kernel.Run(0, count);
            return;
        }

        EnsureHelpers(helpers);
        s_dispatches++;
        s_dispatchedElements += count;
        Slot<TKernel>.Kernel = kernel;
        s_body = Slot<TKernel>.Body;
        s_count = count;
        s_chunk = chunk;
        s_chunks = chunks;
        s_participants = helpers + 1;
        for (int k = 0; k <= helpers; k++)
        {
            s_claimed[k * CounterStride] = 0;
            s_finished[k * CounterStride] = 0;
        }

        s_helpersWanted = helpers;
        s_openTimestamp = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref s_generation); // open (odd); the fence publishes the fields above
        Helper[] all = s_helpers;
        for (int h = 0; h < helpers; h++)
        {
            all[h].WakeIfSleeping();
        }

        RunChunks(participant: 0);
        var wait = default(SpinWait);
        while (Finished(helpers) != chunks)
        {
            wait.SpinOnce(sleep1Threshold: -1);
        }

        Interlocked.Increment(ref s_generation); // close (even)
        wait = default;
        while (Volatile.Read(ref s_active) != 0)
        {
            wait.SpinOnce(sleep1Threshold: -1);
        }

        s_body = null;
        Slot<TKernel>.Kernel = default;
    }

    private static int Finished(int helpers)
    {
        int sum = 0;
        for (int k = 0; k <= helpers; k++)
        {
            sum += Volatile.Read(ref s_finished[k * CounterStride]);
        }

        return sum;
    }

    // Runs the participant's own slice, then steals from the others; returns the elements it processed.
    private static long RunChunks(int participant)
    {
        Action<int, int> body = s_body!;
        int chunks = s_chunks, chunk = s_chunk, count = s_count, participants = s_participants;
        int finished = 0;
        long elements = 0;
        for (int i = 0; i < participants; i++)
        {
            int slice = (participant + i) % participants; // own slice first, then steal
            int first = (int)((long)chunks * slice / participants);
            int end = (int)((long)chunks * (slice + 1) / participants);
            int c;
            while ((c = first + Interlocked.Increment(ref s_claimed[slice * CounterStride]) - 1) < end)
            {
                int start = c * chunk;
                int stop = (int)Math.Min((long)start + chunk, count);
                body(start, stop);
                elements += stop - start;
                Volatile.Write(ref s_finished[participant * CounterStride], ++finished);
            }
        }

        return elements;
    }

    private static void EnsureHelpers(int wanted)
    {
        if (s_helpers.Length >= wanted)
        {
            return;
        }

        lock (s_growLock)
        {
            Helper[] grown = new Helper[wanted];
            Array.Copy(s_helpers, grown, s_helpers.Length);
            for (int i = s_helpers.Length; i < wanted; i++)
            {
                grown[i] = new Helper(i);
            }

            s_helpers = grown;
        }
    }

    // One cached delegate per kernel type reads the job from a static field: dispatch allocates nothing.
    private static class Slot<TKernel>
        where TKernel : struct, IRangeKernel
    {
        public static TKernel Kernel;

        public static readonly Action<int, int> Body = Run;

        // Not inlined into RunChunks: profile-guided devirtualization would otherwise inline whichever kernel was
        // hottest while RunChunks was profiled, short of registers there, so the same phase ran at a speed that
        // changed from one process to the next. Here each kernel type gets its own compiled loop.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private static void Run(int start, int end) => Kernel.Run(start, end);
    }

    private sealed class Helper
    {
        private readonly int _index;
        private readonly SemaphoreSlim _wake = new(0);
        private int _sleeping;

        public Helper(int index)
        {
            _index = index;
            var thread = new Thread(Loop) { IsBackground = true, Name = $"Sam kernel helper {index + 1}" };
            thread.Start();
        }

        public void WakeIfSleeping()
        {
            if (Interlocked.Exchange(ref _sleeping, 0) == 1)
            {
                _wake.Release();
            }
        }

        private void Loop()
        {
            int seen = 0;
            while (true)
            {
                int g = WaitForJob(seen);
                seen = g;
                Interlocked.Increment(ref s_active);
                if (Volatile.Read(ref s_generation) == g && _index < s_helpersWanted)
                {
                    long joined = Stopwatch.GetTimestamp();
                    long elements = RunChunks(participant: _index + 1);
                    Interlocked.Add(ref s_handoffTicks, joined - Volatile.Read(ref s_openTimestamp));
                    Interlocked.Increment(ref s_helperJoins);
                    if (elements == 0)
                    {
                        Interlocked.Increment(ref s_helperLate);
                    }
                    else
                    {
                        Interlocked.Add(ref s_helperElements, elements);
                        Interlocked.Add(ref s_helperChunks, (elements + s_chunk - 1) / s_chunk);
                    }
                }

                Interlocked.Decrement(ref s_active);
            }
        }

        private int WaitForJob(int seen)
        {
            long spinUntil = Stopwatch.GetTimestamp() + s_spinTicks;
            int polls = 0;
            while (true)
            {
                int g = Volatile.Read(ref s_generation);
                if ((g & 1) == 1 && g != seen)
                {
                    return g;
                }

                if (Stopwatch.GetTimestamp() < spinUntil)
                {
                    // Poll for a few hundred nanoseconds, then let any other runnable thread have the core.
                    if (++polls % YieldEvery == 0)
                    {
                        Thread.Yield();
                    }
                    else
                    {
                        Thread.SpinWait(20);
                    }

                    continue;
                }

                Interlocked.Exchange(ref _sleeping, 1);
                g = Volatile.Read(ref s_generation);
                if ((g & 1) == 1 && g != seen)
                {
                    // A waker that already cleared the flag has released (or is releasing) once: consume it
                    // so the semaphore's count stays at zero.
                    if (Interlocked.Exchange(ref _sleeping, 0) == 0)
                    {
                        _wake.Wait();
                    }

                    return g;
                }

                _wake.Wait();
                spinUntil = Stopwatch.GetTimestamp() + s_spinTicks;
            }
        }
    }
}
