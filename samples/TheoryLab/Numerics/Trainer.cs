using System;
using Sam;
using TheoryLab.Problems;

namespace TheoryLab.Numerics;

/// <summary>
/// One weight vector trained by the product's own <see cref="SamOptimizer"/> over a single <see cref="Parameter"/>,
/// with the gradient of a small hand-written objective. Schedules set <see cref="Rho"/> and
/// <see cref="LearningRate"/> before each step, exactly as a user would through <see cref="SamOptimizer"/>.
/// </summary>
public sealed class Trainer
{
    private readonly IObjective _objective;
    private readonly IStochasticObjective? _stochastic;
    private readonly float[] _noise;
    private int _component;

    /// <summary>Creates the trainer.</summary>
    /// <param name="objective">The objective (stochastic steps need an <see cref="IStochasticObjective"/>).</param>
    /// <param name="start">x₀.</param>
    /// <param name="rho">Initial ρ.</param>
    /// <param name="learningRate">Initial η.</param>
    /// <param name="momentum">SGD momentum (0 = plain SGD).</param>
    /// <param name="normalize">SAM (true) or USAM (false).</param>
    public Trainer(IObjective objective, ReadOnlySpan<float> start, double rho, double learningRate, double momentum = 0, bool normalize = true)
    {
        _objective = objective;
        _stochastic = objective as IStochasticObjective;
        Weights = new Parameter("w", start, start.Length);
        _noise = new float[start.Length];
        Optimizer = new SamOptimizer([Weights], new SamSettings { Rho = rho, Normalize = normalize }, new Sgd(learningRate, momentum));
    }

    /// <summary>The trained parameter.</summary>
    public Parameter Weights { get; }

    /// <summary>The product's optimizer.</summary>
    public SamOptimizer Optimizer { get; }

    /// <summary>The trained weights.</summary>
    public ReadOnlySpan<float> X => Weights.TrainedValue;

    /// <summary>ρ for the next step.</summary>
    public double Rho
    {
        get => Optimizer.Rho;
        set => Optimizer.Rho = value;
    }

    /// <summary>η for the next step.</summary>
    public double LearningRate
    {
        get => Optimizer.LearningRate;
        set => Optimizer.LearningRate = value;
    }

    /// <summary>One deterministic SAM step: gradient at w, perturb, gradient at w + e, restore and step.</summary>
    public void SamStep() => Optimizer.SharpnessAwareStep(this, static t => t.FullGradient());

    /// <summary>
    /// One stochastic SAM step on component <paramref name="component"/>: both gradients of the step use the
    /// same sample, as a minibatch does.
    /// </summary>
    public void StochasticSamStep(int component)
    {
        _component = component;
        Optimizer.SharpnessAwareStep(this, static t => t.ComponentGradient());
    }

    /// <summary>One base-optimizer step (no perturbation) with the full gradient.</summary>
    public void BaseStep()
    {
        Optimizer.ZeroGradients();
        FullGradient();
        Optimizer.BaseStep();
    }

    /// <summary>Additive gradient noise used by the noisy steps; fill it before each step.</summary>
    public Span<float> Noise => _noise;

    /// <summary>One SAM step with the gradient plus <see cref="Noise"/> (the same noise at w and at w + e, as one minibatch).</summary>
    public void NoisySamStep()
    {
        Optimizer.SharpnessAwareStep(this, static t => t.NoisyGradient());
    }

    /// <summary>One base-optimizer step with the gradient plus <see cref="Noise"/>.</summary>
    public void NoisyBaseStep()
    {
        Optimizer.ZeroGradients();
        NoisyGradient();
        Optimizer.BaseStep();
    }

    private float FullGradient()
    {
        _objective.AddGradient(Weights.Value, Weights.Gradient);
        return 0f;
    }

    private float ComponentGradient()
    {
        _stochastic!.AddComponentGradient(_component, Weights.Value, Weights.Gradient);
        return 0f;
    }

    private float NoisyGradient()
    {
        _objective.AddGradient(Weights.Value, Weights.Gradient);
        Span<float> g = Weights.Gradient;
        for (int i = 0; i < g.Length; i++)
        {
            g[i] += _noise[i];
        }

        return 0f;
    }
}
