using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Sam.Kernels;

/// <summary>Which formula a <see cref="VariantItem"/>'s blocks run.</summary>
internal enum VariantItemKind : byte
{
    /// <summary>The variant's rule.</summary>
    Rule,

    /// <summary>The variant's rule for a parameter's first perturbation (VaSSO and Friendly SAM start their average there).</summary>
    First,

    /// <summary>Plain SAM along g (g + λw with decay): an ASAM bias, or SAM with weight decay in the perturbation.</summary>
    Plain,

    /// <summary>
    /// GCSAM's direction h − μ_r, h = g (+ λw), centralized per row: the rule computed the row means and the norms in its
    /// walk (<see cref="VariantItem.Direction"/>); the job writes y = w + a·(h − μ_r), checked.
    /// </summary>
    Centralized,
}

/// <summary>
/// One perturbed parameter of a variant's perturbation jobs: pointers to memory that stays put for the optimizer call
/// (weights, gradient, second buffer; the rule's pinned state and its backup, null when unused).
/// </summary>
internal unsafe struct VariantItem
{
    public float* W;
    public float* G;
    public float* Y;

    /// <summary>The rule's state (VaSSO's d, Friendly SAM's m, GSAM's saved g); null when the rule keeps none.</summary>
    public float* S;

    /// <summary>Where the state is copied before the perturbation writes it (the step's first perturbation); or null.</summary>
    public float* Backup;

    /// <summary>The weight decay in the direction (0: none).</summary>
    public float Decay;

    public VariantItemKind Kind;

    /// <summary>Centralized items: the row means (pinned), the row length, and the norms the rule computed row by row.</summary>
    public float* Means;
    public int RowLength;
    public double Direction;
    public double GradientSumOfSquares;
}

// The variants' two perturbation passes as block kernels for TensorJob, so the blocks of every parameter are one range
// over the helper threads (many small tensors use every core) and every block streams when the phase is large. Each
// block runs the per-parameter kernels' block functions (BlockNorms, PerturbCore; for plain items those of the plain
// SAM path), and TensorJob adds the blocks of a parameter in order: the same bits as the per-parameter kernels.
internal static partial class VariantKernels
{
    /// <summary>Σ direction² (first sum) and Σ g² (second) of every block.</summary>
    public readonly unsafe struct NormsJob<TRule>(VariantItem[] items, TRule rule, TRule first) : ITensorBlockKernel
        where TRule : struct, IPerturbationRule
    {
        public double Block(int tensor, int start, int count, out double second)
        {
            ref VariantItem item = ref items[tensor];
            var g = new ReadOnlySpan<float>(item.G + start, count);
            var w = new ReadOnlySpan<float>(item.W + start, count);
            ReadOnlySpan<float> s = item.S == null ? default : new ReadOnlySpan<float>(item.S + start, count);
            switch (item.Kind)
            {
                case VariantItemKind.Rule:
                    return BlockNormsOf(rule, g, w, s, item.Decay, out second);
                case VariantItemKind.First:
                    return BlockNormsOf(first, g, w, s, item.Decay, out second);
                case VariantItemKind.Centralized:
                    // Summed row by row in the rule's walk (the rows need their means first): the first block reports
                    // them, the others add exact zeros, so the per-parameter sums are those bits.
                    second = start == 0 ? item.GradientSumOfSquares : 0;
                    return start == 0 ? item.Direction : 0;
                default:
                    if (item.Decay != 0)
                    {
                        return BlockNorms<SamRule, WithDecay>(default, g, w, default, item.Decay, out second);
                    }

                    second = SamKernels.BlockSumOfSquares(g); // the plain rule's ‖g‖², which is also its direction's
                    return second;
            }
        }
    }

    /// <summary>The state saved (when asked), the rule's new state and y = w + a·e of every block; the second sum is the check (0 when every yᵢ is finite).</summary>
    public readonly unsafe struct PerturbJob<TRule>(VariantItem[] items, TRule rule, TRule first, float a, bool streaming) : ITensorBlockKernel
        where TRule : struct, IPerturbationRule
    {
        public double Block(int tensor, int start, int count, out double second)
        {
            ref VariantItem item = ref items[tensor];
            var w = new ReadOnlySpan<float>(item.W + start, count);
            var g = new ReadOnlySpan<float>(item.G + start, count);
            var y = new Span<float>(item.Y + start, count);
            Span<float> s = item.S == null ? default : new Span<float>(item.S + start, count);
            if (item.Backup != null)
            {
                s.CopyTo(new Span<float>(item.Backup + start, count));
            }

            second = item.Kind switch
            {
                VariantItemKind.Rule => PerturbOf(rule, w, g, s, item.Decay, a, y, streaming),
                VariantItemKind.First => PerturbOf(first, w, g, s, item.Decay, a, y, streaming),
                VariantItemKind.Centralized => item.Decay != 0
                    ? CentralizedBlock<WithDecay>(item, start, count, a)
                    : CentralizedBlock<NoDecay>(item, start, count, a),
                _ => item.Decay != 0
                    ? PerturbCore<SamRule, WithDecay>(default, w, g, default, item.Decay, a, y, streaming)
                    : PerturbKernels.AddScaledChecked(item.W + start, item.G + start, a, item.Y + start, count, streaming),
            };
            return 0;
        }
    }

