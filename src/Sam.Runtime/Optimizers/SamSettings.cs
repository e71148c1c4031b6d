using System;

namespace Sam;

/// <summary>
/// The SAM hyper-parameters: the radius, the perturbation rule (variant), when SAM steps happen (interval,
/// switching), schedules, clipping and whether weight decay enters the perturbation. docs/variants.md has the
/// formulas. Every setter validates and throws <see cref="ArgumentOutOfRangeException"/> naming the property.
/// </summary>
public sealed class SamSettings
{
    private double _rho = SamDefaults.Rho;
    private SamVariant _variant;
    private double _asamEta = SamDefaults.AsamEta;
    private double _vassoTheta = SamDefaults.VassoTheta;
    private double _friendlyLambda = SamDefaults.FriendlyLambda;
    private double _friendlySigma = SamDefaults.FriendlySigma;
    private double _gsamAlpha = SamDefaults.GsamAlpha;
    private int _interval = SamDefaults.Interval;
    private double _lookSamAlpha = SamDefaults.LookSamAlpha;
    private double _esamBeta = SamDefaults.EsamBeta;
    private SamStepPolicy _stepPolicy;
    private double _adaptiveDecay = SamDefaults.AdaptiveDecay;
    private double _adaptiveThresholdStart = SamDefaults.AdaptiveThresholdStart;
    private double _adaptiveThresholdEnd = SamDefaults.AdaptiveThresholdEnd;
    private double _samProbability = SamDefaults.SamProbability;
    private long _baseOptimizerSteps;
    private double _baseOptimizerFraction;
    private long _totalSteps;
    private double _maxGradientNorm;

    /// <summary>Perturbation radius ρ (≥ 0, finite); ρ₀ when a <see cref="RhoSchedule"/> is set. Default 0.05.</summary>
    public double Rho
    {
        get => _rho;
        set => _rho = Check(value, SamRanges.NonNegative(value) && SamRanges.FitsSingle(value, positive: false), nameof(Rho), "ρ must be finite, non-negative and at most the largest float (the kernels compute in single precision).");
    }

    /// <summary>ρ·g/‖g‖ (SAM) when true; ρ·g (USAM) when false. Applies to every variant's direction. Default true.</summary>
    public bool Normalize { get; set; } = SamDefaults.Normalize;

