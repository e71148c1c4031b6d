using System;
using Sam.Kernels;

namespace Sam;

// Gradient accumulation and dynamic loss scaling: the one step loop every whole-step method runs. Both change the
// gradients the backward passes left by one factor, 1/(k·S) for k micro-batches and loss scale S; that division is
// done in place inside the checking pass of each phase (the walk that already reads every gradient for its norm
// and finiteness), so the rules, kernels and variants downstream see the gradient of the mean loss as usual.
public sealed partial class SamOptimizer
{
    private LossScaler? _lossScaler;
    private float _gradientMultiplier = 1f;   // 1/(k·S) while a step runs; 1 otherwise
    private bool _overflowSkips;              // a non-finite gradient skips the step instead of throwing (scaler on)
    private bool _overflowed;                 // set by a checking pass when it found one
    private double _lossScaleInUse = 1;
    private int _microBatchesInUse = 1;
    private bool _gradientsAveraged;          // m-sharpness: the gradients are the parts' average, not the backward's
    private bool _perturbationDeclined;       // AE-SAM declined: the perturbed parameters' gradients are loaded and divided
    private bool _gradientsPreloaded;         // loaded before the gradient reducer ran: the checking pass must not reload

    /// <summary>
    /// Dynamic loss scaling for float16 gradients (null: none, the default). With a scaler, each callback of a
    /// whole step multiplies its loss by <see cref="LossScale"/> before its backward pass; the step divides the
    /// gradients by it once per pass, and a gradient holding ±∞ or NaN in either pass skips the step (weights and
    /// optimizer state as they were, <see cref="SamStepInfo.Overflow"/> set) instead of throwing
    /// <see cref="NonFiniteGradientException"/>, then the scaler backs off. Saved with the optimizer state.
    /// </summary>
    /// <remarks>
    /// The phase methods (<see cref="Perturb"/>, <see cref="RestoreAndStep"/>, <see cref="BaseStep()"/>) cannot
    /// report a skipped step and throw while a scaler is set; use the whole-step methods.
    /// </remarks>
    /// <exception cref="InvalidOperationException">Set while the weights are perturbed or a step runs.</exception>
    public LossScaler? LossScaler
    {
        get => _lossScaler;
        set
        {
            ThrowIfBusy(nameof(LossScaler));
            ThrowIfPerturbed(nameof(LossScaler));
            _lossScaler = value;
            if (value is not null && _loadedScaler is { } saved)
            {
                value.Load(saved.Scale, saved.GoodSteps, 0);
                _loadedScaler = null;
            }
        }
    }

    /// <summary>The factor a whole step's callbacks multiply their loss by before the backward pass: the scaler's scale, or 1 without one.</summary>
    public float LossScale => _lossScaler?.Scale ?? 1f;

