using System;
using System.Threading;

namespace Sam.Kernels;

// The partitioned forms of the variant kernels, as in SamKernels.Ranges.cs: each range struct carries pinned
// pointers (the caller keeps them pinned until every chunk is done) and runs the single-threaded loop on its
// slice. Lengths are validated by the public entry points before dispatch, so no range kernel can throw.
// Reductions are IBlockSums run by Partitioning.SumBlocks: one pair of sums per block (per row for GCSAM), added in
// block order, exactly as the serial loop does, so the thread count never changes a bit.
internal static partial class VariantKernels
{
    private static unsafe bool TryNormsPartitioned<TRule, TDecay>(in TRule rule, ReadOnlySpan<float> g, ReadOnlySpan<float> w, ReadOnlySpan<float> s, float decay, out double total, out double gradientSumOfSquares)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        int n = g.Length;
        int blocks = (int)(((long)n + SamKernels.ReductionBlockSize - 1) / SamKernels.ReductionBlockSize);
        int degree = SamParallelism.DegreeFor(n);
        if (degree <= 1 || blocks <= 1)
        {
            total = gradientSumOfSquares = 0;
            return false;
        }

        fixed (float* pg = g)
        fixed (float* pw = w)
        fixed (float* ps = s)
        {
            var kernel = new NormsBlocks<TRule, TDecay>(rule, pg, pw, ps, n, decay);
            total = Partitioning.SumBlocks(ref kernel, blocks, 1, degree, out gradientSumOfSquares);
            return true;
        }
    }

    // True when every yᵢ is finite: a chunk that writes a non-finite value raises the shared flag (any order of
    // writers gives the same answer once every chunk is done).
    private static unsafe bool PerturbPartitioned<TRule, TDecay>(in TRule rule, ReadOnlySpan<float> w, ReadOnlySpan<float> g, Span<float> s, float decay, float a, Span<float> y, int degree, bool streaming)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        int nonFinite = 0;
        fixed (float* pw = w)
        fixed (float* pg = g)
        fixed (float* ps = s)
        fixed (float* py = y)
        {
            var kernel = new PerturbRange<TRule, TDecay>(rule, pw, pg, ps, decay, a, py, &nonFinite, streaming);
            Partitioning.For(ref kernel, w.Length, Partitioning.ChunkLength, degree);
        }

        return Volatile.Read(ref nonFinite) == 0;
    }

    private static unsafe bool TryCentralizedNormsPartitioned<TDecay>(ReadOnlySpan<float> g, ReadOnlySpan<float> w, float decay, int rowLength, Span<float> means, out double total, out double gradientSumOfSquares)
        where TDecay : struct, IDecayTerm
    {
        int rows = means.Length;
        int rowsPerChunk = RowsPerChunk(rowLength);
        int degree = SamParallelism.DegreeFor(g.Length);
        if (degree <= 1 || rows <= rowsPerChunk)
        {
            total = gradientSumOfSquares = 0;
            return false;
        }

        fixed (float* pg = g)
        fixed (float* pw = w)
        fixed (float* pm = means)
        {
            var kernel = new CentralizedNormsBlocks<TDecay>(pg, pw, decay, rowLength, pm);
            total = Partitioning.SumBlocks(ref kernel, rows, rowsPerChunk, degree, out gradientSumOfSquares);
            return true;
        }
    }

    private static unsafe void CentralizedPerturbPartitioned<TDecay>(ReadOnlySpan<float> w, ReadOnlySpan<float> g, ReadOnlySpan<float> means, int rowLength, float decay, float a, Span<float> y, int degree)
        where TDecay : struct, IDecayTerm
    {
        int n = w.Length;
        fixed (float* pw = w)
        fixed (float* pg = g)
        fixed (float* pm = means)
        fixed (float* py = y)
        {
            var kernel = new CentralizedPerturbRange<TDecay>(pw, pg, pm, n, rowLength, decay, a, py);
            Partitioning.For(ref kernel, means.Length, RowsPerChunk(rowLength), degree);
        }
    }

    private static unsafe bool TryDotPartitioned(ReadOnlySpan<float> x, ReadOnlySpan<float> y, out double dot, out double yy)
    {
        int n = x.Length;
        int blocks = (int)(((long)n + SamKernels.ReductionBlockSize - 1) / SamKernels.ReductionBlockSize);
        int degree = SamParallelism.DegreeFor(n);
        if (degree <= 1 || blocks <= 1)
        {
            dot = yy = 0;
            return false;
        }

        fixed (float* px = x)
        fixed (float* py = y)
        {
            var kernel = new DotBlocks(px, py, n);
            dot = Partitioning.SumBlocks(ref kernel, blocks, 1, degree, out yy);
            return true;
        }
    }

    private static unsafe void ScalePartitioned(ReadOnlySpan<float> x, float a, Span<float> y, int degree)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var kernel = new ScaleRange(px, a, py);
            Partitioning.For(ref kernel, x.Length, Partitioning.ChunkLength, degree);
        }
    }

    // GCSAM's rows are the unit of work (a row's mean needs the whole row): about one element chunk of rows per
    // claim, at least one row.
    private static int RowsPerChunk(int rowLength) => Math.Max(1, Partitioning.ChunkLength / rowLength);

    private readonly unsafe struct NormsBlocks<TRule, TDecay>(TRule rule, float* g, float* w, float* s, int length, float decay) : IBlockSums
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        public double Block(int b, out double second)
        {
            bool readsW = TDecay.Enabled || typeof(TRule) == typeof(AsamRule);
            int offset = b * SamKernels.ReductionBlockSize;
            int n = Math.Min(SamKernels.ReductionBlockSize, length - offset);
            return BlockNorms<TRule, TDecay>(
                rule,
                new ReadOnlySpan<float>(g + offset, n),
                readsW ? new ReadOnlySpan<float>(w + offset, n) : default,
                TRule.ReadsState ? new ReadOnlySpan<float>(s + offset, n) : default,
                decay,
                out second);
        }
    }

    private readonly unsafe struct PerturbRange<TRule, TDecay>(TRule rule, float* w, float* g, float* s, float decay, float a, float* y, int* nonFinite, bool streaming) : IRangeKernel
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        public void Run(int start, int end)
        {
            int n = end - start;
            float bad = PerturbCore<TRule, TDecay>(
                rule,
                new ReadOnlySpan<float>(w + start, n),
                new ReadOnlySpan<float>(g + start, n),
                TRule.ReadsState || TRule.WritesState ? new Span<float>(s + start, n) : default,
                decay,
                a,
                new Span<float>(y + start, n),
                streaming);
            if (bad != 0)
            {
                Volatile.Write(ref *nonFinite, 1);
            }
        }
    }

    private readonly unsafe struct CentralizedNormsBlocks<TDecay>(float* g, float* w, float decay, int rowLength, float* means) : IBlockSums
        where TDecay : struct, IDecayTerm
    {
        public double Block(int r, out double second)
        {
            long offset = (long)r * rowLength;
            var gr = new ReadOnlySpan<float>(g + offset, rowLength);
            ReadOnlySpan<float> wr = TDecay.Enabled ? new ReadOnlySpan<float>(w + offset, rowLength) : default;
            double sum = RowSum<TDecay>(gr, wr, decay, out second);
            float mean = (float)(sum / rowLength);
            means[r] = mean;
            return RowCentredSumOfSquares<TDecay>(gr, wr, decay, mean);
        }
    }

    private readonly unsafe struct CentralizedPerturbRange<TDecay>(float* w, float* g, float* means, int length, int rowLength, float decay, float a, float* y) : IRangeKernel
        where TDecay : struct, IDecayTerm
    {
        public void Run(int start, int end) =>
            CentralizedPerturbRows<TDecay>(
                new ReadOnlySpan<float>(w, length),
                new ReadOnlySpan<float>(g, length),
                new ReadOnlySpan<float>(means, length / rowLength),
                rowLength,
                decay,
                a,
                new Span<float>(y, length),
                start,
                end);
    }

    private readonly unsafe struct DotBlocks(float* x, float* y, int length) : IBlockSums
    {
        public double Block(int b, out double second)
        {
            int offset = b * SamKernels.ReductionBlockSize;
            int n = Math.Min(SamKernels.ReductionBlockSize, length - offset);
            return BlockDot(new ReadOnlySpan<float>(x + offset, n), new ReadOnlySpan<float>(y + offset, n), out second);
        }
    }

    private readonly unsafe struct ScaleRange(float* x, float a, float* y) : IRangeKernel
    {
        public void Run(int start, int end) =>
            ScaleCore(new ReadOnlySpan<float>(x + start, end - start), a, new Span<float>(y + start, end - start));
    }
}
