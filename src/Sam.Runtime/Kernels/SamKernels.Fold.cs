using System;

namespace Sam.Kernels;

// The SGD-momentum step into second buffers with the g′ sum folded in, over one tensor (the engine runs the same
// StepKernels blocks for every tensor of a step as one TensorJob; this entry point serves tests and the benchmark).
internal static partial class SamKernels
{
    /// <summary>
    /// The step of <see cref="SgdMomentumStep"/> computed from (<paramref name="p"/>, <paramref name="g"/>,
    /// <paramref name="m"/>) into (<paramref name="pOut"/>, <paramref name="mOut"/>), which must not overlap the
    /// inputs, and Σgᵢ² in the blocks and order of <see cref="SumOfSquares"/>.
    /// </summary>
    /// <returns>
    /// Σgᵢ², the same bits as <see cref="SumOfSquares"/>(<paramref name="g"/>): non-finite exactly when some gᵢ is
    /// NaN or ±∞, in which case the outputs are garbage and the inputs are as they were.
    /// </returns>
    /// <remarks>
    /// The outputs are the same bits as <see cref="SgdMomentumStep"/> in place, for any thread count. Blocks of large
    /// buffers (<see cref="NonTemporalThreshold"/>) whose outputs are 32-byte aligned are written with non-temporal
    /// stores when <see cref="StepKernels.Streaming"/> is on.
    /// </remarks>
    public static unsafe double SgdMomentumStepInto(ReadOnlySpan<float> p, ReadOnlySpan<float> g, ReadOnlySpan<float> m, in SgdCoefficients c, Span<float> pOut, Span<float> mOut)
    {
        int n = p.Length;
        if (g.Length != n || m.Length != n || pOut.Length != n || mOut.Length != n)
        {
            throw new ArgumentException($"p, g, m, pOut and mOut must have the same length (p has {n}).", nameof(g));
        }

        int blocks = (int)(((long)n + ReductionBlockSize - 1) / ReductionBlockSize);
        fixed (float* pp = p)
        fixed (float* pg = g)
        fixed (float* pm = m)
        fixed (float* po = pOut)
        fixed (float* mo = mOut)
        {
            var item = new StepItem
            {
                W = pp,
                G = pg,
                M = pm,
                WOut = po,
                MOut = mo,
                Kind = StepKind.SgdMomentum,
                Sgd = c,
                Streaming = StepKernels.Streaming && n >= NonTemporalThreshold,
            };
            var kernel = new StepBlocks(item, n);
            return Partitioning.SumBlocks(ref kernel, blocks, 1, SamParallelism.DegreeFor(n), out _);
        }
    }

    private readonly struct StepBlocks(StepItem item, int length) : IBlockSums
    {
        public double Block(int b, out double second)
        {
            int offset = b * ReductionBlockSize;
            return StepKernels.Block(item, offset, Math.Min(ReductionBlockSize, length - offset), out second);
        }
    }
}
