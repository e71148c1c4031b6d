using System;

namespace Sam;

/// <summary>
/// Selects stochastic gradient descent as the base optimizer of a <see cref="SharpnessAwareAttribute"/> model,
/// with PyTorch's <c>torch.optim.SGD</c> semantics (momentum buffer initialised to the first update direction).
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SgdAttribute : Attribute
{
    /// <summary>Learning rate η (&gt; 0, finite). Default 0.01.</summary>
    public double LearningRate { get; set; } = SamDefaults.SgdLearningRate;

    /// <summary>Momentum μ in [0, 1). Default 0 (no momentum buffer is allocated).</summary>
    public double Momentum { get; set; }

    /// <summary>Dampening of the gradient entering the momentum buffer, in [0, 1]. Default 0.</summary>
    public double Dampening { get; set; }

    /// <summary>Weight decay λ ≥ 0. Default 0.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Nesterov momentum (needs Momentum &gt; 0 and Dampening = 0). Default false.</summary>
    public bool Nesterov { get; set; }

    /// <summary>
    /// Decoupled weight decay (<c>w ← w·(1 − ηλ)</c>, as in SGDW) instead of L2 regularisation added to the gradient.
    /// Default false (L2, PyTorch's SGD behaviour).
    /// </summary>
    public bool DecoupledWeightDecay { get; set; }
}