    // Elements [start, start + count) of a centralized item, row segment by row segment (elementwise, so any split gives
    // the bits of the per-tensor path, which runs the same segment loop row by row), checked as they are written.
    private static unsafe float CentralizedBlock<TDecay>(in VariantItem item, int start, int count, float a)
        where TDecay : struct, IDecayTerm
    {
        int end = start + count, rowLength = item.RowLength;
        float bad = 0;
        for (int i = start; i < end;)
        {
            int row = i / rowLength;
            int stop = Math.Min(end, (row + 1) * rowLength);
            bad += CentralizedSegment<TDecay>(item.W + i, item.G + i, item.Y + i, stop - i, item.Means[row], item.Decay, a);
            i = stop;
        }

        return bad;
    }

    // y = w + a·(h − μ) over one row or part of one; returns 0 when every yᵢ is finite, NaN otherwise.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe float CentralizedSegment<TDecay>(float* w, float* g, float* y, int n, float mu, float decay, float a)
        where TDecay : struct, IDecayTerm
    {
        int i = 0;
        float bad = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var va = new Vector<float>(a);
            var vdecay = new Vector<float>(decay);
            var vmu = new Vector<float>(mu);
            var vbad = Vector<float>.Zero;
            for (int width = Vector<float>.Count; i <= n - width; i += width)
            {
                var vw = Vector.Load(w + i);
                var vg = Vector.Load(g + i);
                var vh = TDecay.Enabled ? vg + (vdecay * vw) : vg;
                var r = vw + (va * (vh - vmu));
                r.Store(y + i);
                vbad += r - r;
            }

            bad = Vector.Sum(vbad);
        }

        for (; i < n; i++)
        {
            float wi = w[i];
            float hi = TDecay.Enabled ? g[i] + (decay * wi) : g[i];
            float r = wi + (a * (hi - mu));
            y[i] = r;
            bad += r - r;
        }

        return bad;
    }

    private static double BlockNormsOf<TRule>(in TRule rule, ReadOnlySpan<float> g, ReadOnlySpan<float> w, ReadOnlySpan<float> s, float decay, out double second)
        where TRule : struct, IPerturbationRule =>
        decay != 0
            ? BlockNorms<TRule, WithDecay>(rule, g, w, s, decay, out second)
            : BlockNorms<TRule, NoDecay>(rule, g, w, s, decay, out second);

    private static float PerturbOf<TRule>(in TRule rule, ReadOnlySpan<float> w, ReadOnlySpan<float> g, Span<float> s, float decay, float a, Span<float> y, bool streaming)
        where TRule : struct, IPerturbationRule =>
        decay != 0
            ? PerturbCore<TRule, WithDecay>(rule, w, g, s, decay, a, y, streaming)
            : PerturbCore<TRule, NoDecay>(rule, w, g, s, decay, a, y, streaming);
}

/// <summary>One parameter of the step's norm job: g′, and the buffer the rule multiplies it with (GSAM's saved g) or null.</summary>
internal unsafe struct StepNormItem
{
    public float* G;
    public float* Other;
}

internal static partial class VariantKernels
{
    /// <summary>
    /// The step's read-only pass over g′ (GSAM, clipping): per block Σ g′² (first sum), or with <c>Other</c> the dot
    /// product other·g′ (first) and Σ g′² (second): the blocks of <see cref="SamKernels.SumOfSquares"/> and
    /// <see cref="DotAndSumOfSquares"/>, so the same bits.
    /// </summary>
    public readonly unsafe struct StepNormsJob(StepNormItem[] items) : ITensorBlockKernel
    {
        public double Block(int tensor, int start, int count, out double second)
        {
            ref StepNormItem item = ref items[tensor];
            var g = new ReadOnlySpan<float>(item.G + start, count);
            if (item.Other == null)
            {
                second = 0;
                return SamKernels.BlockSumOfSquares(g);
            }

            return BlockDot(new ReadOnlySpan<float>(item.Other + start, count), g, out second);
        }
    }
}
