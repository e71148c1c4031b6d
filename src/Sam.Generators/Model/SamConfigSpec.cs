namespace Sam.Generators.Model;

/// <summary>The base optimizers the attributes can select.</summary>
internal enum BaseOptimizerKind
{
    /// <summary>[Sgd]: SGD with momentum, dampening, Nesterov and weight decay (also the default).</summary>
    Sgd,

    /// <summary>[AdamW].</summary>
    AdamW,
}

/// <summary>Mirror of the runtime's <c>Sam.SamVariant</c> (same numeric values).</summary>
internal enum VariantKind
{
    Sam = 0,
    Asam = 1,
    Vasso = 2,
    FriendlySam = 3,
    Gsam = 4,
    Gcsam = 5,
    LookSam = 6,
    Esam = 7,
}

/// <summary>Mirror of <c>Sam.SamStepPolicy</c>.</summary>
internal enum PolicyKind
{
    Periodic = 0,
    Adaptive = 1,
    Random = 2,
}

/// <summary>The efficient variants' and step policies' options (LookSAM, ESAM, AE-SAM, randomized switching).</summary>
internal sealed record EfficiencySpec(
    double LookSamAlpha = SamDefaults.LookSamAlpha,
    double EsamBeta = SamDefaults.EsamBeta,
    PolicyKind Policy = PolicyKind.Periodic,
    double AdaptiveDecay = SamDefaults.AdaptiveDecay,
    double AdaptiveThresholdStart = SamDefaults.AdaptiveThresholdStart,
    double AdaptiveThresholdEnd = SamDefaults.AdaptiveThresholdEnd,
    double SamProbability = SamDefaults.SamProbability,
    long Seed = 0)
{
    public static EfficiencySpec Default { get; } = new();
}

/// <summary>Mirror of <c>Sam.ScheduleKind</c>.</summary>
internal enum ScheduleShape
{
    Constant = 0,
    Polynomial = 1,
    Cosine = 2,
    Step = 3,
}

/// <summary>Mirror of <c>Sam.GradientNoise</c>.</summary>
internal enum NoiseKind
{
    Unspecified = 0,
    Stochastic = 1,
    Deterministic = 2,
}

/// <summary>Mirror of <c>Sam.LossLandscape</c>.</summary>
internal enum LandscapeKind
{
    Unspecified = 0,
    StronglyConvex = 1,
    Convex = 2,
    Nonconvex = 3,
}

/// <summary>Mirror of <c>Sam.ExpectedGuarantee</c>.</summary>
internal enum GuaranteeKind
{
    None = 0,
    Neighbourhood = 1,
    StationaryPoint = 2,
    Minimizer = 3,
}

/// <summary>The base optimizer's settings as read from its attribute (defaults when absent).</summary>
internal sealed record OptimizerSpec(
    BaseOptimizerKind Kind,
    double LearningRate,
    double Momentum,
    double Dampening,
    double WeightDecay,
    bool Nesterov,
    bool DecoupledWeightDecay,
    double Beta1 = SamDefaults.AdamWBeta1,
    double Beta2 = SamDefaults.AdamWBeta2,
    double Epsilon = SamDefaults.AdamWEpsilon,
    bool Amsgrad = false)
{
    public static OptimizerSpec DefaultSgd { get; } = new(BaseOptimizerKind.Sgd, SamDefaults.SgdLearningRate, 0, 0, 0, false, false);

    public static OptimizerSpec DefaultAdamW { get; } = new(BaseOptimizerKind.AdamW, SamDefaults.AdamWLearningRate, 0, 0, SamDefaults.AdamWWeightDecay, false, true);

    /// <summary>Whether the optimizer carries momentum-like state (momentum SGD or Adam).</summary>
    public bool HasMomentum => Kind == BaseOptimizerKind.AdamW || Momentum != 0;
}

/// <summary>A ρ or learning-rate schedule as declared ([RhoSchedule] / [LearningRateSchedule]).</summary>
internal sealed record ScheduleSpec(
    ScheduleShape Shape,
    double Exponent,
    double Floor,
    long TotalSteps,
    long StepSize,
    double Gamma,
    long WarmupSteps)
{
    public static ScheduleSpec Constant { get; } = new(ScheduleShape.Constant, SamDefaults.ScheduleExponent, 0, 0, 0, SamDefaults.ScheduleGamma, 0);

    public bool IsConstant => Shape == ScheduleShape.Constant && WarmupSteps == 0;
}

/// <summary>What the user declared about their problem, for the convergence analyzer.</summary>
internal sealed record AssumptionSpec(NoiseKind Noise, LandscapeKind Landscape, GuaranteeKind Expect, double Smoothness)
{
    public static AssumptionSpec None { get; } = new(NoiseKind.Unspecified, LandscapeKind.Unspecified, GuaranteeKind.None, 0);
}

/// <summary>The SAM configuration as read from <c>[SharpnessAware]</c>, the schedules and the base-optimizer attribute.</summary>
internal sealed record SamConfigSpec(
    double Rho,
    bool Normalize,
    OptimizerSpec Optimizer,
    VariantKind Variant = VariantKind.Sam,
    double AsamEta = SamDefaults.AsamEta,
    double VassoTheta = SamDefaults.VassoTheta,
    double FriendlyLambda = SamDefaults.FriendlyLambda,
    double FriendlySigma = SamDefaults.FriendlySigma,
    double GsamAlpha = SamDefaults.GsamAlpha,
    int Interval = 1,
    long BaseOptimizerSteps = 0,
    double BaseOptimizerFraction = 0,
    long TotalSteps = 0,
    double MaxGradientNorm = 0,
    bool PerturbWeightDecay = false,
    ScheduleSpec? RhoSchedule = null,
    ScheduleSpec? LearningRateSchedule = null,
    AssumptionSpec? Assumptions = null,
    bool AsamScaleBiases = SamDefaults.AsamScaleBiases,
    EfficiencySpec? Efficiency = null)
{
    public EfficiencySpec EfficiencyOrDefault => Efficiency ?? EfficiencySpec.Default;

    /// <summary>Whether some steps skip the SAM gradient or approximate it (periodic, adaptive, random, LookSAM, ESAM).</summary>
    public bool SkipsOrApproximatesSamSteps =>
        Interval > 1 || EfficiencyOrDefault.Policy != PolicyKind.Periodic || Variant is VariantKind.LookSam or VariantKind.Esam;

    public ScheduleSpec RhoScheduleOrConstant => RhoSchedule ?? ScheduleSpec.Constant;

    public ScheduleSpec LearningRateScheduleOrConstant => LearningRateSchedule ?? ScheduleSpec.Constant;

    public AssumptionSpec AssumptionsOrNone => Assumptions ?? AssumptionSpec.None;
}
