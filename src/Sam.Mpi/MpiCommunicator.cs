using System;
using System.Text;
using Sam.Mpi.Native;

namespace Sam;

/// <summary>
/// The MPI world of this process (MPI_COMM_WORLD): its rank, the number of ranks, and the few collectives
/// data-parallel SAM needs, over spans and without allocating. Create it once per process with
/// <see cref="Initialize"/> and dispose it at the end (MPI_Finalize).
/// </summary>
/// <remarks>
/// Errors are returned, not fatal (MPI_ERRORS_RETURN): a failed call throws <see cref="MpiException"/>. A rank that
/// dies ends the job: MPICH's launcher (hydra) kills the other ranks when one exits abnormally. A rank that hangs
/// blocks its peers in the next collective; bound the job with <c>mpiexec -timeout</c> (or MPIEXEC_TIMEOUT).
/// Call the collectives from one thread.
/// </remarks>
public sealed unsafe class MpiCommunicator : IDisposable
{
    private static readonly object Gate = new();
    private static MpiCommunicator? _world;
    private bool _disposed;

    private MpiCommunicator(int rank, int size)
    {
        Rank = rank;
        Size = size;
    }

    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1.</summary>
    public int Rank { get; }

    /// <summary>The number of ranks.</summary>
    public int Size { get; }

    /// <summary>Whether this is rank 0, the one that writes checkpoints and prints summaries.</summary>
    public bool IsRoot => Rank == 0;

    /// <summary>
    /// Initializes MPI (once per process; later calls return the same communicator) over MPI_COMM_WORLD. Run under
    /// <c>mpiexec -n N</c>; started without it, the process is a world of one rank.
    /// </summary>
    /// <returns>The world communicator.</returns>
    /// <exception cref="DllNotFoundException">No MPI library with the MPICH ABI is installed; the message says what to install.</exception>
    /// <exception cref="ObjectDisposedException">MPI was already finalized in this process (it cannot be initialized twice).</exception>
    public static MpiCommunicator Initialize()
    {
        lock (Gate)
        {
            if (_world is { _disposed: false } world)
            {
                return world;
            }

            MpiLibrary.EnsureLoaded();
            int flag;
            Check(MpiNative.Finalized(&flag), "MPI_Finalized");
            if (flag != 0)
            {
                throw new ObjectDisposedException(nameof(MpiCommunicator), "MPI was finalized in this process; MPI cannot be initialized again.");
            }

            Check(MpiNative.Initialized(&flag), "MPI_Initialized");
            if (flag == 0)
            {
                Check(MpiNative.Init(null, null), "MPI_Init");
            }

            Check(MpiNative.CommSetErrhandler(MpiNative.CommWorld, MpiNative.ErrorsReturn), "MPI_Comm_set_errhandler");
            int rank, size;
            Check(MpiNative.CommRank(MpiNative.CommWorld, &rank), "MPI_Comm_rank");
            Check(MpiNative.CommSize(MpiNative.CommWorld, &size), "MPI_Comm_size");
            return _world = new MpiCommunicator(rank, size);
        }
    }

    /// <summary>
    /// Replaces <paramref name="values"/> on every rank by the element-wise sum over the ranks, bit-identical on all
    /// of them: the sum is reduced to rank 0 (a fixed tree, so the order does not depend on timing) and rank 0's result
    /// is broadcast. Allocation-free.
    /// </summary>
    /// <param name="values">This rank's values in, the sum out (the same length on every rank).</param>
    public void SumToAll(Span<float> values)
    {
        ThrowIfDisposed();
        fixed (float* p = values)
        {
            SumToAll(p, values.Length, MpiNative.Float, sizeof(float));
        }
    }

    /// <inheritdoc cref="SumToAll(Span{float})"/>
    public void SumToAll(Span<double> values)
    {
        ThrowIfDisposed();
        fixed (double* p = values)
        {
            SumToAll(p, values.Length, MpiNative.Double, sizeof(double));
        }
    }

