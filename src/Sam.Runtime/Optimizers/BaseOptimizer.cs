using System;
using Sam.Kernels;

namespace Sam;

/// <summary>
/// The optimizer SAM wraps: it takes the step from the trained weights with the gradient measured at the
/// perturbed point. Implementations are provided by the runtime (<see cref="Sgd"/>).
/// </summary>
public abstract class BaseOptimizer
{
    private double _learningRate;

    private protected BaseOptimizer(double learningRate)
    {
        LearningRate = learningRate;
    }

    /// <summary>The learning rate η (&gt; 0, finite). Settable between steps, for schedules.</summary>
    public double LearningRate
    {
        get => _learningRate;
        set
        {
            if (!SamRanges.Positive(value) || !SamRanges.FitsSingle(value, positive: true))
            {
                throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The learning rate must be positive, finite and representable in single precision (the kernels compute in float: at most 3.4028235E+38, not rounding to 0).");
            }

            _learningRate = value;
        }
    }

    /// <summary>Whether this optimizer keeps a momentum-like state (outside the convergence analyses of plain SAM).</summary>
    public abstract bool HasMomentum { get; }

    /// <summary>The weight decay λ (L2 or decoupled); what <see cref="SamSettings.PerturbWeightDecay"/> adds to the perturbation gradient.</summary>
    public abstract double WeightDecay { get; }

    /// <summary>
    /// Sets the learning rate a schedule computed: like <see cref="LearningRate"/> but 0 is allowed (a cosine
    /// schedule reaches its floor), so a schedule never makes a step throw.
    /// </summary>
    /// <param name="value">η_t ≥ 0, finite.</param>
    internal void SetScheduledLearningRate(double value) =>
        _learningRate = double.IsFinite(value) && value >= 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The scheduled learning rate must be finite and non-negative.");

    /// <summary>
    /// Prepares one parameter's step into second buffers on the calling thread: the coefficients, the spare state
    /// buffers (allocated on first need) and the state pointers of <paramref name="item"/>. Writes no live state.
    /// </summary>
    /// <param name="state">The parameter's optimizer state.</param>
    /// <param name="length">The parameter's element count.</param>
    /// <param name="gradientScale">Multiplier of the gradient (clipping); 1 otherwise.</param>
    /// <param name="rates">The learning rate and weight decay of this parameter (the optimizer's, or its group's).</param>
    /// <param name="item">Receives the kind, coefficients and state pointers (weights and gradient are the caller's).</param>
    internal abstract unsafe void PrepareStep(ParameterState state, int length, float gradientScale, in StepRates rates, ref StepItem item);

    /// <summary>The whole step succeeded: the prepared outputs become the state (a flip of buffers) and the step is counted.</summary>
    /// <param name="state">The parameter's optimizer state.</param>
    internal abstract void CommitStep(ParameterState state);

    /// <summary>
    /// Names what made element <paramref name="index"/> of a prepared step non-finite (the learning rate, the weight
    /// decay, the gradient's magnitude), recomputing the element's formula one operation at a time. Not on the hot path.
    /// </summary>
    /// <param name="item">The prepared step.</param>
    /// <param name="index">An element whose result is non-finite while its inputs are finite.</param>
    /// <param name="rates">The learning rate and weight decay the step used (a parameter group's own, if it has them).</param>
    /// <param name="group">The parameter's group, named in the advice when its own value of the option was used.</param>
    /// <returns>A clause for the exception message.</returns>
    internal abstract unsafe string DescribeOverflow(in StepItem item, int index, StepRates rates, ParameterGroup? group);

    /// <summary>" (of parameter group 'name')" after the options to lower, when the group's own value of one was used.</summary>
    private protected static string Of(ParameterGroup? group, bool learningRate, bool weightDecay) =>
        group is not null && ((learningRate && group.LearningRate is not null) || (weightDecay && group.WeightDecay is not null))
            ? $" (of parameter group '{group.Name}')"
            : "";

    /// <summary>Formats a number for a message.</summary>
    private protected static string F(double v) => v.ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A short description for doc comments and telemetry, e.g. "SGD(lr=0.1, momentum=0.9)".</summary>
    /// <returns>The description.</returns>
    public abstract override string ToString();
}
