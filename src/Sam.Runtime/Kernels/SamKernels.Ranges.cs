using System;

namespace Sam.Kernels;

// The partitioned forms of the kernels: each range struct carries pinned pointers (the caller keeps the
// spans pinned until every chunk is done) and runs the same single-threaded loop on its slice, so a chunk
// computes exactly the bits the whole-span loop would.
internal static partial class SamKernels
{
    private readonly unsafe struct SumOfSquaresBlocks(float* x, int length) : IBlockSums
    {
        public double Block(int b, out double second)
        {
            second = 0;
            long offset = (long)b * ReductionBlockSize;
            return BlockSumOfSquares(new ReadOnlySpan<float>(x + offset, (int)Math.Min(ReductionBlockSize, length - offset)));
        }
    }

    private readonly unsafe struct AddScaledRange(float* x, float* g, float a, float* y, bool streaming) : IRangeKernel
    {
        public void Run(int start, int end)
        {
            if (streaming)
            {
                AddScaledNonTemporal(x + start, g + start, a, y + start, end - start);
            }
            else
            {
                AddScaledCore(new ReadOnlySpan<float>(x + start, end - start), new ReadOnlySpan<float>(g + start, end - start), a, new Span<float>(y + start, end - start));
            }
        }
    }

    private readonly unsafe struct SgdRange(float* p, float* g, SgdCoefficients c) : IRangeKernel
    {
        public void Run(int start, int end) =>
            SgdStepCore(new Span<float>(p + start, end - start), new ReadOnlySpan<float>(g + start, end - start), c);
    }

    private readonly unsafe struct SgdMomentumRange(float* p, float* g, float* m, SgdCoefficients c) : IRangeKernel
    {
        public void Run(int start, int end) =>
            SgdMomentumStepCore(new Span<float>(p + start, end - start), new ReadOnlySpan<float>(g + start, end - start), new Span<float>(m + start, end - start), c);
    }
}
