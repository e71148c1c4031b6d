using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sam.Kernels;

namespace Sam;

/// <summary>
/// One SAM variant: its perturbation direction, the state it keeps, and what it adds to the step. The optimizer
/// picks the rule once, at construction, and calls it per parameter from its phases; each rule runs the fused
/// kernels of its formula (docs/variants.md). A new variant is a new rule type, nothing else.
/// </summary>
internal abstract partial class VariantRule
{
    public static VariantRule For(SamSettings s) => s.Variant switch
    {
        SamVariant.Asam => new Asam(new AsamRule((float)s.AsamEta), s.AsamScaleBiases),
        SamVariant.Vasso => new Vasso(new VassoRule((float)(1.0 - s.VassoTheta), (float)s.VassoTheta), new VassoRule(0f, 1f)),
        SamVariant.FriendlySam => new Friendly(
            new FriendlyRule((float)s.FriendlyLambda, (float)(1.0 - s.FriendlyLambda), (float)s.FriendlySigma),
            new FriendlyRule(0f, 1f, 0f)),
        SamVariant.Gsam => new Gsam(s.GsamAlpha),
        SamVariant.Gcsam => new Gcsam(),
        SamVariant.LookSam => new LookSam(s.LookSamAlpha),
        SamVariant.Esam => new Esam(s.EsamBeta, s.Seed),
        _ => new Plain(), // SAM and USAM: normalization is the optimizer's, not the rule's
    };

    /// <summary>‖direction‖² of one perturbed parameter, and ‖g‖² in the same read-only pass.</summary>
    public abstract double Norms(SamOptimizer o, Parameter p, int slot, out double gradientSumOfSquares);

    /// <summary>
    /// Whether this perturbation is w + scale·g with no state (plain SAM and USAM without weight decay in the
    /// direction): the engine then runs the norm and perturbation passes of every parameter as one job each,
    /// instead of calling <see cref="Norms"/> and <see cref="Perturb"/> per parameter.
    /// </summary>
    public virtual bool PerturbsAlongGradient(SamOptimizer o) => false;

    /// <summary>Writes w + scale·direction into <paramref name="y"/> and updates the variant's state in the same pass.</summary>
    /// <returns>
    /// True when the rule checked every value it wrote and all are finite; false when it did not check them (or found
    /// one that is not): the engine then reads <paramref name="y"/> once more to find and report it.
    /// </returns>
    public abstract bool Perturb(SamOptimizer o, Parameter p, int slot, float scale, Span<float> y);

    /// <summary>
    /// Fills in a parameter's item of the variant perturbation jobs (state, formula, decay; the engine has set its
    /// weights, gradient and second buffer) and returns true, or returns false to run the parameter alone through
    /// <see cref="Norms"/> and <see cref="Perturb"/> (the default; GCSAM, LookSAM and ESAM always).
    /// </summary>
    public virtual bool TryPrepareJobItem(SamOptimizer o, Parameter p, int slot, ref VariantItem item) => false;

    /// <summary>Runs the norm pass of every item as one job (the rule's formula): Σ direction² and Σ g² per item.</summary>
    public virtual void RunNormsJob(JobItems<VariantItem> job) =>
        throw new NotSupportedException($"{GetType().Name} has no perturbation job.");

    /// <summary>Runs the writing pass of every item as one job: state, y = w + scale·e, checked.</summary>
    public virtual void RunPerturbJob(JobItems<VariantItem> job, float scale, bool streaming) =>
        throw new NotSupportedException($"{GetType().Name} has no perturbation job.");

    /// <summary>What <see cref="Perturb"/> does to the rule's bookkeeping, for an item of the writing job, before the job runs.</summary>
    public virtual void BeforeJobPerturb(SamOptimizer o, Parameter p, int slot, ref VariantItem item)
    {
    }

    /// <summary>Called once before a perturbation's writing pass.</summary>
    public virtual void BeginPerturb(SamOptimizer o)
    {
    }

    /// <summary>
    /// Whether the step needs a read-only pass over g′ before it writes (GSAM's g·g′ sets the step's direction). Rules
    /// that do not let the engine fold the g′ check into the step itself (36 B per SAM + SGD-momentum step, not 40 B).
    /// </summary>
    public virtual bool ReadsStepNorms => false;

