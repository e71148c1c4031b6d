// One source of truth for the defaults of every option, compiled into the runtime (attributes, SamSettings,
// optimizers) and into the generator (what it reads when an attribute argument is absent, and what it leaves
// out of the emitted settings because the runtime's default is the same). Linked, not referenced: the
// generator targets netstandard2.0 and must not load the runtime.
namespace Sam;

/// <summary>The default value of each option of the attributes and of the runtime's settings.</summary>
internal static class SamDefaults
{
    public const double Rho = 0.05;
    public const bool Normalize = true;

    // ASAM's η keeps T = |w| + η away from zero (Kwon et al. 2021 use 0.01 in their code).
    public const double AsamEta = 0.01;

    // ASAM scales only parameters of rank ≥ 2 (the authors' code leaves biases at T = 1); true scales every one.
    public const bool AsamScaleBiases = false;
    public const double VassoTheta = 0.4;
    public const double FriendlyLambda = 0.95;
    public const double FriendlySigma = 1;
    public const double GsamAlpha = 0.4;
    public const int Interval = 1;

    // LookSAM's α (Liu et al., CVPR 2022): the weight of the reused orthogonal component; 0.7 is the public
    // re-implementations' default (docs/efficiency.md: smaller values did better on our small tasks).
    public const double LookSamAlpha = 0.7;

    // ESAM's β (Du et al., ICLR 2022): the fraction of parameter tensors perturbed per step. Our default; the
    // paper sweeps it (0.5–0.6 on CIFAR).
    public const double EsamBeta = 0.5;

    // AE-SAM (Jiang et al., ICLR 2023): the EMA rate δ of the mean and variance of ‖g‖², and the threshold
    // schedule c_t, linear from λ₁ to λ₂ over training (the paper's CIFAR settings).
    public const double AdaptiveDecay = 0.9;
    public const double AdaptiveThresholdStart = -1;
    public const double AdaptiveThresholdEnd = 1;

    // Randomized switching: the probability of a SAM step (before its schedule).
    public const double SamProbability = 0.5;

    public const double SgdLearningRate = 0.01;

    public const double AdamWLearningRate = 0.001;
    public const double AdamWBeta1 = 0.9;
    public const double AdamWBeta2 = 0.999;
    public const double AdamWEpsilon = 1e-8;
    public const double AdamWWeightDecay = 0.01;

    public const double ScheduleExponent = 0.5;
    public const double ScheduleGamma = 0.1;
}
