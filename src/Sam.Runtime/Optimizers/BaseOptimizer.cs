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
            if (!double.IsFinite(value) || value <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(LearningRate), value, "The learning rate must be positive and finite.");
            }

            _learningRate = value;
        }
    }

    /// <summary>Whether this optimizer keeps a momentum-like state (outside the convergence analyses of plain SAM).</summary>
    public abstract bool HasMomentum { get; }

    /// <summary>Steps one parameter's trained weights with its current gradient.</summary>
    /// <param name="parameter">The parameter (its trained buffer is updated).</param>
    /// <param name="state">The parameter's optimizer state.</param>
    /// <param name="gradientScale">Multiplier of the gradient (clipping); 1 otherwise.</param>
    internal abstract void Step(Parameter parameter, ParameterState state, float gradientScale);

    /// <summary>A short description for doc comments and telemetry, e.g. "SGD(lr=0.1, momentum=0.9)".</summary>
    /// <returns>The description.</returns>
    public abstract override string ToString();
}
