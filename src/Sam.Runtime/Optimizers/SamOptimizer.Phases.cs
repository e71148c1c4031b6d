using System;
using Sam.Kernels;

namespace Sam;

// The phases, each two walks over the parameter source at most: a read-only checking pass (norms, finiteness,
// state binding, the twice-reached check) and a writing pass. The walks are struct visitors, so the JIT
// specialises the source's walk for each and nothing is boxed or allocated.
public sealed partial class SamOptimizer
{
    /// <summary>Sets the gradient of every trained parameter to zero (backward passes accumulate into it).</summary>
    public void ZeroGradients()
    {
        var zero = default(ZeroVisitor);
        _source.VisitParameters(ref zero);
    }

    /// <summary>
    /// Moves the perturbed parameters to w + ρ_t·d/‖d‖ (or w + ρ_t·d without normalization), d being the variant's
    /// direction (the gradient for SAM), using the gradients they hold; a zero direction does not move them. The
    /// trained weights are kept: compute the gradients again, then call <see cref="RestoreAndStep"/>.
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">The weights are already perturbed, a required member is null, or a SAM step is running.</exception>
    /// <remarks>
    /// With the adaptive policy (AE-SAM) the perturbation may decline: the weights stay where they are and
    /// <see cref="IsPerturbed"/> is false; skip the second gradient and call <see cref="RestoreAndStep"/>.
    /// </remarks>
    public void Perturb()
    {
        ThrowIfBusy(nameof(Perturb));
        ThrowIfScaled(nameof(Perturb));
        PerturbCore();
    }

    /// <summary>
    /// Returns every parameter to its trained weights without stepping (a flip of buffers, no copy). The step is
    /// abandoned: variant state the perturbation updated (VaSSO's d, Friendly SAM's m) returns to what it was.
    /// </summary>
    public void Restore()
    {
        ThrowIfBusy(nameof(Restore));
        AbandonStep();
    }

    /// <summary>
    /// Restores the trained weights (if perturbed) and takes the base optimizer's step with the gradients now held
    /// (those measured at the perturbed point), in one fused pass per parameter. Without a perturbation it is a
    /// plain base step.
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; the weights were restored and not stepped, the state is unchanged.</exception>
    public void RestoreAndStep()
    {
        ThrowIfBusy(nameof(RestoreAndStep));
        ThrowIfScaled(nameof(RestoreAndStep));
        StepCore();
    }

    /// <summary>The base optimizer's step alone, from the gradients held (warm-up, or between periodic SAM steps).</summary>
    /// <exception cref="InvalidOperationException">The weights are perturbed: call <see cref="RestoreAndStep"/> instead.</exception>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; nothing was changed.</exception>
    public void BaseStep()
    {
        ThrowIfBusy(nameof(BaseStep));
        ThrowIfScaled(nameof(BaseStep));
        ThrowIfPerturbed(nameof(BaseStep));
        StepCore();
    }

    private void ThrowIfBusy(string operation)
    {
        if (_busy)
        {
            throw new InvalidOperationException($"{operation}() was called from inside a SAM step's callback; the callback computes the loss and gradients only, the step does the rest.");
        }
    }

    // False when the adaptive policy declines the SAM step after the norm pass: nothing was written.
    private bool PerturbCore()
    {
        if (IsPerturbed)
        {
            throw new InvalidOperationException("The weights are already perturbed: call Restore() or RestoreAndStep() before perturbing again.");
        }

        ThrowIfPolicyCannotReduce();
        Prefetch();
        PreloadGradients(perturbedOnly: true);
        _reducer?.Reduce(this, SamPhase.Perturbation);
        _pass++;
        _currentRho = CurrentRho;
        _gradientSumOfSquares = 0;
        _perturbationId++;
        _perturbCount = 0;
        _perturbJob.Clear();
        _variantJob.Clear();
        var norms = new PerturbNormVisitor(this, _rule.PerturbsAlongGradient(this));
        _source.VisitParameters(ref norms);
        PerturbationStreams = StepKernels.Streaming && norms.Elements >= SamKernels.PhaseNonTemporalThreshold;
        (double direction, _gradientSumOfSquares) = PerturbationNorms();
        if (_overflowed)
        {
            return false; // the loss scaler's step skips: nothing was written (SamOptimizer.Accumulation.cs)
        }

        if (!AcceptPerturbation(_gradientSumOfSquares))
        {
            return false;
        }

        float scale = PerturbationScale(direction);
        _rule.BeginPerturb(this);
        var perturb = new PerturbVisitor(this, scale);
        try
        {
            if (_perturbJob.Count + _variantJob.Count < _perturbCount)
            {
                _source.VisitParameters(ref perturb); // the parameters outside the jobs (the walk skips the others)
            }

            PerturbInJob(scale);
        }
        catch
        {
            AbandonStep();
            throw;
        }

        IsPerturbed = true;
        return true;
    }

