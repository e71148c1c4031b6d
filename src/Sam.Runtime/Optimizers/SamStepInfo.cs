namespace Sam;

/// <summary>
/// What the last step did, kept without allocation for progress displays and logs.
/// </summary>
/// <param name="Step">Steps completed so far.</param>
/// <param name="Rho">The radius used for the perturbation (ρ_t after the schedule; 0 on a base-optimizer step).</param>
/// <param name="GradientNorm">‖g‖ at the trained weights over the perturbed parameters (NaN on a base-optimizer step).</param>
/// <param name="PerturbationNorm">
/// ‖e‖ measured in the variant's own metric: scale × ‖direction‖, i.e. ρ when normalized and the direction is non-zero
/// (for ASAM this is ‖T⁻¹e‖, not the Euclidean length).
/// </param>
/// <param name="PerturbedGradientNorm">‖g′‖ over every trained parameter: the gradient at the perturbed point (g on a base step), before clipping and before GSAM's correction.</param>
/// <param name="Loss">The loss at the trained weights, when the step's callback returned it (else NaN).</param>
/// <param name="PerturbedLoss">The loss at the perturbed point, when known (else NaN).</param>
/// <param name="LearningRate">The learning rate the base step used (η_t after the schedule).</param>
/// <param name="IsSamStep">Whether the step was a SAM step (false: a base-optimizer step of periodic SAM, switching, or <c>Step()</c>).</param>
/// <param name="GradientScale">The clipping multiplier applied to the gradient (1 when not clipped).</param>
public readonly record struct SamStepInfo(
    long Step,
    double Rho,
    double GradientNorm,
    double PerturbationNorm,
    double PerturbedGradientNorm,
    double Loss,
    double PerturbedLoss,
    double LearningRate = double.NaN,
    bool IsSamStep = false,
    double GradientScale = 1)
{
    /// <summary>The sharpness estimate L(w + e) − L(w) (NaN when the losses are unknown).</summary>
    public double Sharpness => PerturbedLoss - Loss;
}
