using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sam.Kernels;

// The partitioned forms of the variant kernels, as in SamKernels.Ranges.cs: each range struct carries pinned
// pointers (the caller keeps them pinned until every chunk is done) and runs the single-threaded loop on its
// slice. Lengths are validated by the public entry points before dispatch, so no range kernel can throw.
// Reductions write one pair of sums per block (per row for GCSAM) into a scratch array and the caller adds the
// pairs in block order, exactly as the serial loop does, so the thread count never changes a bit.
internal static partial class VariantKernels
{
    // Two doubles per block or row; allocated on the pinned heap so a raw pointer to it stays valid. Grown once and
    // only touched while the caller holds the helpers (Partitioning.TryAcquire), which serialises its users.
    private static double[] s_pairSums = [];

    private static unsafe double* PairSums(int pairs)
    {
        if (s_pairSums.Length < 2 * pairs)
        {
            s_pairSums = GC.AllocateArray<double>(2 * pairs, pinned: true);
        }

        return (double*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(s_pairSums));
    }

    // Adds the first sums and the second sums in index order: the same sequence of additions as the serial loops.
    private static unsafe double AddInOrder(double* sums, int pairs, out double second)
    {
        double first = 0, other = 0;
        for (int b = 0; b < pairs; b++)
        {
            first += sums[2 * b];
            other += sums[(2 * b) + 1];
        }

        second = other;
        return first;
    }

    private static unsafe bool TryNormsPartitioned<TRule, TDecay>(in TRule rule, ReadOnlySpan<float> g, ReadOnlySpan<float> w, ReadOnlySpan<float> s, float decay, out double total, out double gradientSumOfSquares)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        int n = g.Length;
        int blocks = (int)(((long)n + SamKernels.ReductionBlockSize - 1) / SamKernels.ReductionBlockSize);
        int degree = SamParallelism.DegreeFor(n);
        if (degree <= 1 || blocks <= 1 || !Partitioning.TryAcquire())
        {
            total = gradientSumOfSquares = 0;
            return false;
        }