    /// <summary>‖g′‖² of one trained parameter (a variant may accumulate its own products in the same pass).</summary>
    /// <remarks>
    /// For a parameter that runs alone; <paramref name="dot"/> is the rule's product for it, when it has one
    /// (<paramref name="hasDot"/>): the engine adds it with <see cref="AddStepNorms"/> in visiting order, like the job's.
    /// </remarks>
    public virtual double StepNorms(SamOptimizer o, Parameter p, int slot, out double dot, out bool hasDot)
    {
        dot = 0;
        hasDot = false;
        return SamKernels.SumOfSquares(p.Gradient);
    }

    /// <summary>
    /// For the step's norm job: the address of the buffer the rule multiplies g′ with (GSAM's saved g), or 0 for
    /// ‖g′‖² alone (the default); false to compute the parameter alone with <see cref="StepNorms"/> (LookSAM).
    /// </summary>
    public virtual bool TryStepNormsItem(SamOptimizer o, Parameter p, int slot, out nint other)
    {
        other = 0;
        return true;
    }

    /// <summary>
    /// A parameter's product and ‖g′‖², in visiting order: from the job for those <see cref="TryStepNormsItem"/> gave a
    /// buffer, from <see cref="StepNorms"/> for those that ran alone with a product.
    /// </summary>
    public virtual void AddStepNorms(SamOptimizer o, Parameter p, int slot, double dot, double sumOfSquares)
    {
    }

    /// <summary>How much the norm of the step's direction exceeds ‖g′‖² (for clipping); prepares the step.</summary>
    public virtual double StepCorrection(SamOptimizer o, double perturbedSumOfSquares) => 0;

    /// <summary>The gradient the base optimizer steps along.</summary>
    public virtual ReadOnlySpan<float> StepGradient(SamOptimizer o, Parameter p, ParameterState state) => p.Gradient;

    /// <summary>
    /// Lets the rule change the step's direction as the step job reads the gradient (GSAM combines g′ with the saved g
    /// there, instead of a pass writing the combination). Called with the item prepared by the base optimizer.
    /// </summary>
    public virtual void PrepareStep(SamOptimizer o, Parameter p, ParameterState state, ref StepItem item)
    {
    }

    /// <summary>The step completed: the state the perturbations wrote is now the state.</summary>
    public virtual void Commit(SamOptimizer o)
    {
    }

    /// <summary>The step was abandoned: undo what its perturbations wrote to state.</summary>
    public virtual void Rollback(SamOptimizer o)
    {
    }

    /// <summary>The optimizer state was reset: forget the rule's own scalars.</summary>
    public virtual void Reset()
    {
    }

    /// <summary>The rule's scalar state beside the per-parameter buffers (LookSAM's ‖g_v‖²), saved in checkpoints.</summary>
    public virtual double SavedScalar
    {
        get => 0;
        set
        {
        }
    }

    /// <summary>Whether the rule's per-parameter buffer (<see cref="ParameterState.VariantBuffer"/>) is state to checkpoint.</summary>
    public virtual bool BufferIsState => false;

    // The decay term is a type argument so the kernels compile it away; these pick the instantiation once per call.
    protected static double Norms<TRule>(in TRule rule, Parameter p, ReadOnlySpan<float> s, float decay, out double gradient)
        where TRule : struct, IPerturbationRule =>
        decay != 0
            ? VariantKernels.Norms<TRule, WithDecay>(rule, p.Gradient, p.TrainedValue, s, decay, out gradient)
            : VariantKernels.Norms<TRule, NoDecay>(rule, p.Gradient, p.TrainedValue, s, decay, out gradient);

    // True when every value written is finite (the kernels check as they write).
    // Streams y when the perturbation phase is far larger than the cache (SamOptimizer.PerturbationStreams).
    protected static bool PerturbAlong<TRule>(SamOptimizer o, in TRule rule, Parameter p, Span<float> s, float decay, float scale, Span<float> y)
        where TRule : struct, IPerturbationRule =>
        decay != 0
            ? VariantKernels.Perturb<TRule, WithDecay>(rule, p.TrainedValue, p.Gradient, s, decay, scale, y, o.PerturbationStreams)
            : VariantKernels.Perturb<TRule, NoDecay>(rule, p.TrainedValue, p.Gradient, s, decay, scale, y, o.PerturbationStreams);