    /// <summary>
    /// One SAM step with gradient accumulation: at the trained weights the callback runs for micro-batches
    /// 0 … k − 1, each adding its gradients, the perturbation follows the accumulated gradient of all k, then the
    /// same k callbacks run at the perturbed point and the base optimizer steps. Equal, up to float rounding, to
    /// <see cref="SharpnessAwareStep{TModel, TState}(TModel, TState, Func{TModel, TState, float})"/> on the union
    /// of the micro-batches.
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TState">The callback's state; a ref struct is fine.</typeparam>
    /// <param name="microBatches">k ≥ 1.</param>
    /// <param name="model">Passed to the callback (a generated model passes itself).</param>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="lossAndGradients">Computes micro-batch i's mean loss and adds its gradients at the weights the parameters show.</param>
    /// <returns>The mean of the micro-batches' losses at the trained weights.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="microBatches"/> is below 1.</exception>
    /// <remarks>
    /// Each callback returns and differentiates the mean loss of its own micro-batch, as for a whole batch; the
    /// engine divides the summed gradient by k (inside its checking pass), so the step sees the mean over the k
    /// micro-batches: the big batch's mean loss when they are equally large. With unequal micro-batches of nᵢ
    /// examples out of N, scale micro-batch i's loss by k·nᵢ/N. Allocation-free. There is deliberately no overload
    /// without the model argument: <c>(int, TState, Func&lt;TState, int, float&gt;)</c> would be ambiguous with
    /// <c>SharpnessAwareStep(model, state, (model, state) =&gt; …)</c> for lambdas that bind either way; pass any
    /// object (the optimizer itself, say) as <paramref name="model"/>. Generated models have
    /// <c>SharpnessAwareStep(microBatches, state, (model, state, i) =&gt; …)</c>.
    /// </remarks>
    public float SharpnessAwareStep<TModel, TState>(int microBatches, TModel model, TState state, Func<TModel, TState, int, float> lossAndGradients)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        var losses = new MicroBatchLosses<TModel, TState>(model, state, lossAndGradients);
        return WholeStep(microBatches, ref losses, baseOnly: false);
    }

    /// <summary>
    /// m-sharpness with gradient accumulation: each of the m parts is computed as k micro-batches (the callback's
    /// index is part·k + micro-batch), accumulated before the part's perturbation and again at its perturbed
    /// point. Equal, up to float rounding, to <see cref="MSharpnessStep{TModel, TState}(int, TModel, TState, Func{TModel, TState, int, float})"/>
    /// with each part the union of its k micro-batches.
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TState">The callback's state; a ref struct is fine.</typeparam>
    /// <param name="parts">m ≥ 1.</param>
    /// <param name="microBatches">k ≥ 1 per part.</param>
    /// <param name="model">Passed to the callback.</param>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="lossAndGradients">Computes micro-batch (part·k + j)'s mean loss and adds its gradients.</param>
    /// <returns>The mean of all micro-batches' losses at the trained weights.</returns>
    public float MSharpnessStep<TModel, TState>(int parts, int microBatches, TModel model, TState state, Func<TModel, TState, int, float> lossAndGradients)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        var losses = new MicroBatchLosses<TModel, TState>(model, state, lossAndGradients);
        return PartsStep(parts, microBatches, ref losses);
    }

    /// <summary>
    /// Brings the gradient the backward passes left into the parameter's span (a low-precision storage converts it)
    /// and divides it by k·S in place, in the checking pass that is about to read it.
    /// </summary>
    private void UnscaleGradient(Parameter parameter, bool perturbed)
    {
        if (_gradientsAveraged || (perturbed && _perturbationDeclined))
        {
            // m-sharpness wrote the step's gradient from the running sums, already divided; or AE-SAM declined the
            // perturbation after its norm pass had loaded and divided the perturbed parameters' gradients.
            return;
        }

        if (!_gradientsPreloaded)
        {
            parameter.LoadGradient();
        }

        if (_gradientMultiplier != 1f)
        {
            Span<float> g = parameter.Gradient;
            VariantKernels.ScaleInto(g, _gradientMultiplier, g);
        }
    }

    /// <summary>
    /// With a gradient reducer, the gradients the backward passes left are loaded into the spans before the reducer
    /// reads them (a bfloat16 storage's span would otherwise hold the previous step's gradient); the checking pass
    /// then divides the reduced gradient without reloading it. Without a reducer nothing happens here: the checking
    /// pass loads each gradient in the walk that reads it.
    /// </summary>
    private void PreloadGradients(bool perturbedOnly)
    {
        _gradientsPreloaded = false;
        if (_reducer is null || _gradientsAveraged)
        {
            return;
        }

        var load = new LoadGradientVisitor(perturbedOnly);
        _source.VisitParameters(ref load);
        _gradientsPreloaded = true;
    }

    /// <summary>Called by a checking pass on a non-finite gradient: true when the scaler skips the step instead of throwing.</summary>
    private bool SkipsOverflow()
    {
        _overflowed |= _overflowSkips;
        return _overflowSkips;
    }

    private void ThrowIfScaled(string operation)
    {
        if (_lossScaler is not null)
        {
            throw new InvalidOperationException(
                $"{operation}() cannot skip a step on a float16 overflow while a LossScaler is set; use SharpnessAwareStep (or MSharpnessStep), which scale, check and skip both passes.");
        }
    }

    private void BeginScaledStep(int microBatches)
    {
        float scale = LossScale;
        _gradientMultiplier = microBatches == 1 ? 1f / scale : (float)(1.0 / ((double)microBatches * scale));
        _overflowSkips = _lossScaler is not null;
        _overflowed = false;
        _lossScaleInUse = scale;
        _microBatchesInUse = microBatches;
    }

    private void EndScaledStep()
    {
        _gradientMultiplier = 1f;
        _overflowSkips = false;
        _overflowed = false;
        _gradientsAveraged = false;
        _perturbationDeclined = false;
        _gradientsPreloaded = false;
        _lossScaleInUse = 1;
        _microBatchesInUse = 1;
    }

    // The whole SAM step (or the base step alone): every SharpnessAwareStep overload and the functional BaseStep.
    internal float WholeStep<TLosses>(int microBatches, ref TLosses losses, bool baseOnly)
        where TLosses : IMicroBatchLosses, allows ref struct
    {
        string name = baseOnly ? nameof(BaseStep) : nameof(SharpnessAwareStep);
        ThrowIfBusy(name);
        ThrowIfPerturbed(name);
        _busy = true; // a phase called from the callback throws
        try
        {
            BeginScaledStep(microBatches);
            ZeroGradients();
            float loss = Evaluate(ref losses, 0, microBatches);
            if (baseOnly || !SamStepDue)
            {
                StepCore();
                return Finish(loss, double.NaN, SamPhase.Step);
            }

            if (!PerturbCore())
            {
                if (_overflowed)
                {
                    return Finish(loss, double.NaN, SamPhase.Perturbation);
                }

                // AE-SAM declined: the base step on this gradient, whose perturbed parameters are already divided.
                _perturbationDeclined = true;
                StepCore();
                return Finish(loss, double.NaN, SamPhase.Step);
            }

            float perturbedLoss;
            try
            {
                ZeroGradients();
                perturbedLoss = Evaluate(ref losses, 0, microBatches);
            }
            catch
            {
                AbandonStep();
                throw;
            }

            StepCore();
            return Finish(loss, perturbedLoss, SamPhase.Step);
        }
        finally
        {
            EndScaledStep();
            _busy = false;
        }
    }

    // m-sharpness: m perturbations per step, each from its part's (accumulated) gradient; their gradients at the
    // perturbed points are averaged into the running sums, already divided by k·S, and the base optimizer steps once.
    internal float PartsStep<TLosses>(int parts, int microBatches, ref TLosses losses)
        where TLosses : IMicroBatchLosses, allows ref struct
    {
        ThrowIfBusy(nameof(MSharpnessStep));
        ThrowIfPerturbed(nameof(MSharpnessStep));
        if (_settings.StepPolicy == SamStepPolicy.Adaptive)
        {
            throw new NotSupportedException("MSharpnessStep does not support the adaptive SAM policy (AE-SAM decides from one gradient, m-sharpness has m); use SharpnessAwareStep, or the periodic or random policy.");
        }

        bool sam = SamStepDue;
        double loss = 0, perturbedLoss = 0;
        _busy = true;
        try
        {
            BeginScaledStep(microBatches);
            float multiplier = _gradientMultiplier;
            for (int part = 0; part < parts; part++)
            {
                ZeroGradients();
                loss += Evaluate(ref losses, part * microBatches, microBatches);
                if (sam)
                {
                    if (!PerturbCore())
                    {
                        // Only an overflow declines here (the adaptive policy is refused above).
                        _rule.Rollback(this); // the earlier parts' perturbations updated variant state
                        DiscardPolicy();
                        return Finish((float)(loss / (part + 1)), double.NaN, SamPhase.Perturbation);
                    }

                    try
                    {
                        ZeroGradients();
                        perturbedLoss += Evaluate(ref losses, part * microBatches, microBatches);
                    }
                    finally
                    {
                        ShowTrained();
                    }
                }

                var accumulate = new PartVisitor(this, part, multiplier);
                _source.VisitParameters(ref accumulate);
            }

            var average = new AverageVisitor(this, 1f / parts);
            _source.VisitParameters(ref average);
            _accumulatedSamStep = sam;
            _gradientsAveraged = true; // the sums are already divided by k·S; the step pass still checks them
            StepCore();
            return Finish((float)(loss / parts), sam ? perturbedLoss / parts : double.NaN, SamPhase.Step);
        }
        catch
        {
            _rule.Rollback(this);
            DiscardPolicy();
            throw;
        }
        finally
        {
            _accumulatedSamStep = false;
            EndScaledStep();
            _busy = false;
        }
    }

    // k = 1 returns the callback's own float, so the single-batch step is bit-identical to what it always was.
    private static float Evaluate<TLosses>(ref TLosses losses, int first, int count)
        where TLosses : IMicroBatchLosses, allows ref struct
    {
        if (count == 1)
        {
            return losses.Evaluate(first);
        }

        double sum = 0;
        for (int i = 0; i < count; i++)
        {
            sum += losses.Evaluate(first + i);
        }

        return (float)(sum / count);
    }

    // After the step pass (or a skip): telemetry, and the scaler's update once per step.
    private float Finish(float loss, double perturbedLoss, SamPhase phase)
    {
        if (_overflowed)
        {
            LastStep = new SamStepInfo
            {
                Step = StepCount,
                Rho = 0,
                GradientNorm = double.NaN,
                PerturbationNorm = 0,
                PerturbedGradientNorm = double.NaN,
                Loss = loss,
                PerturbedLoss = perturbedLoss,
                LearningRate = BaseOptimizer.LearningRate,
                SamSteps = _samSteps,
                GradientScale = 1,
                LossScale = _lossScaleInUse,
                MicroBatches = _microBatchesInUse,
                Overflow = phase,
            };
            _lossScaler!.Update(overflow: true);
            return loss;
        }

        _lossScaler?.Update(overflow: false);
        RecordLosses(loss, perturbedLoss);
        return loss;
    }

    // Part 0's gradient is copied (divided by k·S) into a per-parameter running sum, later parts are added in part
    // order, so the result does not depend on who drives the parts.
    private struct PartVisitor(SamOptimizer owner, int part, float multiplier) : ISamParameterVisitor
    {
        private int _slot;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            ParameterState state = owner.StateFor(parameter, _slot++);
            parameter.LoadGradient(); // the gradient at the part's perturbed point (or weights), not yet read by a checking pass
            float[]? sum = state.PartSum;
            if (sum is null || sum.Length != parameter.Length)
            {
                state.PartSum = sum = new float[parameter.Length];
            }

            if (part == 0)
            {
                if (multiplier == 1f)
                {
                    parameter.Gradient.CopyTo(sum);
                }
                else
                {
                    VariantKernels.ScaleInto(parameter.Gradient, multiplier, sum);
                }
            }
            else
            {
                SamKernels.AddScaled(sum, parameter.Gradient, multiplier, sum);
            }
        }
    }

    private readonly struct LoadGradientVisitor(bool perturbedOnly) : ISamParameterVisitor
    {
        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            if (perturbed || !perturbedOnly)
            {
                parameter.LoadGradient();
            }
        }
    }

    private struct AverageVisitor(SamOptimizer owner, float inverseParts) : ISamParameterVisitor
    {
        private int _slot;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed) =>
            VariantKernels.ScaleInto(owner.StateFor(parameter, _slot++).PartSum, inverseParts, parameter.Gradient);
    }
}

/// <summary>The losses of one step's micro-batches, by index (a struct, so the step loop is specialised and allocation-free).</summary>
internal interface IMicroBatchLosses
{
    /// <summary>Computes micro-batch <paramref name="index"/>'s loss and adds its gradients.</summary>
    float Evaluate(int index);
}

/// <summary>A callback indexed by micro-batch.</summary>
internal ref struct MicroBatchLosses<TModel, TState>(TModel model, TState state, Func<TModel, TState, int, float> callback) : IMicroBatchLosses
    where TState : allows ref struct
{
    private readonly TModel _model = model;
    private readonly TState _state = state;

    public readonly float Evaluate(int index) => callback(_model, _state, index);
}

/// <summary>A whole-batch callback: the one-micro-batch step every SharpnessAwareStep overload runs.</summary>
internal ref struct WholeBatchLoss<TModel, TState>(TModel model, TState state, Func<TModel, TState, float> callback) : IMicroBatchLosses
    where TState : allows ref struct
{
    private readonly TModel _model = model;
    private readonly TState _state = state;

    public readonly float Evaluate(int index) => callback(_model, _state);
}