        try
        {
            double* sums = PairSums(blocks);
            fixed (float* pg = g)
            fixed (float* pw = w)
            fixed (float* ps = s)
            {
                var kernel = new NormsRange<TRule, TDecay>(rule, pg, pw, ps, n, decay, sums);
                Partitioning.RunAcquired(ref kernel, blocks, 1, degree);
            }

            total = AddInOrder(sums, blocks, out gradientSumOfSquares);
            return true;
        }
        finally
        {
            Partitioning.Release();
        }
    }

    private static unsafe void PerturbPartitioned<TRule, TDecay>(in TRule rule, ReadOnlySpan<float> w, ReadOnlySpan<float> g, Span<float> s, float decay, float a, Span<float> y, int degree)
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        fixed (float* pw = w)
        fixed (float* pg = g)
        fixed (float* ps = s)
        fixed (float* py = y)
        {
            var kernel = new PerturbRange<TRule, TDecay>(rule, pw, pg, ps, decay, a, py);
            Partitioning.For(ref kernel, w.Length, Partitioning.ChunkLength, degree);
        }
    }

    private static unsafe bool TryCentralizedNormsPartitioned<TDecay>(ReadOnlySpan<float> g, ReadOnlySpan<float> w, float decay, int rowLength, Span<float> means, out double total, out double gradientSumOfSquares)
        where TDecay : struct, IDecayTerm
    {
        int rows = means.Length;
        int rowsPerChunk = RowsPerChunk(rowLength);
        int degree = SamParallelism.DegreeFor(g.Length);
        if (degree <= 1 || rows <= rowsPerChunk || !Partitioning.TryAcquire())
        {
            total = gradientSumOfSquares = 0;
            return false;
        }

        try
        {
            double* sums = PairSums(rows);
            fixed (float* pg = g)
            fixed (float* pw = w)
            fixed (float* pm = means)
            {
                var kernel = new CentralizedNormsRange<TDecay>(pg, pw, decay, rowLength, pm, sums);
                Partitioning.RunAcquired(ref kernel, rows, rowsPerChunk, degree);
            }

            total = AddInOrder(sums, rows, out gradientSumOfSquares);
            return true;
        }
        finally
        {
            Partitioning.Release();
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
        if (degree <= 1 || blocks <= 1 || !Partitioning.TryAcquire())
        {
            dot = yy = 0;
            return false;
        }

        try
        {
            double* sums = PairSums(blocks);
            fixed (float* px = x)
            fixed (float* py = y)
            {
                var kernel = new DotRange(px, py, n, sums);
                Partitioning.RunAcquired(ref kernel, blocks, 1, degree);
            }

            dot = AddInOrder(sums, blocks, out yy);
            return true;
        }
        finally
        {
            Partitioning.Release();
        }
    }

    private static unsafe void CombinePartitioned(Span<float> x, ReadOnlySpan<float> y, float a, float b, int degree)
    {
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var kernel = new CombineRange(px, py, a, b);
            Partitioning.For(ref kernel, x.Length, Partitioning.ChunkLength, degree);
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

    private readonly unsafe struct NormsRange<TRule, TDecay>(TRule rule, float* g, float* w, float* s, int length, float decay, double* sums) : IRangeKernel
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        public void Run(int start, int end)
        {
            bool readsW = TDecay.Enabled || typeof(TRule) == typeof(AsamRule);
            for (int b = start; b < end; b++)
            {
                int offset = b * SamKernels.ReductionBlockSize;
                int n = Math.Min(SamKernels.ReductionBlockSize, length - offset);
                sums[2 * b] = BlockNorms<TRule, TDecay>(
                    rule,
                    new ReadOnlySpan<float>(g + offset, n),
                    readsW ? new ReadOnlySpan<float>(w + offset, n) : default,
                    TRule.ReadsState ? new ReadOnlySpan<float>(s + offset, n) : default,
                    decay,
                    out sums[(2 * b) + 1]);
            }
        }
    }

    private readonly unsafe struct PerturbRange<TRule, TDecay>(TRule rule, float* w, float* g, float* s, float decay, float a, float* y) : IRangeKernel
        where TRule : struct, IPerturbationRule
        where TDecay : struct, IDecayTerm
    {
        public void Run(int start, int end)
        {
            int n = end - start;
            PerturbCore<TRule, TDecay>(
                rule,
                new ReadOnlySpan<float>(w + start, n),
                new ReadOnlySpan<float>(g + start, n),
                TRule.ReadsState || TRule.WritesState ? new Span<float>(s + start, n) : default,
                decay,
                a,
                new Span<float>(y + start, n));
        }
    }

    private readonly unsafe struct CentralizedNormsRange<TDecay>(float* g, float* w, float decay, int rowLength, float* means, double* sums) : IRangeKernel
        where TDecay : struct, IDecayTerm
    {
        public void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                long offset = (long)r * rowLength;
                var gr = new ReadOnlySpan<float>(g + offset, rowLength);
                ReadOnlySpan<float> wr = TDecay.Enabled ? new ReadOnlySpan<float>(w + offset, rowLength) : default;
                double sum = RowSum<TDecay>(gr, wr, decay, out double sumG);
                float mean = (float)(sum / rowLength);
                means[r] = mean;
                sums[2 * r] = RowCentredSumOfSquares<TDecay>(gr, wr, decay, mean);
                sums[(2 * r) + 1] = sumG;
            }
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

    private readonly unsafe struct DotRange(float* x, float* y, int length, double* sums) : IRangeKernel
    {
        public void Run(int start, int end)
        {
            for (int b = start; b < end; b++)
            {
                int offset = b * SamKernels.ReductionBlockSize;
                int n = Math.Min(SamKernels.ReductionBlockSize, length - offset);
                sums[2 * b] = BlockDot(new ReadOnlySpan<float>(x + offset, n), new ReadOnlySpan<float>(y + offset, n), out sums[(2 * b) + 1]);
            }
        }
    }

    private readonly unsafe struct CombineRange(float* x, float* y, float a, float b) : IRangeKernel
    {
        public void Run(int start, int end) =>
            CombineCore(new Span<float>(x + start, end - start), new ReadOnlySpan<float>(y + start, end - start), a, b);
    }

    private readonly unsafe struct ScaleRange(float* x, float a, float* y) : IRangeKernel
    {
        public void Run(int start, int end) =>
            ScaleCore(new ReadOnlySpan<float>(x + start, end - start), a, new Span<float>(y + start, end - start));
    }
}