    /// <summary>The perturbation rule. Default <see cref="SamVariant.Sam"/>.</summary>
    public SamVariant Variant
    {
        get => _variant;
        set => _variant = value is >= SamVariant.Sam and <= SamVariant.Esam
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Variant), value, "Unknown SAM variant.");
    }

    /// <summary>
    /// ASAM's η in T = |w| + η (&gt; 0), as in the authors' code (SamsungLabs/ASAM); it keeps a zero weight
    /// perturbable. davda54/sam and pytorch_optimizer use T = |w| (η = 0). Default 0.01.
    /// </summary>
    public double AsamEta
    {
        get => _asamEta;
        set => _asamEta = Check(value, SamRanges.Positive(value) && SamRanges.FitsSingle(value, positive: true), nameof(AsamEta), "ASAM's η must be positive, finite and representable in single precision.");
    }

    /// <summary>
    /// ASAM: whether parameters of rank &lt; 2 (biases, normalization scales, scalars) are scaled by T = |w| + η as
    /// well. Default false, as in the authors' code (SamsungLabs/ASAM), where biases keep T = 1; true scales every
    /// perturbed parameter, as davda54/sam and pytorch_optimizer do (with η = 0 there).
    /// </summary>
    public bool AsamScaleBiases { get; set; } = SamDefaults.AsamScaleBiases;

    /// <summary>VaSSO's θ in (0, 1]: d₁ = g₁, then d ← (1 − θ)d + θg (the authors' code). Default 0.4.</summary>
    public double VassoTheta
    {
        get => _vassoTheta;
        set => _vassoTheta = Check(value, SamRanges.UnitLeftOpen(value), nameof(VassoTheta), "VaSSO's θ must be in (0, 1].");
    }

    /// <summary>Friendly SAM's λ in [0, 1): after the perturbation, m ← λm + (1 − λ)g (m₁ = g₁). Default 0.95.</summary>
    public double FriendlyLambda
    {
        get => _friendlyLambda;
        set => _friendlyLambda = Check(value, SamRanges.UnitRightOpen(value), nameof(FriendlyLambda), "Friendly SAM's λ must be in [0, 1).");
    }

    /// <summary>Friendly SAM's σ ≥ 0: the direction is gₜ − σmₜ₋₁ (g₁ on the first perturbation). Default 1.</summary>
    public double FriendlySigma
    {
        get => _friendlySigma;
        set => _friendlySigma = Check(value, SamRanges.NonNegative(value) && SamRanges.FitsSingle(value, positive: false), nameof(FriendlySigma), "Friendly SAM's σ must be finite, non-negative and at most the largest float.");
    }

    /// <summary>GSAM's α ≥ 0: the step descends along g_p − α·g⊥. Default 0.4.</summary>
    public double GsamAlpha
    {
        get => _gsamAlpha;
        set => _gsamAlpha = Check(value, SamRanges.NonNegative(value) && SamRanges.FitsSingle(value, positive: false), nameof(GsamAlpha), "GSAM's α must be finite, non-negative and at most the largest float.");
    }

    /// <summary>Periodic SAM: a SAM step every k-th step, the base optimizer alone in between (k ≥ 1). Default 1.</summary>
    public int Interval
    {
        get => _interval;
        set => _interval = SamRanges.Interval(value) ? value : throw new ArgumentOutOfRangeException(nameof(Interval), value, "The SAM interval must be at least 1.");
    }

    /// <summary>
    /// LookSAM's α ≥ 0: between SAM steps the base optimizer descends along g + α·(‖g‖/‖g_v‖)·g_v (Liu et al. 2022).
    /// The SAM steps are every <see cref="Interval"/>-th (the paper's k). Default 0.7.
    /// </summary>
    public double LookSamAlpha
    {
        get => _lookSamAlpha;
        set => _lookSamAlpha = Check(value, SamRanges.NonNegative(value) && SamRanges.FitsSingle(value, positive: false), nameof(LookSamAlpha), "LookSAM's α must be finite, non-negative and at most the largest float.");
    }

    /// <summary>
    /// ESAM's β in (0, 1]: each parameter tensor is perturbed with probability β per step, by ρ·g/(β‖g_S‖) over the
    /// chosen ones (Du et al. 2022, as their code). Default 0.5.
    /// </summary>
    public double EsamBeta
    {
        get => _esamBeta;
        set => _esamBeta = Check(value, SamRanges.UnitLeftOpen(value), nameof(EsamBeta), "ESAM's β must be in (0, 1].");
    }

    /// <summary>Which steps are SAM steps: periodic (with <see cref="Interval"/>), adaptive (AE-SAM) or random. Default periodic.</summary>
    public SamStepPolicy StepPolicy
    {
        get => _stepPolicy;
        set => _stepPolicy = value is >= SamStepPolicy.Periodic and <= SamStepPolicy.Random
            ? value
            : throw new ArgumentOutOfRangeException(nameof(StepPolicy), value, "Unknown SAM step policy.");
    }

    /// <summary>AE-SAM's δ in (0, 1): μ ← δμ + (1 − δ)‖g‖², σ² ← δσ² + (1 − δ)(‖g‖² − μ)². Default 0.9.</summary>
    public double AdaptiveDecay
    {
        get => _adaptiveDecay;
        set => _adaptiveDecay = Check(value, SamRanges.UnitOpen(value), nameof(AdaptiveDecay), "AE-SAM's δ must be in (0, 1).");
    }

    /// <summary>AE-SAM's λ₁: the threshold c_t (in standard deviations) at step 0. Default −1.</summary>
    public double AdaptiveThresholdStart
    {
        get => _adaptiveThresholdStart;
        set => _adaptiveThresholdStart = Check(value, SamRanges.Threshold(value), nameof(AdaptiveThresholdStart), "AE-SAM's λ₁ must be finite.");
    }

    /// <summary>AE-SAM's λ₂: the threshold c_t at step <see cref="TotalSteps"/> (c_t is linear in between, then stays). Default 1.</summary>
    public double AdaptiveThresholdEnd
    {
        get => _adaptiveThresholdEnd;
        set => _adaptiveThresholdEnd = Check(value, SamRanges.Threshold(value), nameof(AdaptiveThresholdEnd), "AE-SAM's λ₂ must be finite.");
    }

    /// <summary>Randomized switching: the probability p₀ of a SAM step, in [0, 1], before <see cref="SamProbabilitySchedule"/>. Default 0.5.</summary>
    public double SamProbability
    {
        get => _samProbability;
        set => _samProbability = Check(value, SamRanges.Probability(value), nameof(SamProbability), "The SAM-step probability must be in [0, 1].");
    }

    /// <summary>
    /// Randomized switching: p_t = the schedule at step t for base value <see cref="SamProbability"/> (null = constant;
    /// a warm-up ramps the probability up from 0, a decay lowers it), clamped to [0, 1].
    /// </summary>
    public Schedule? SamProbabilitySchedule { get; set; }

    /// <summary>The seed of randomized switching and of ESAM's choice of tensors (any value; the same seed gives the same choices). Default 0.</summary>
    public long Seed { get; set; }

    /// <summary>Switching: the base optimizer alone for the first N steps, then SAM (N ≥ 0). Default 0.</summary>
    public long BaseOptimizerSteps
    {
        get => _baseOptimizerSteps;
        set => _baseOptimizerSteps = SamRanges.Steps(value) ? value : throw new ArgumentOutOfRangeException(nameof(BaseOptimizerSteps), value, "The number of base-optimizer steps must be non-negative.");
    }

    /// <summary>Switching: the base optimizer alone for ⌈fraction·TotalSteps⌉ steps, in [0, 1); needs <see cref="TotalSteps"/>. Default 0.</summary>
    public double BaseOptimizerFraction
    {
        get => _baseOptimizerFraction;
        set => _baseOptimizerFraction = Check(value, SamRanges.UnitRightOpen(value), nameof(BaseOptimizerFraction), "The base-optimizer fraction must be in [0, 1).");
    }

    /// <summary>The planned training length in steps (0 = unknown), for <see cref="BaseOptimizerFraction"/>.</summary>
    public long TotalSteps
    {
        get => _totalSteps;
        set => _totalSteps = SamRanges.Steps(value) ? value : throw new ArgumentOutOfRangeException(nameof(TotalSteps), value, "TotalSteps must be non-negative.");
    }

    /// <summary>
    /// Clip the gradient the base optimizer steps with to this global norm (0 = no clipping). The perturbation's
    /// gradient is not clipped. See docs/variants.md, "Gradient clipping".
    /// </summary>
    public double MaxGradientNorm
    {
        get => _maxGradientNorm;
        set => _maxGradientNorm = Check(value, SamRanges.NonNegative(value), nameof(MaxGradientNorm), "MaxGradientNorm must be finite and non-negative (0 disables clipping).");
    }

    /// <summary>
    /// Add the base optimizer's weight decay λ·w to the gradient that defines the perturbation (g + λw instead of g).
    /// Default false: the perturbation follows the loss gradient alone.
    /// </summary>
    public bool PerturbWeightDecay { get; set; }

    /// <summary>The ρ schedule (null = constant ρ).</summary>
    public Schedule? RhoSchedule { get; set; }

    /// <summary>The learning-rate schedule applied to the base optimizer's initial rate (null = constant).</summary>
    public Schedule? LearningRateSchedule { get; set; }

    /// <summary>The first step (from 0) that is a SAM step: the larger of the two switching settings.</summary>
    /// <remarks>
    /// ⌈f·T⌉ in decimal: the double product carries the fraction's representation error (0.07 × 100 is
    /// 7.000000000000001), which the ceiling would turn into one more base step than written. Converting a double
    /// to decimal keeps 15 significant digits, i.e. the number as the user wrote it.
    /// </remarks>
    internal long SwitchStep => Math.Max(BaseOptimizerSteps, (long)Math.Ceiling((decimal)BaseOptimizerFraction * TotalSteps));

    /// <summary>A copy, so an engine is not changed behind its back.</summary>
    internal SamSettings Clone() => (SamSettings)MemberwiseClone();

    private static double Check(double value, bool ok, string name, string message) =>
        double.IsFinite(value) && ok ? value : throw new ArgumentOutOfRangeException(name, value, message);
}
