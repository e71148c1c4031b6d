using System;

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

    /// <summary>Steps one parameter's trained weights with a gradient, in one fused pass.</summary>
    /// <param name="weights">The trained weights, updated in place.</param>
    /// <param name="gradient">The gradient to step with (the parameter's, or GSAM's combined direction).</param>
    /// <param name="state">The parameter's optimizer state.</param>
    /// <param name="gradientScale">Multiplier of the gradient (clipping); 1 otherwise.</param>
    /// <param name="rates">The learning rate and weight decay of this parameter (the optimizer's, or its group's).</param>
    internal abstract void Step(Span<float> weights, ReadOnlySpan<float> gradient, ParameterState state, float gradientScale, in StepRates rates);

    /// <summary>A short description for doc comments and telemetry, e.g. "SGD(lr=0.1, momentum=0.9)".</summary>
    /// <returns>The description.</returns>
    public abstract override string ToString();
}
