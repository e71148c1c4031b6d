namespace Sam.Generators.Model;

/// <summary>The base optimizers the attributes can select.</summary>
internal enum BaseOptimizerKind
{
    /// <summary>SGD with momentum, dampening, Nesterov and weight decay.</summary>
    Sgd,
}

/// <summary>The base optimizer's settings as read from its attribute (defaults when absent).</summary>
internal sealed record OptimizerSpec(
    BaseOptimizerKind Kind,
    double LearningRate,
    double Momentum,
    double Dampening,
    double WeightDecay,
    bool Nesterov,
    bool DecoupledWeightDecay)
{
    public static OptimizerSpec DefaultSgd { get; } = new(BaseOptimizerKind.Sgd, 0.01, 0, 0, 0, false, false);
}

/// <summary>The SAM configuration as read from <c>[SharpnessAware]</c> and the base-optimizer attribute.</summary>
internal sealed record SamConfigSpec(double Rho, bool Normalize, OptimizerSpec Optimizer);
