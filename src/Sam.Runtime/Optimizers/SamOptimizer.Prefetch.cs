using System;
using System.Threading;
using Sam.Kernels;

namespace Sam;

// A storage whose reads look something up one parameter at a time (TorchSharp's fast path asks libtorch for each
// gradient's address: three native calls per parameter and optimizer call) would make a model of many small tensors
// spend its phase walks in those calls on the calling thread while the helpers wait. Each phase that reads gradients
// therefore first runs the storages' lookups (ParameterStorage.Prefetch) as one pass split over the helpers; the walk
// then finds them done. The storages come from the previous step's walk: a parameter added since simply looks itself up
// in the walk, and one dropped since is prefetched once more, which only costs its lookup.
public sealed partial class SamOptimizer
{
    // Fewer prefetching parameters than this are looked up by the walk alone: a hand-off costs more than it saves.
    private const int MinParallelPrefetch = 64;

    // Parameters per claim of the prefetch pass (each a few native calls, ~0.2 µs).
    private const int PrefetchChunk = 32;

    private static long s_helperPrefetches;

    private ParameterStorage?[] _prefetch = [];
    private int _prefetchCount;
    private ParameterStorage?[] _prefetchNext = [];
    private int _prefetchNextCount;

    /// <summary>Storages prefetched on helper threads since start-up (the guard that the lookups really leave the calling thread).</summary>
    internal static long HelperPrefetches => Interlocked.Read(ref s_helperPrefetches);

    // The step walk notes every storage that prefetches, for the next phases.
    private void NotePrefetch(ParameterStorage storage)
    {
        if (!storage.Prefetches)
        {
            return;
        }

        if (_prefetchNextCount == _prefetchNext.Length)
        {
            Array.Resize(ref _prefetchNext, Math.Max(16, 2 * _prefetchNextCount));
        }

        _prefetchNext[_prefetchNextCount++] = storage;
    }

    // Before the step walk (a walk that threw may have left some).
    private void BeginNotingPrefetches()
    {
        Array.Clear(_prefetchNext, 0, _prefetchNextCount);
        _prefetchNextCount = 0;
    }

    // After the step walk: its storages are the ones the next phases prefetch; the old list keeps no references.
    private void TakeNotedPrefetches()
    {
        (_prefetch, _prefetchNext) = (_prefetchNext, _prefetch);
        Array.Clear(_prefetchNext, 0, _prefetchCount);
        if (_prefetchNext.Length < _prefetch.Length)
        {
            _prefetchNext = new ParameterStorage?[_prefetch.Length]; // now, so the next walk notes without growing
        }

        _prefetchCount = _prefetchNextCount;
        _prefetchNextCount = 0;
    }

    /// <summary>
    /// Runs the storages' <see cref="ParameterStorage.Prefetch"/> now, split over the helper threads, instead of only at
    /// the start of the next phase: for a host that checks its storages before each optimizer call, so the check can
    /// ride on that pass instead of running one parameter at a time on the calling thread (TorchSharp's engine confirms
    /// there that each tensor still is the one it captured). The phase's own pass then finds every look-up done. Does
    /// nothing on one thread or below 64 prefetching storages (each walk looks its parameters up itself then).
    /// </summary>
    public void PrefetchStorages() => Prefetch();

    // At the start of a phase that reads gradients.
    private void Prefetch()
    {
        int degree = SamParallelism.MaxDegree;
        if (_prefetchCount < MinParallelPrefetch || degree <= 1)
        {
            return; // the walk looks each one up itself
        }

        var kernel = new PrefetchKernel(_prefetch, Environment.CurrentManagedThreadId);
        Partitioning.For(ref kernel, _prefetchCount, PrefetchChunk, degree);
    }

    private readonly struct PrefetchKernel(ParameterStorage?[] storages, int caller) : IRangeKernel
    {
        public void Run(int start, int end)
        {
            for (int i = start; i < end; i++)
            {
                try
                {
                    storages[i]!.Prefetch();
                }
                catch (Exception)
                {
                    // Prefetch must not throw; if one does anyway, the walk's own read of that storage looks again and
                    // reports the failure on the calling thread (a helper thread has no caller to hand it to).
                }
            }

            if (Environment.CurrentManagedThreadId != caller)
            {
                Interlocked.Add(ref s_helperPrefetches, end - start);
            }
        }
    }
}
