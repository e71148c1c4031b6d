namespace Sam;

/// <summary>
/// What the last SAM step did, kept without allocation for progress displays and logs.
/// </summary>
/// <param name="Step">Steps completed so far.</param>
/// <param name="Rho">The radius used for the perturbation.</param>
/// <param name="GradientNorm">‖g‖ at the trained weights over the perturbed parameters.</param>
/// <param name="PerturbationNorm">‖e‖, the length of the perturbation applied (ρ when normalized and ‖g‖ &gt; 0).</param>
/// <param name="PerturbedGradientNorm">‖g′‖ at the perturbed point over every trained parameter.</param>
/// <param name="Loss">The loss at the trained weights, when the step's callback returned it (else NaN).</param>
/// <param name="PerturbedLoss">The loss at the perturbed point, when known (else NaN).</param>
public readonly record struct SamStepInfo(
    long Step,
    double Rho,
    double GradientNorm,
    double PerturbationNorm,
    double PerturbedGradientNorm,
    double Loss,
    double PerturbedLoss)
{
    /// <summary>The sharpness estimate L(w + e) − L(w) (NaN when the losses are unknown).</summary>
    public double Sharpness => PerturbedLoss - Loss;
}
