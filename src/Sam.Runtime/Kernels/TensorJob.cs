using System;

namespace Sam.Kernels;

/// <summary>One block of one tensor of a <see cref="TensorJob"/>; called from several threads at once, must not throw.</summary>
internal interface ITensorBlockKernel
{
    /// <summary>Processes elements [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of tensor <paramref name="tensor"/>.</summary>
    /// <returns>The block's first sum (Σg², say); <paramref name="second"/> gets its second (a check value).</returns>
    double Block(int tensor, int start, int count, out double second);
}

/// <summary>
/// One partitioned job over every tensor of a phase: the tensors' blocks of <see cref="SamKernels.ReductionBlockSize"/>
/// elements are numbered one after the other and the calling thread and the helpers take them as one range, so a
/// model of many small tensors spreads over the cores as well as one large tensor does (one hand-off per phase, not
/// one per tensor). Each block stores a pair of sums; <see cref="Sum"/> adds a tensor's pairs in block order, the
/// order of the serial loop, so a result is the same bits for any thread count.
/// </summary>
/// <remarks>
/// The kernel reaches its buffers through raw pointers, so every buffer of a job must be pinned for the whole job
/// (pinned-heap arrays, native memory, or a <c>fixed</c> around a one-tensor job). Reused: nothing is allocated
/// once the arrays have grown to the model.
/// </remarks>
internal sealed class TensorJob
{
    private const int BlockSize = SamKernels.ReductionBlockSize;
    private int[] _firstBlock = new int[1];
    private int[] _lengths = [];
    private int[] _blockTensor = [];
    private double[] _pairs = [];
    private int _tensors;
    private int _blocks;
    private long _elements;

    /// <summary>Tensors added since <see cref="Clear"/>.</summary>
    public int Count => _tensors;

    /// <summary>Elements of every tensor added.</summary>
    public long Elements => _elements;

    /// <summary>Starts a new job.</summary>
    public void Clear()
    {
        _tensors = 0;
        _blocks = 0;
        _elements = 0;
    }

    /// <summary>Adds a tensor of <paramref name="length"/> elements; returns its index.</summary>
    public int Add(int length)
    {
        int blocks = (int)(((long)length + BlockSize - 1) / BlockSize);
        if (_tensors + 1 >= _firstBlock.Length)
        {
            Array.Resize(ref _firstBlock, Math.Max(8, _firstBlock.Length * 2));
            Array.Resize(ref _lengths, _firstBlock.Length);
        }

        if (_blocks + blocks > _blockTensor.Length)
        {
            Array.Resize(ref _blockTensor, Math.Max(_blocks + blocks, _blockTensor.Length * 2));
            Array.Resize(ref _pairs, 2 * _blockTensor.Length);
        }

        int t = _tensors++;
        _firstBlock[t] = _blocks;
        _lengths[t] = length;
        _blockTensor.AsSpan(_blocks, blocks).Fill(t);
        _blocks += blocks;
        _firstBlock[_tensors] = _blocks;
        _elements += length;
        return t;
    }

    /// <summary>Runs <paramref name="kernel"/> over every block of every tensor, spread over the helpers when the job is large.</summary>
    public void Run<TKernel>(ref TKernel kernel)
        where TKernel : struct, ITensorBlockKernel
    {
        var range = new Range<TKernel>(this, kernel);
        int degree = SamParallelism.DegreeFor(_elements);
        if (degree > 1 && _blocks > 1 && Partitioning.TryAcquire())
        {
            try
            {
                Partitioning.RunAcquired(ref range, _blocks, 1, degree);
            }
            finally
            {
                Partitioning.Release();
            }

            return;
        }

        range.Run(0, _blocks);
    }

    /// <summary>Tensor <paramref name="tensor"/>'s first sums added in block order; <paramref name="second"/> gets the second sums.</summary>
    public double Sum(int tensor, out double second)
    {
        double first = 0, other = 0;
        for (int b = _firstBlock[tensor]; b < _firstBlock[tensor + 1]; b++)
        {
            first += _pairs[2 * b];
            other += _pairs[(2 * b) + 1];
        }

        second = other;
        return first;
    }

    private readonly struct Range<TKernel>(TensorJob job, TKernel kernel) : IRangeKernel
        where TKernel : struct, ITensorBlockKernel
    {
        public void Run(int start, int end)
        {
            int[] blockTensor = job._blockTensor, first = job._firstBlock, lengths = job._lengths;
            double[] pairs = job._pairs;
            TKernel k = kernel;
            for (int b = start; b < end; b++)
            {
                int t = blockTensor[b];
                int offset = (b - first[t]) * BlockSize;
                int count = Math.Min(BlockSize, lengths[t] - offset);
                pairs[2 * b] = k.Block(t, offset, count, out pairs[(2 * b) + 1]);
            }
        }
    }
}
