using System;
using Sam.Kernels;

namespace Sam;

internal abstract partial class VariantRule
{
    /// <summary>
    /// LookSAM (Liu et al., CVPR 2022, Algorithm 1). On a SAM step the perturbation saves g and the step, having g_s
    /// (the gradient at the perturbed point), stores g_v = g_s − (g·g_s/‖g‖²)·g, the part of g_s orthogonal to g, and
    /// descends along g_s. On a base step (between SAM steps) it descends along g + α·(‖g‖/‖g_v‖)·g_v with the one
    /// gradient it has. Products and norms are global over the perturbed parameters, as the paper's vectors are.
    /// g_v and ‖g_v‖² are written only by the step's writing pass, which runs after every check, so an abandoned step
    /// leaves them as they were; both are checkpointed.
    /// </summary>
    private sealed class LookSam(double alpha) : SavesGradient
    {
        private double _reuseSumOfSquares;   // ‖g_v‖², committed
        private double _pendingReuse;        // ‖g_v‖² being written by a SAM step's writing pass
        private double _dot;
        private double _gradientSumOfSquares;
        private bool _samStep;
        private bool _reuse;
        private float _c;
        private float _gain;

        public override bool BufferIsState => true;

        public override bool ReadsStepNorms => true; // g·g_s on SAM steps, g·g_v on the others

        public override double SavedScalar
        {
            get => _reuseSumOfSquares;
            set => _reuseSumOfSquares = value;
        }

        public override void Reset() => _reuseSumOfSquares = 0;

        // A SAM step's perturbation (SavesGradient: alone or in the variant job) saves g into the scratch.
        protected override Span<float> SavedGradient(ParameterState state, Parameter p) => Scratch(state, p);

        protected override void MarkSaved(ParameterState state, long perturbationId) => state.ScratchPerturbation = perturbationId;

        // Its products still run per parameter, in visiting order (they feed LookSAM's own sums).
        public override bool TryStepNormsItem(SamOptimizer o, Parameter p, int slot, out nint other)
        {
            other = 0;
            return false;
        }

        // LookSAM keeps its own products (every parameter runs alone, in visiting order).
        public override double StepNorms(SamOptimizer o, Parameter p, int slot, out double dot, out bool hasDot)
        {
            dot = 0;
            hasDot = false;
            return StepNorms(o, p, slot);
        }

        private double StepNorms(SamOptimizer o, Parameter p, int slot)
        {
            if (slot == 0)
            {
                _dot = 0;
                _gradientSumOfSquares = 0;
                _samStep = o.IsPerturbed;
                _reuse = false;
            }

            ParameterState? state = o.StateFor(p, slot);
            if (_samStep && state.ScratchPerturbation == o.PerturbationId && state.Scratch is { } saved)
            {
                // g·g_s and ‖g_s‖² in one read.
                _dot += VariantKernels.DotAndSumOfSquares(saved, p.Gradient, out double sumOfSquares);
                return sumOfSquares;
            }

            if (!_samStep && !o.AccumulatedSamStep && state.VariantStarted && state.VariantBuffer is { } gv)
            {
                // g·g_v and ‖g‖² in one read.
                _dot += VariantKernels.DotAndSumOfSquares(gv.Span, p.Gradient, out double sumOfSquares);
                _gradientSumOfSquares += sumOfSquares;
                return sumOfSquares;
            }

            return SamKernels.SumOfSquares(p.Gradient);
        }

        public override double StepCorrection(SamOptimizer o, double perturbedSumOfSquares)
        {
            _pendingReuse = 0;
            if (_samStep)
            {
                double gg = o.GradientSumOfSquares;
                _c = gg > 0 ? (float)(_dot / gg) : 0f;
                return 0; // the step descends along g_s itself
            }

            // a = α·‖g‖/‖g_v‖; ‖g + a·g_v‖² − ‖g‖² = 2a·g·g_v + a²·‖g_v‖², for clipping.
            _reuse = alpha > 0 && _reuseSumOfSquares > 0 && _gradientSumOfSquares > 0;
            if (!_reuse)
            {
                return 0;
            }

            double a = alpha * Math.Sqrt(_gradientSumOfSquares / _reuseSumOfSquares);
            _gain = (float)a;
            return Math.Max(0, (2 * a * _dot) + (a * a * _reuseSumOfSquares));
        }

        public override ReadOnlySpan<float> StepGradient(SamOptimizer o, Parameter p, ParameterState state)
        {
            if (_samStep && state.ScratchPerturbation == o.PerturbationId && state.Scratch is { } saved)
            {
                Span<float> gv = (state.VariantBuffer ??= AlignedBuffer.Allocate(p.Length, BufferPlace.Second)).Span;
                SamKernels.AddScaled(p.Gradient, saved, -_c, gv); // g_v = g_s − c·g
                _pendingReuse += SamKernels.SumOfSquares(gv);
                state.VariantStarted = true;
                state.ScratchPerturbation = 0;
                return p.Gradient;
            }

            if (_reuse && state.VariantStarted && state.VariantBuffer is { } reuse)
            {
                float[] combined = Scratch(state, p);
                SamKernels.AddScaled(p.Gradient, reuse.Span, _gain, combined); // g + a·g_v
                return combined;
            }

            return p.Gradient;
        }

        // One scratch per parameter (a SAM step's saved g, a reuse step's g + a·g_v), on the pinned heap: the variant
        // job's helpers write it through a pointer.
        private static float[] Scratch(ParameterState state, Parameter p) =>
            state.Scratch ??= GC.AllocateArray<float>(p.Length, pinned: true);

        public override void Commit(SamOptimizer o)
        {
            if (_samStep)
            {
                _reuseSumOfSquares = _pendingReuse;
            }

            _samStep = false;
            _reuse = false;
        }

        public override void Rollback(SamOptimizer o)
        {
            _samStep = false;
            _reuse = false;
        }
    }

    /// <summary>
    /// ESAM's stochastic weight perturbation (Du et al., ICLR 2022; dydjw9/Efficient_SAM, utils/Esam.py): each perturbed
    /// tensor is chosen with probability β per step; the norm is taken over the chosen tensors S and the chosen ones
    /// move by ρ·g/(β·‖g_S‖) (the code's scale ρ/(‖g_S‖ + ε)/β), the others stay. The choice of step t and tensor i
    /// is a counter-based draw of (seed, t, i), so it needs no state of its own and a retried step chooses the same.
    /// Per tensor, as in the authors' code (which turns requires_grad off for the unchosen tensors).
    /// </summary>
    private sealed class Esam(double beta, long seed) : Plain
    {
        private readonly float _inverseBeta = (float)(1.0 / beta);

        public override double Norms(SamOptimizer o, Parameter p, int slot, out double gradientSumOfSquares)
        {
            if (Chosen(o, slot))
            {
                return base.Norms(o, p, slot, out gradientSumOfSquares);
            }

            gradientSumOfSquares = SamKernels.SumOfSquares(p.Gradient);
            return 0;
        }

        public override bool Perturb(SamOptimizer o, Parameter p, int slot, float scale, Span<float> y)
        {
            if (Chosen(o, slot))
            {
                return base.Perturb(o, p, slot, scale * _inverseBeta, y);
            }

            p.TrainedValue.CopyTo(y);
            return false; // a copy of the trained weights, unchecked as before
        }

        private bool Chosen(SamOptimizer o, int slot) => beta >= 1 || SamOptimizer.Uniform(seed, o.StepCount, slot + 1) < beta;
    }
}
