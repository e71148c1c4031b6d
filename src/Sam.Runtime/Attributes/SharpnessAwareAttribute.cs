using System;

namespace Sam;

/// <summary>
/// Marks a <c>partial</c> model class for Sharpness-Aware Minimization. The Sam.Dsl generator finds the
/// class's <see cref="Parameter"/> members (recursively through sub-modules) and emits
/// <c>Perturb()</c>, <c>Restore()</c>, <c>RestoreAndStep()</c>, <c>Step()</c>, <c>ZeroGradients()</c> and
/// <c>SharpnessAwareStep(...)</c> that call the runtime's fused kernels on each parameter.
/// </summary>
/// <remarks>
/// SAM (Foret et al., ICLR 2021) takes the base optimizer's step from the gradient at the perturbed point
/// <c>w + ρ·g/‖g‖</c>. Pair this attribute with a base-optimizer attribute such as <see cref="SgdAttribute"/>;
/// without one, plain SGD with learning rate 0.01 is used.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SharpnessAwareAttribute : Attribute
{
    /// <summary>Perturbation radius ρ (≥ 0, finite). Default 0.05. ρ = 0 reduces SAM to the base optimizer exactly.</summary>
    public double Rho { get; set; } = SamDefaults.Rho;

    /// <summary>
    /// Normalize the perturbation by the global gradient norm (<c>ρ·g/‖g‖</c>, the SAM of Foret et al.).
    /// <see langword="false"/> gives unnormalized SAM (USAM, <c>ρ·g</c>; Andriushchenko &amp; Flammarion 2022). Default true.
    /// </summary>
    public bool Normalize { get; set; } = SamDefaults.Normalize;

    /// <summary>The perturbation rule. Default <see cref="SamVariant.Sam"/>.</summary>
    public SamVariant Variant { get; set; }

    /// <summary>ASAM's η in T = |w| + η (&gt; 0), as in the authors' code. Default 0.01.</summary>
    public double AsamEta { get; set; } = SamDefaults.AsamEta;

    /// <summary>
    /// ASAM: scale parameters of rank &lt; 2 (biases, normalization scales) by T = |w| + η as well, as davda54/sam
    /// does. Default false: as in the authors' code (SamsungLabs/ASAM), they keep T = 1.
    /// </summary>
    public bool AsamScaleBiases { get; set; } = SamDefaults.AsamScaleBiases;

    /// <summary>VaSSO's θ in (0, 1]. Default 0.4.</summary>
    public double VassoTheta { get; set; } = SamDefaults.VassoTheta;

    /// <summary>Friendly SAM's λ in [0, 1). Default 0.95.</summary>
    public double FriendlyLambda { get; set; } = SamDefaults.FriendlyLambda;

    /// <summary>Friendly SAM's σ ≥ 0. Default 1.</summary>
    public double FriendlySigma { get; set; } = SamDefaults.FriendlySigma;

    /// <summary>GSAM's α ≥ 0. Default 0.4.</summary>
    public double GsamAlpha { get; set; } = SamDefaults.GsamAlpha;

    /// <summary>Periodic SAM: a SAM step every k-th step, the base optimizer in between (k ≥ 1). Default 1.</summary>
    public int Interval { get; set; } = SamDefaults.Interval;

    /// <summary>LookSAM's α ≥ 0: between SAM steps (every <see cref="Interval"/>-th) descend along g + α·(‖g‖/‖g_v‖)·g_v. Default 0.7.</summary>
    public double LookSamAlpha { get; set; } = SamDefaults.LookSamAlpha;

    /// <summary>ESAM's β in (0, 1]: the probability that a parameter tensor is perturbed in a step. Default 0.5.</summary>
    public double EsamBeta { get; set; } = SamDefaults.EsamBeta;

    /// <summary>Which steps are SAM steps: periodic (<see cref="Interval"/>), adaptive (AE-SAM) or random. Default periodic.</summary>
    public SamStepPolicy StepPolicy { get; set; }

    /// <summary>AE-SAM's δ in (0, 1), the rate of its moving averages of ‖g‖². Default 0.9.</summary>
    public double AdaptiveDecay { get; set; } = SamDefaults.AdaptiveDecay;

    /// <summary>AE-SAM's λ₁, the threshold c_t at step 0 in standard deviations. Default −1.</summary>
    public double AdaptiveThresholdStart { get; set; } = SamDefaults.AdaptiveThresholdStart;

    /// <summary>AE-SAM's λ₂, the threshold at <see cref="TotalSteps"/> (linear in between). Default 1.</summary>
    public double AdaptiveThresholdEnd { get; set; } = SamDefaults.AdaptiveThresholdEnd;

    /// <summary>Randomized switching: the probability of a SAM step, in [0, 1]. Default 0.5.</summary>
    public double SamProbability { get; set; } = SamDefaults.SamProbability;

    /// <summary>The seed of randomized switching and ESAM's choice of tensors. Default 0.</summary>
    public long Seed { get; set; }

    /// <summary>Switching: the base optimizer alone for the first N steps, then SAM (N ≥ 0). Default 0.</summary>
    public long BaseOptimizerSteps { get; set; }

    /// <summary>Switching: the base optimizer alone for this fraction of TotalSteps, then SAM, in [0, 1). Default 0.</summary>
    public double BaseOptimizerFraction { get; set; }

    /// <summary>The planned training length in steps, for fractions and finite-horizon schedules (0 = unknown).</summary>
    public long TotalSteps { get; set; }

    /// <summary>
    /// Clip the gradient used by the base step to this global norm (0 = no clipping); the gradient that defines the
    /// perturbation is not clipped (docs/variants.md, "Gradient clipping").
    /// </summary>
    public double MaxGradientNorm { get; set; }

    /// <summary>
    /// Include the base optimizer's weight decay (λ·w, L2 or decoupled) in the gradient that defines the perturbation.
    /// Default false: the perturbation follows the loss gradient alone; the base step is the same either way.
    /// </summary>
    public bool PerturbWeightDecay { get; set; }

    /// <summary>Declared: the kind of gradients training uses (for the convergence analyzer).</summary>
    public GradientNoise Noise { get; set; }

    /// <summary>Declared: the loss landscape (for the convergence analyzer).</summary>
    public LossLandscape Landscape { get; set; }

    /// <summary>Declared: the guarantee expected from training (for the convergence analyzer).</summary>
    public ExpectedGuarantee Expect { get; set; }

    /// <summary>Declared: the loss's smoothness constant L (0 = unknown), for the USAM radius check ρL &lt; 1.</summary>
    public double Smoothness { get; set; }
}