    // Shows the trained weights again and undoes what the abandoned step's perturbations did to variant state.
    private void AbandonStep()
    {
        ShowTrained();
        _rule.Rollback(this);
        DiscardPolicy();
    }

    // The parameters the perturbation moved are remembered, so showing the trained weights again needs no walk:
    // it cannot fail on a member that became null, and it touches only what was perturbed.
    private void ShowTrained()
    {
        for (int i = 0; i < _perturbedCount; i++)
        {
            _perturbedParameters[i]!.ShowTrained();
            _perturbedParameters[i] = null;
        }

        _perturbedCount = 0;
        IsPerturbed = false;
    }

    private void RecordPerturbed(Parameter parameter)
    {
        if (_perturbedCount == _perturbedParameters.Length)
        {
            Array.Resize(ref _perturbedParameters, Math.Max(4, _perturbedCount * 2));
        }

        _perturbedParameters[_perturbedCount++] = parameter;
    }

    // The step: an optional read-only pass over g′ (GSAM's products, clipping's norm), then one walk that collects
    // every parameter and one job that writes each new weight and state into second buffers while it sums g′² and
    // checks the results; the buffers are flipped only when every gradient and every result is finite, so a failed
    // step changes nothing. Without the read-only pass the step moves 36 B per SAM + SGD-momentum parameter.
    private void StepCore()
    {
        _pass++;
        try
        {
            // Data-parallel training sums g′ across ranks before anything reads it.
            Prefetch();
            PreloadGradients(perturbedOnly: false);
            _reducer?.Reduce(this, SamPhase.Step);
        }
        catch
        {
            AbandonStep();
            throw;
        }

        bool folded = !_rule.ReadsStepNorms && !(_settings.MaxGradientNorm > 0);
        double sumOfSquares = 0;
        double scale = 1;
        if (!folded)
        {
            var norms = new StepNormVisitor(this);
            try
            {
                BeginStepNorms();
                _source.VisitParameters(ref norms);
                sumOfSquares = FinishStepNorms();
            }
            catch
            {
                AbandonStep();
                throw;
            }

            if (_overflowed)
            {
                AbandonStep(); // the loss scaler's step skips (SamOptimizer.Accumulation.cs)
                return;
            }

            double usedSumOfSquares = sumOfSquares + _rule.StepCorrection(this, sumOfSquares);
            if (_settings.MaxGradientNorm > 0)
            {
                // PyTorch's clip_grad_norm_: scale by max/(‖u‖ + 1e-6) when that is below 1.
                double clip = _settings.MaxGradientNorm / (Math.Sqrt(usedSumOfSquares) + 1e-6);
                scale = clip < 1 ? clip : 1;
            }
        }

        double lr = ScheduledLearningRate();
        bool samStep = IsPerturbed || _accumulatedSamStep;
        BaseOptimizer.SetScheduledLearningRate(lr);
        try
        {
            _stepCount = 0;
            _stepJob.Clear();
            var step = new StepVisitor(this, folded, (float)scale);
            BeginNotingPrefetches();
            _source.VisitParameters(ref step);
            TakeNotedPrefetches();
            StreamIfLarge();
            _stepJob.Run(ref _stepKernel);
            double total = CheckStepResults(folded);
            if (_overflowed)
            {
                ForgetStep();
                AbandonStep(); // the loss scaler's step skips (SamOptimizer.Accumulation.cs)
                return;
            }

            if (folded)
            {
                sumOfSquares = total;
            }
        }
        catch
        {
            ForgetStep();
            AbandonStep();
            throw;
        }

        for (int k = 0; k < _stepCount; k++)
        {
            _stepParameters[k]!.CommitSteppedWeights();
            BaseOptimizer.CommitStep(_stepStates[k]!);
        }

        ForgetStep();
        Array.Clear(_perturbedParameters, 0, _perturbedCount);
        _perturbedCount = 0;
        LastStep = new SamStepInfo
        {
            Step = StepCount + 1,
            Rho = samStep ? _lastRho : 0,
            GradientNorm = samStep ? _gradientNorm : double.NaN,
            PerturbationNorm = samStep ? _perturbationNorm : 0,
            PerturbedGradientNorm = Math.Sqrt(sumOfSquares),
            Loss = double.NaN,
            PerturbedLoss = double.NaN,
            LearningRate = lr,
            IsSamStep = samStep,
            SamSteps = _samSteps + (samStep ? 1 : 0),
            GradientScale = scale,
            LossScale = _lossScaleInUse,
            MicroBatches = _microBatchesInUse,
        };
        IsPerturbed = false;
        _rule.Commit(this);
        CommitPolicy(samStep);
        StepCount++;
    }