    protected static void RunNorms<TRule>(JobItems<VariantItem> job, in TRule rule, in TRule first)
        where TRule : struct, IPerturbationRule
    {
        var kernel = new VariantKernels.NormsJob<TRule>(job.Items, rule, first);
        job.Run(ref kernel);
    }

    protected static void RunPerturb<TRule>(JobItems<VariantItem> job, in TRule rule, in TRule first, float scale, bool streaming)
        where TRule : struct, IPerturbationRule
    {
        var kernel = new VariantKernels.PerturbJob<TRule>(job.Items, rule, first, scale, streaming);
        job.Run(ref kernel);
    }

    /// <summary>SAM and USAM: the direction is g (g + λw with weight decay in the perturbation).</summary>
    private class Plain : VariantRule
    {
        // Only the rule itself: the variants that derive from it change the direction or keep state.
        public override bool PerturbsAlongGradient(SamOptimizer o) => GetType() == typeof(Plain) && !o.MayPerturbWithDecay;

        // With weight decay in the direction (else the plain job runs): the plain items of the variant job.
        public override bool TryPrepareJobItem(SamOptimizer o, Parameter p, int slot, ref VariantItem item)
        {
            if (GetType() != typeof(Plain))
            {
                return false;
            }

            item.Kind = VariantItemKind.Plain;
            item.Decay = o.PerturbationDecayFor(p);
            return true;
        }

        public override void RunNormsJob(JobItems<VariantItem> job) =>
            RunNorms(job, default(SamRule), default(SamRule));

        public override void RunPerturbJob(JobItems<VariantItem> job, float scale, bool streaming) =>
            RunPerturb(job, default(SamRule), default(SamRule), scale, streaming);

        public override double Norms(SamOptimizer o, Parameter p, int slot, out double gradientSumOfSquares)
        {
            float decay = o.PerturbationDecayFor(p);
            return decay != 0
                ? Norms(default(SamRule), p, default, decay, out gradientSumOfSquares)
                : gradientSumOfSquares = SamKernels.SumOfSquares(p.Gradient);
        }

        public override bool Perturb(SamOptimizer o, Parameter p, int slot, float scale, Span<float> y)
        {
            float decay = o.PerturbationDecayFor(p);
            if (decay != 0)
            {
                return PerturbAlong(o, default(SamRule), p, default, decay, scale, y);
            }

            SamKernels.AddScaled(p.TrainedValue, p.Gradient, scale, y);
            return false; // unchecked (memory outside the phase job only)
        }
    }

    /// <summary>
    /// ASAM: the direction T·g with T = |w| + η, elementwise, for parameters of rank ≥ 2; as in the authors' code
    /// (SamsungLabs/ASAM) a bias (rank &lt; 2) keeps T = 1 unless <see cref="SamSettings.AsamScaleBiases"/>.
    /// </summary>
    private sealed class Asam(AsamRule rule, bool scaleBiases) : Plain
    {
        public override double Norms(SamOptimizer o, Parameter p, int slot, out double gradientSumOfSquares) =>
            scaleBiases || p.Shape.Count >= 2
                ? Norms(rule, p, default, o.PerturbationDecayFor(p), out gradientSumOfSquares)
                : base.Norms(o, p, slot, out gradientSumOfSquares);

        public override bool Perturb(SamOptimizer o, Parameter p, int slot, float scale, Span<float> y) =>
            scaleBiases || p.Shape.Count >= 2
                ? PerturbAlong(o, rule, p, default, o.PerturbationDecayFor(p), scale, y)
                : base.Perturb(o, p, slot, scale, y);

        public override bool TryPrepareJobItem(SamOptimizer o, Parameter p, int slot, ref VariantItem item)
        {
            item.Kind = scaleBiases || p.Shape.Count >= 2 ? VariantItemKind.Rule : VariantItemKind.Plain;
            item.Decay = o.PerturbationDecayFor(p);
            return true;
        }

        public override void RunNormsJob(JobItems<VariantItem> job) => RunNorms(job, rule, rule);

        public override void RunPerturbJob(JobItems<VariantItem> job, float scale, bool streaming) =>
            RunPerturb(job, rule, rule, scale, streaming);
    }

