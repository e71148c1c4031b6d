using System;

namespace Sam;

/// <summary>Selects AdamW (Loshchilov &amp; Hutter 2019) as the base optimizer, with PyTorch's <c>torch.optim.AdamW</c> semantics.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class AdamWAttribute : Attribute
{
    /// <summary>Learning rate η (&gt; 0). Default 0.001.</summary>
    public double LearningRate { get; set; } = SamDefaults.AdamWLearningRate;

    /// <summary>β₁ in [0, 1). Default 0.9.</summary>
    public double Beta1 { get; set; } = SamDefaults.AdamWBeta1;

    /// <summary>β₂ in [0, 1). Default 0.999.</summary>
    public double Beta2 { get; set; } = SamDefaults.AdamWBeta2;

    /// <summary>ε &gt; 0. Default 1e-8.</summary>
    public double Epsilon { get; set; } = SamDefaults.AdamWEpsilon;

    /// <summary>Decoupled weight decay λ ≥ 0. Default 0.01.</summary>
    public double WeightDecay { get; set; } = SamDefaults.AdamWWeightDecay;

    /// <summary>Use the AMSGrad maximum of the second moment. Default false.</summary>
    public bool Amsgrad { get; set; }
}