    private double ScheduledLearningRate() =>
        _settings.LearningRateSchedule is { } schedule ? schedule.Evaluate(_baseLearningRate, StepCount) : BaseOptimizer.LearningRate;

    /// <summary>e = a·direction: a = ρ_t/‖direction‖ when normalized (0 for a zero direction), ρ_t otherwise.</summary>
    private float PerturbationScale(double sumOfSquares)
    {
        double norm = Math.Sqrt(sumOfSquares);
        double rho = _currentRho;
        double scale = Normalize ? (norm > 0 ? rho / norm : 0) : rho;

        // The kernels scale the direction by a float: a scale that overflows or rounds to 0 would silently turn SAM
        // into the base optimizer (or write ∞). Refuse before anything is written, naming ρ.
        float single = (float)scale;
        if (rho > 0 && norm > 0 && (!float.IsFinite(single) || single == 0))
        {
            string what = Normalize ? $"ρ/‖d‖ = {rho:G6}/{norm:G6}" : $"ρ = {rho:G6}";
            throw new ArgumentOutOfRangeException(
                nameof(Rho),
                rho,
                $"The perturbation scale {what} {(single == 0 ? "rounds to 0" : "overflows")} in single precision, so the perturbation would be {(single == 0 ? "0 (SAM would silently take the base step)" : "infinite")}; nothing was changed. Choose a Rho that keeps ρ/‖d‖ within the float range (1.4E-45 to 3.4E+38){(single == 0 ? "" : ", or scale the loss so the gradient does not vanish")}.");
        }

        _gradientNorm = Math.Sqrt(_gradientSumOfSquares);
        _perturbationNorm = scale * norm;
        _lastRho = rho;
        _perturbScale = (float)scale;
        return (float)scale;
    }

    /// <summary>
    /// Whether the perturbation in progress writes w + e with non-temporal stores: its parameters hold at least
    /// <see cref="SamKernels.PhaseNonTemporalThreshold"/> elements in all, far more than the cache (the variants' kernels
    /// read it; the plain perturbation's job decides the same way).
    /// </summary>
    internal bool PerturbationStreams { get; private set; }

    /// <summary>The scale of the perturbation in progress or last applied (0: nothing moved).</summary>
    internal float PerturbScale => _perturbScale;

    /// <summary>‖g‖² at the trained weights over the perturbed parameters, of the perturbation last applied.</summary>
    internal double GradientSumOfSquares => _gradientSumOfSquares;

    /// <summary>Numbers perturbations, so a variant can tell whether saved state belongs to the current one.</summary>
    internal long PerturbationId => _perturbationId;