    /// <summary>
    /// A rule with one running average per parameter (VaSSO's d, Friendly SAM's m), updated by the perturbation.
    /// The step's first perturbation copies the average aside, so an abandoned step (a callback that throws, a
    /// non-finite g′) puts it back: the optimizer state is transactional like the weights. The copy is one
    /// 8-byte pass over the average per SAM step. A parameter's first perturbation runs <paramref name="first"/>,
    /// the rule that starts the average from the first gradient as the authors' code does; whether the average has
    /// started is state (checkpointed, and put back with the average).
    /// </summary>
    private abstract class Averaging<TRule>(TRule rule, TRule first) : VariantRule
        where TRule : struct, IPerturbationRule
    {
        public override bool BufferIsState => true;

        private bool _savedThisStep; // m-sharpness perturbs several times per step: the first perturbation saves
        private bool _saving;

        public override double Norms(SamOptimizer o, Parameter p, int slot, out double gradientSumOfSquares)
        {
            ParameterState state = o.PerturbStateFor(p, slot);
            Span<float> average = Average(state, p);
            return state.VariantStarted
                ? Norms(rule, p, average, o.PerturbationDecayFor(p), out gradientSumOfSquares)
                : Norms(first, p, average, o.PerturbationDecayFor(p), out gradientSumOfSquares);
        }

        public override void BeginPerturb(SamOptimizer o)
        {
            _saving = !_savedThisStep;
            _savedThisStep = true;
        }

        public override bool Perturb(SamOptimizer o, Parameter p, int slot, float scale, Span<float> y)
        {
            ParameterState state = o.PerturbStateFor(p, slot);
            Span<float> average = Average(state, p);
            if (_saving)
            {
                average.CopyTo(Backup(state, p).Span);
                state.VariantStartedBackup = state.VariantStarted;
                state.VariantBackupValid = true;
            }

            if (state.VariantStarted)
            {
                return PerturbAlong(o, rule, p, average, o.PerturbationDecayFor(p), scale, y);
            }

            bool finite = PerturbAlong(o, first, p, average, o.PerturbationDecayFor(p), scale, y);
            state.VariantStarted = true;
            return finite;
        }

        public override unsafe bool TryPrepareJobItem(SamOptimizer o, Parameter p, int slot, ref VariantItem item)
        {
            ParameterState state = o.PerturbStateFor(p, slot);
            Average(state, p);
            item.S = state.VariantBuffer!.Pointer;
            item.Kind = state.VariantStarted ? VariantItemKind.Rule : VariantItemKind.First;
            item.Decay = o.PerturbationDecayFor(p);
            return true;
        }

        public override unsafe void BeforeJobPerturb(SamOptimizer o, Parameter p, int slot, ref VariantItem item)
        {
            ParameterState state = o.PerturbStateFor(p, slot);
            if (_saving)
            {
                item.Backup = Backup(state, p).Pointer; // the job copies each block of the average before writing it
                state.VariantStartedBackup = state.VariantStarted;
                state.VariantBackupValid = true;
            }

            state.VariantStarted = true;
        }

        public override void RunNormsJob(JobItems<VariantItem> job) => RunNorms(job, rule, first);

        public override void RunPerturbJob(JobItems<VariantItem> job, float scale, bool streaming) =>
            RunPerturb(job, rule, first, scale, streaming);

        public override void Commit(SamOptimizer o)
        {
            if (_savedThisStep)
            {
                _savedThisStep = false;
                o.ForEachState(static s => s.VariantBackupValid = false);
            }
        }

        private static Span<float> Average(ParameterState state, Parameter p) =>
            (state.VariantBuffer ??= AlignedBuffer.Allocate(p.Length, BufferPlace.Second)).Span;

        private static AlignedBuffer Backup(ParameterState state, Parameter p) =>
            state.VariantBackup ??= AlignedBuffer.Allocate(p.Length, BufferPlace.First);

        public override void Rollback(SamOptimizer o)
        {
            if (_savedThisStep)
            {
                _savedThisStep = false;
                o.ForEachState(static s =>
                {
                    if (s.VariantBackupValid)
                    {
                        s.VariantBackup!.Span.CopyTo(s.VariantBuffer!.Span);
                        s.VariantStarted = s.VariantStartedBackup;
                        s.VariantBackupValid = false;
                    }
                });
            }
        }
    }

    private sealed class Vasso(VassoRule rule, VassoRule first) : Averaging<VassoRule>(rule, first);