    /// <summary>Replaces <paramref name="values"/> by the element-wise maximum over the ranks (MPI_Allreduce).</summary>
    /// <param name="values">This rank's values in, the maxima out.</param>
    public void MaxToAll(Span<double> values)
    {
        ThrowIfDisposed();
        fixed (double* p = values)
        {
            Check(MpiNative.Allreduce(MpiNative.InPlace, p, values.Length, MpiNative.Double, MpiNative.OpMax, MpiNative.CommWorld), "MPI_Allreduce");
        }
    }

    /// <summary>Copies rank <paramref name="root"/>'s <paramref name="values"/> to every rank (MPI_Bcast).</summary>
    /// <param name="values">The root's values in (same length everywhere), the root's values out.</param>
    /// <param name="root">The sending rank.</param>
    public void Broadcast(Span<float> values, int root = 0)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(root);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(root, Size);
        fixed (float* p = values)
        {
            Chunked(p, values.Length, MpiNative.Float, sizeof(float), root, broadcast: true);
        }
    }

    /// <summary>Every rank's <paramref name="value"/>, in rank order (MPI_Allgather). Allocates the result: for reports, not per step.</summary>
    /// <param name="value">This rank's value.</param>
    /// <returns>One value per rank.</returns>
    public double[] Gather(double value)
    {
        ThrowIfDisposed();
        var all = new double[Size];
        fixed (double* p = all)
        {
            Check(MpiNative.Allgather(&value, 1, MpiNative.Double, p, 1, MpiNative.Double, MpiNative.CommWorld), "MPI_Allgather");
        }

        return all;
    }

    /// <summary>Waits until every rank has called it (MPI_Barrier).</summary>
    public void Barrier()
    {
        ThrowIfDisposed();
        Check(MpiNative.Barrier(MpiNative.CommWorld), "MPI_Barrier");
    }

    /// <summary>Seconds since an arbitrary point (MPI_Wtime), for timing steps.</summary>
    /// <returns>The wall-clock time in seconds.</returns>
    public static double WallTime() => MpiNative.Wtime();

    /// <summary>Ends every rank of the job with <paramref name="errorCode"/> (MPI_Abort): for errors a rank cannot agree on with its peers.</summary>
    /// <param name="errorCode">The exit code the launcher reports.</param>
    public void Abort(int errorCode)
    {
        ThrowIfDisposed();
        _ = MpiNative.Abort(MpiNative.CommWorld, errorCode);
    }

    /// <summary>Finalizes MPI (MPI_Finalize). Every rank must call it; no MPI call is possible afterwards in this process.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            Check(MpiNative.Finalize(), "MPI_Finalize");
        }
    }

    private void SumToAll(void* p, int length, int datatype, int elementSize)
    {
        if (Size == 1)
        {
            return;
        }

        Chunked(p, length, datatype, elementSize, 0, broadcast: false);
        Chunked(p, length, datatype, elementSize, 0, broadcast: true);
    }

    // MPI counts are int: very large buffers go in chunks of 2^28 elements, in the same order on every rank.
    private void Chunked(void* p, int length, int datatype, int elementSize, int root, bool broadcast)
    {
        const int Chunk = 1 << 28;
        for (long start = 0; start < length; start += Chunk)
        {
            int count = (int)Math.Min(Chunk, length - start);
            byte* at = (byte*)p + (start * elementSize);
            if (broadcast)
            {
                Check(MpiNative.Bcast(at, count, datatype, root, MpiNative.CommWorld), "MPI_Bcast");
            }
            else if (Rank == root)
            {
                Check(MpiNative.Reduce(MpiNative.InPlace, at, count, datatype, MpiNative.OpSum, root, MpiNative.CommWorld), "MPI_Reduce");
            }
            else
            {
                Check(MpiNative.Reduce(at, null, count, datatype, MpiNative.OpSum, root, MpiNative.CommWorld), "MPI_Reduce");
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private static void Check(int code, string function)
    {
        if (code != MpiNative.Success)
        {
            throw new MpiException(function, code, Describe(code));
        }
    }

    private static string Describe(int code)
    {
        byte* text = stackalloc byte[MpiNative.MaxErrorString + 1];
        int length = 0;
        return MpiNative.ErrorString(code, text, &length) == MpiNative.Success && length > 0
            ? Encoding.ASCII.GetString(text, Math.Min(length, MpiNative.MaxErrorString))
            : "(no description)";
    }
}