    private struct ZeroVisitor : ISamParameterVisitor
    {
        public readonly void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed) =>
            parameter.ZeroGradient();
    }

    // ‖direction‖² and ‖g‖² over the perturbed parameters; binds state, writes nothing else. A parameter of the
    // plain perturbation with pinned buffers joins the perturbation job (its norm is computed with the others after
    // the walk); any other has its norms computed here. Checked finite after the walk, in visiting order.
    private struct PerturbNormVisitor(SamOptimizer owner, bool alongGradient) : ISamParameterVisitor
    {
        private int _slot;

        /// <summary>Elements of every perturbed parameter (the perturbation phase's size).</summary>
        public long Elements { get; private set; }

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            if (!perturbed)
            {
                return;
            }

            owner.Stamp(parameter, memberPath, indices);
            int slot = _slot++;
            Elements += parameter.Length;
            owner.BindPendingState(parameter, memberPath, indices, slot, perturbSlot: true);
            owner.UnscaleGradient(parameter, perturbed);
            if (alongGradient ? owner.TryAddToPerturbJob(parameter, slot) : owner.TryAddToVariantJob(parameter, slot))
            {
                return;
            }

            double direction = owner._rule.Norms(owner, parameter, slot, out double gradient);
            owner.RecordPerturbNorms(parameter, slot, direction, gradient);
        }
    }

    private struct PerturbVisitor(SamOptimizer owner, float scale) : ISamParameterVisitor
    {
        private int _slot;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            if (perturbed)
            {
                int slot = _slot++;
                if (owner.InPerturbJob(slot))
                {
                    return; // written by the job after the walk
                }

                Span<float> y = parameter.ShadowForWrite();
                if (!owner._rule.Perturb(owner, parameter, slot, scale, y))
                {
                    owner.ThrowIfPerturbationOverflowed(parameter, y, scale); // not checked by the rule, or not finite
                }
                parameter.ShowPerturbed();
                owner.RecordPerturbed(parameter);
            }
        }
    }

    // The variants write w + e in their own kernels (not the checked plain-SAM job): one read of e's result here, so a
    // perturbation that overflows (huge ρ, ASAM's |w| scaling, a tiny ‖d‖) is refused before the forward pass sees it.
    private void ThrowIfPerturbationOverflowed(Parameter parameter, ReadOnlySpan<float> y, float scale)
    {
        int at = SamKernels.IndexOfNonFinite(y);
        if (at < 0)
        {
            return;
        }

        throw PerturbationOverflow(parameter, $"the perturbed weight w + e overflows at element {at} (weight {parameter.Value[at]:G6}, gradient {parameter.Gradient[at]:G6}, scale {scale:G6}, ρ = {_currentRho:G6}); lower Rho");    }

    private static NonFiniteGradientException PerturbationOverflow(Parameter parameter, string cause) =>
        new(parameter.VisitedPath, parameter.Name, -1, float.PositiveInfinity, SamPhase.Perturbation, cause);

    // ‖g′‖² over every trained parameter (and the variant's products, e.g. GSAM's g·g′): collects the step's norm job,
    // which FinishStepNorms runs and checks (SamOptimizer.StepNormJob.cs).
    private struct StepNormVisitor(SamOptimizer owner) : ISamParameterVisitor
    {
        private int _slot;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            owner.Stamp(parameter, memberPath, indices);
            int slot = _slot++;
            owner.BindPendingState(parameter, memberPath, indices, slot, perturbSlot: false);
            owner.UnscaleGradient(parameter, perturbed);
            owner.AddStepNorms(parameter, slot);
        }
    }

    // Collects every trained parameter for the step job: shows its trained weights, prepares its base step into the
    // second buffers. With the g′ check folded into the step, this walk is also the checked walk (stamps, state binding).
    private struct StepVisitor(SamOptimizer owner, bool folded, float gradientScale) : ISamParameterVisitor
    {
        private int _slot;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            int slot = _slot++;
            if (folded)
            {
                owner.Stamp(parameter, memberPath, indices);
                owner.BindPendingState(parameter, memberPath, indices, slot, perturbSlot: false);
                owner.UnscaleGradient(parameter, perturbed);
            }

            owner.NotePrefetch(parameter.Storage);
            parameter.ShowTrainedForStep(); // finished by the commit, or by AbandonStep when the step fails
            ParameterState state = owner.StateFor(parameter, slot);
            ReadOnlySpan<float> gradient = owner._rule.StepGradient(owner, parameter, state);
            owner.AddStep(parameter, state, gradient, gradientScale, folded);
        }
    }
}