    private sealed class Friendly(FriendlyRule rule, FriendlyRule first) : Averaging<FriendlyRule>(rule, first);

    /// <summary>
    /// GSAM: saves g while perturbing; the step decomposes g = g∥ + g⊥ against g′ over the perturbed parameters as
    /// one vector (c = g·g′/‖g′‖², g⊥ = g − c·g′) and steps along g′ − α·g⊥ = (1 + αc)·g′ − α·g.
    /// </summary>
    /// <summary>
    /// GSAM and LookSAM perturb with GSAM's formula: y = w + a·g, saving g into the rule's pinned buffer in the same pass;
    /// in the variant job the rule names the buffer and marks it as holding this perturbation's g.
    /// </summary>
    private abstract class SavesGradient : Plain
    {
        // A parameter that runs alone: the same formula, one pass.
        public override bool Perturb(SamOptimizer o, Parameter p, int slot, float scale, Span<float> y)
        {
            ParameterState state = o.PerturbStateFor(p, slot);
            bool finite = PerturbAlong(o, default(GsamRule), p, SavedGradient(state, p), o.PerturbationDecayFor(p), scale, y);
            MarkSaved(state, o.PerturbationId);
            return finite;
        }

        public override unsafe bool TryPrepareJobItem(SamOptimizer o, Parameter p, int slot, ref VariantItem item)
        {
            item.S = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(SavedGradient(o.PerturbStateFor(p, slot), p)));
            item.Kind = VariantItemKind.Rule;
            item.Decay = o.PerturbationDecayFor(p);
            return true;
        }

        public override void BeforeJobPerturb(SamOptimizer o, Parameter p, int slot, ref VariantItem item) =>
            MarkSaved(o.PerturbStateFor(p, slot), o.PerturbationId);

        public override void RunNormsJob(JobItems<VariantItem> job) =>
            RunNorms(job, default(GsamRule), default(GsamRule));

        public override void RunPerturbJob(JobItems<VariantItem> job, float scale, bool streaming) =>
            RunPerturb(job, default(GsamRule), default(GsamRule), scale, streaming);

        /// <summary>The buffer g is saved into, on the pinned heap (allocated on first use).</summary>
        protected abstract Span<float> SavedGradient(ParameterState state, Parameter p);

