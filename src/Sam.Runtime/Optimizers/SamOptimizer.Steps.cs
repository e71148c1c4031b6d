using System;

namespace Sam;

// Whole steps from a loss callback: the SAM step, and m-sharpness. Generated models forward their typed
// SharpnessAwareStep / MSharpnessStep members here with the model as the callback's first argument.
public sealed partial class SamOptimizer
{
    /// <summary>
    /// One whole SAM step, like PyTorch's <c>optimizer.step(closure)</c>: zero the gradients, compute them,
    /// perturb, zero, compute them at the perturbed point, restore and step. When <see cref="SamStepDue"/> is
    /// false (periodic SAM between SAM steps, switching's first steps) it takes the base optimizer's step instead
    /// and calls the callback once. If the callback throws, the weights and state are restored before the
    /// exception propagates.
    /// </summary>
    /// <param name="lossAndGradients">Computes the loss and adds the gradients into the parameters, reading the weights through <see cref="Parameter.Value"/>.</param>
    /// <returns>The loss at the trained weights; <see cref="LastStep"/> has the rest.</returns>
    public float SharpnessAwareStep(Func<float> lossAndGradients)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        return SharpnessAwareStep(lossAndGradients, static f => f());
    }

    /// <summary>
    /// One whole SAM step with a state argument (a batch, say), so a static lambda allocates nothing per step.
    /// </summary>
    /// <typeparam name="TState">The callback's state; a ref struct is fine.</typeparam>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="lossAndGradients">Computes the loss and adds the gradients at the weights the parameters show.</param>
    /// <returns>The loss at the trained weights.</returns>
    public float SharpnessAwareStep<TState>(TState state, Func<TState, float> lossAndGradients)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        return SharpnessAwareStep(lossAndGradients, state, static (f, s) => f(s));
    }

    /// <summary>
    /// One whole SAM step whose callback receives a model and a state: what a generated model's
    /// <c>SharpnessAwareStep</c> calls with itself as <paramref name="model"/>.
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TState">The callback's state; a ref struct is fine.</typeparam>
    /// <param name="model">Passed to the callback.</param>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="lossAndGradients">Computes the loss and adds the gradients at the weights the parameters show.</param>
    /// <returns>The loss at the trained weights.</returns>
    public float SharpnessAwareStep<TModel, TState>(TModel model, TState state, Func<TModel, TState, float> lossAndGradients)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        ThrowIfBusy(nameof(SharpnessAwareStep));
        ThrowIfPerturbed(nameof(SharpnessAwareStep));
        _busy = true;
        try
        {
            ZeroGradients();
            float loss = lossAndGradients(model, state);
            if (!SamStepDue || !PerturbCore())
            {
                StepCore();
                RecordLosses(loss, double.NaN);
                return loss;
            }

            float perturbedLoss;
            try
            {
                ZeroGradients();
                perturbedLoss = lossAndGradients(model, state);
            }
            catch
            {
                AbandonStep();
                throw;
            }

            StepCore();
            RecordLosses(loss, perturbedLoss);
            return loss;
        }
        finally
        {
            _busy = false;
        }
    }

    /// <summary>
    /// One m-sharpness step (Foret et al. 2021, §4.1): the batch is split in m parts; for each part j the
    /// gradients are zeroed and computed, the weights perturbed along them, the gradients computed at that
    /// perturbed point and added to a running sum; then the base optimizer steps once with sum / m. When
    /// <see cref="SamStepDue"/> is false the parts' gradients at the trained weights are averaged instead (one
    /// callback per part). The running sums are allocated on the first call.
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TState">The callback's state; a ref struct is fine.</typeparam>
    /// <param name="parts">m ≥ 1.</param>
    /// <param name="model">Passed to the callback (a generated model passes itself).</param>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="lossAndGradients">Computes part j's loss and adds its gradients at the weights the parameters show.</param>
    /// <returns>The mean of the parts' losses at the trained weights.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parts"/> is below 1.</exception>
    /// <exception cref="NonFiniteGradientException">A gradient of any part holds NaN or ±∞; the weights and state are as they were.</exception>
    /// <remarks>
    /// Each part's perturbation uses the configured variant; VaSSO's and Friendly SAM's averages are updated once
    /// per part (and put back if the step fails). GSAM's correction needs one perturbation per step and is not
    /// applied here (each part is plain SAM).
    /// </remarks>
    public float MSharpnessStep<TModel, TState>(int parts, TModel model, TState state, Func<TModel, TState, int, float> lossAndGradients)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        ArgumentOutOfRangeException.ThrowIfLessThan(parts, 1);
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
            for (int part = 0; part < parts; part++)
            {
                ZeroGradients();
                loss += lossAndGradients(model, state, part);
                if (sam)
                {
                    PerturbCore();
                    try
                    {
                        ZeroGradients();
                        perturbedLoss += lossAndGradients(model, state, part);
                    }
                    finally
                    {
                        ShowTrained();
                    }
                }

                var accumulate = new PartVisitor(this, part);
                _source.VisitParameters(ref accumulate);
            }

            var average = new AverageVisitor(this, 1f / parts);
            _source.VisitParameters(ref average);
            _accumulatedSamStep = sam;
            StepCore();
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
            _busy = false;
        }

        RecordLosses(loss / parts, sam ? perturbedLoss / parts : double.NaN);
        return (float)(loss / parts);
    }

    /// <summary>m-sharpness over the optimizer's own parameters: <see cref="MSharpnessStep{TModel, TState}"/> without a model argument.</summary>
    /// <typeparam name="TState">The callback's state.</typeparam>
    /// <param name="parts">m ≥ 1.</param>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="lossAndGradients">Computes part j's loss and adds its gradients.</param>
    /// <returns>The mean of the parts' losses at the trained weights.</returns>
    public float MSharpnessStep<TState>(int parts, TState state, Func<TState, int, float> lossAndGradients)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        return MSharpnessStep(parts, lossAndGradients, state, static (f, s, part) => f(s, part));
    }

    // Part 0's gradient is copied into a per-parameter running sum, later parts are added in part order, so the
    // result does not depend on who drives the parts.
    private struct PartVisitor(SamOptimizer owner, int part) : ISamParameterVisitor
    {
        private int _slot;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            ParameterState state = owner.StateFor(parameter, _slot++);
            float[]? sum = state.PartSum;
            if (sum is null || sum.Length != parameter.Length)
            {
                state.PartSum = sum = new float[parameter.Length];
            }

            if (part == 0)
            {
                parameter.Gradient.CopyTo(sum);
            }
            else
            {
                Kernels.SamKernels.AddScaled(sum, parameter.Gradient, 1f, sum);
            }
        }
    }

    private struct AverageVisitor(SamOptimizer owner, float inverseParts) : ISamParameterVisitor
    {
        private int _slot;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed) =>
            Kernels.VariantKernels.ScaleInto(owner.StateFor(parameter, _slot++).PartSum, inverseParts, parameter.Gradient);
    }
}