        /// <summary>Records that the buffer holds the g of perturbation <paramref name="perturbationId"/>.</summary>
        protected abstract void MarkSaved(ParameterState state, long perturbationId);
    }

    private sealed class Gsam(double alpha) : SavesGradient
    {
        private double _dot;
        private double _perturbedSumOfSquares;
        private bool _active;
        private float _gain;

        public override bool ReadsStepNorms => true;

        protected override Span<float> SavedGradient(ParameterState state, Parameter p) =>
            (state.GsamGradient ??= AlignedBuffer.Allocate(p.Length, BufferPlace.Second)).Span;

        protected override void MarkSaved(ParameterState state, long perturbationId) => state.GsamPerturbation = perturbationId;

        public override bool TryStepNormsItem(SamOptimizer o, Parameter p, int slot, out nint other)
        {
            if (slot == 0)
            {
                BeginStepNorms();
            }

            other = Saved(o, p, slot) is { } saved ? saved.Address : 0;
            return true;
        }

        public override void AddStepNorms(SamOptimizer o, Parameter p, int slot, double dot, double sumOfSquares)
        {
            _dot += dot;
            _perturbedSumOfSquares += sumOfSquares;
        }

        public override double StepNorms(SamOptimizer o, Parameter p, int slot, out double dot, out bool hasDot)
        {
            if (slot == 0)
            {
                BeginStepNorms();
            }

            if (Saved(o, p, slot) is { } saved)
            {
                dot = VariantKernels.DotAndSumOfSquares(saved.Span, p.Gradient, out double sumOfSquares);
                hasDot = true;
                return sumOfSquares; // added with the job's products, in visiting order (AddStepNorms)
            }

            dot = 0;
            hasDot = false;
            return SamKernels.SumOfSquares(p.Gradient);
        }

        // The g saved by this step's perturbation, if the parameter was perturbed.
        private static AlignedBuffer? Saved(SamOptimizer o, Parameter p, int slot) =>
            o.IsPerturbed && o.StateFor(p, slot) is { } state && state.GsamPerturbation == o.PerturbationId ? state.GsamGradient : null;

        private void BeginStepNorms()
        {
            _dot = 0;
            _perturbedSumOfSquares = 0;
            _active = false;
        }

        public override double StepCorrection(SamOptimizer o, double perturbedSumOfSquares)
        {
            // No correction when nothing moved (ρ_t = 0) or g′ = 0.
            _active = false;
            if (!o.IsPerturbed || o.PerturbScale == 0 || !(_perturbedSumOfSquares > 0) || alpha == 0)
            {
                return 0;
            }

            double c = _dot / _perturbedSumOfSquares;
            _gain = (float)(1.0 + (alpha * c));
            _active = true;
            double orthogonal = o.GradientSumOfSquares - (_dot * c);
            return alpha * alpha * Math.Max(0, orthogonal);
        }

        public override unsafe void PrepareStep(SamOptimizer o, Parameter p, ParameterState state, ref StepItem item)
        {
            if (_active && state.GsamPerturbation == o.PerturbationId && state.GsamGradient is { } saved)
            {
                // The step reads (1 + αc)·g′ − α·g = g′ − α·g⊥, combined as it reads g′: the saved g stays as it was.
                item.Other = saved.Pointer;
                item.Gain = _gain;
                item.OtherGain = (float)alpha;
                state.GsamPerturbation = 0;
            }
        }

        public override void Commit(SamOptimizer o) => _active = false;

        public override void Rollback(SamOptimizer o) => _active = false;
    }

    /// <summary>GCSAM: the gradient centralized per output unit (first-dimension row) for tensors of rank ≥ 2.</summary>
    private sealed class Gcsam : Plain
    {
        public override double Norms(SamOptimizer o, Parameter p, int slot, out double gradientSumOfSquares)
        {
            if (p.Shape.Count < 2)
            {
                return base.Norms(o, p, slot, out gradientSumOfSquares); // one element per output unit: nothing to centralize
            }

            float[] means = RowMeans(o, p, slot);
            int rowLength = p.Length / means.Length;
            float decay = o.PerturbationDecayFor(p);
            return decay != 0
                ? VariantKernels.CentralizedNorms<WithDecay>(p.Gradient, p.TrainedValue, decay, rowLength, means, out gradientSumOfSquares)
                : VariantKernels.CentralizedNorms<NoDecay>(p.Gradient, p.TrainedValue, decay, rowLength, means, out gradientSumOfSquares);
        }

        public override bool Perturb(SamOptimizer o, Parameter p, int slot, float scale, Span<float> y)
        {
            if (p.Shape.Count < 2)
            {
                return base.Perturb(o, p, slot, scale, y);
            }

            float[] means = RowMeans(o, p, slot);
            int rowLength = p.Length / means.Length;
            float decay = o.PerturbationDecayFor(p);
            if (decay != 0)
            {
                VariantKernels.CentralizedPerturb<WithDecay>(p.TrainedValue, p.Gradient, means, rowLength, decay, scale, y);
            }
            else
            {
                VariantKernels.CentralizedPerturb<NoDecay>(p.TrainedValue, p.Gradient, means, rowLength, decay, scale, y);
            }

            return false; // unchecked: the engine reads y once more
        }

        // A matrix joins the variant job: its row means and norms are computed here, in the walk (each row needs its mean
        // before its centred sum), and the job writes y = w + a·(h − μ_r) checked, over the helpers; a bias is plain SAM.
        public override unsafe bool TryPrepareJobItem(SamOptimizer o, Parameter p, int slot, ref VariantItem item)
        {
            item.Decay = o.PerturbationDecayFor(p);
            if (p.Shape.Count < 2)
            {
                item.Kind = VariantItemKind.Plain;
                return true;
            }

            float[] means = RowMeans(o, p, slot);
            item.Direction = Norms(o, p, slot, out item.GradientSumOfSquares);
            item.Kind = VariantItemKind.Centralized;
            item.RowLength = p.Length / means.Length;
            item.Means = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(means)); // pinned (RowMeans)
            return true;
        }

        // On the pinned heap: the variant job's helpers read the means through a pointer.
        private static float[] RowMeans(SamOptimizer o, Parameter p, int slot) =>
            o.PerturbStateFor(p, slot).RowMeans ??= GC.AllocateArray<float>(p.Shape[0], pinned: true);
    }
}
