namespace Sam;

/// <summary>
/// What the last step did, kept without allocation for progress displays and logs. Properties, not positional
/// fields: new ones can be added without breaking a caller's code.
/// </summary>
public readonly record struct SamStepInfo
{
    /// <summary>Steps completed so far.</summary>
    public long Step { get; init; }

    /// <summary>The radius used for the perturbation (ρ_t after the schedule; 0 on a base-optimizer step).</summary>
    public double Rho { get; init; }

    /// <summary>‖g‖ at the trained weights over the perturbed parameters (NaN on a base-optimizer step).</summary>
    public double GradientNorm { get; init; }

    /// <summary>
    /// ‖e‖ measured in the variant's own metric: scale × ‖direction‖, i.e. ρ when normalized and the direction is
    /// non-zero (for ASAM this is ‖T⁻¹e‖, not the Euclidean length).
    /// </summary>
    public double PerturbationNorm { get; init; }

    /// <summary>
    /// ‖g′‖ over every trained parameter: the gradient at the perturbed point (g on a base step), before clipping
    /// and before GSAM's correction.
    /// </summary>
    public double PerturbedGradientNorm { get; init; }

    /// <summary>The loss at the trained weights, when the step's callback returned it (else NaN).</summary>
    public double Loss { get; init; }

    /// <summary>The loss at the perturbed point, when known (else NaN).</summary>
    public double PerturbedLoss { get; init; }

    /// <summary>The learning rate the base step used (η_t after the schedule).</summary>
    public double LearningRate { get; init; }

    /// <summary>Whether the step was a SAM step (false: a base-optimizer step of periodic SAM, switching, or <c>BaseStep()</c>).</summary>
    public bool IsSamStep { get; init; }

    /// <summary>
    /// SAM steps taken so far, this one included (<see cref="SamOptimizer.SamStepCount"/> after the step): with
    /// <see cref="Step"/> it gives the gradient evaluations per step, 1 + SamSteps/Step.
    /// </summary>
    public long SamSteps { get; init; }

    /// <summary>The clipping multiplier applied to the gradient (1 when not clipped).</summary>
    public double GradientScale { get; init; }

    /// <summary>
    /// The loss scale the step's gradients were divided by (<see cref="SamOptimizer.LossScaler"/>); 1 without a
    /// scaler.
    /// </summary>
    public double LossScale { get; init; }

    /// <summary>The micro-batches accumulated per pass (1 unless the step was given more).</summary>
    public int MicroBatches { get; init; }

    /// <summary>
    /// The pass whose gradients overflowed when the loss scaler skipped the step (null: not skipped). A skipped
    /// step leaves the weights and every piece of optimizer state as they were and does not count in
    /// <see cref="Step"/>; the scaler backed off.
    /// </summary>
    public SamPhase? Overflow { get; init; }

    /// <summary>Whether the step was skipped because a gradient overflowed (<see cref="Overflow"/> says in which pass).</summary>
    public bool Skipped => Overflow is not null;

    /// <summary>The sharpness estimate L(w + e) − L(w) (NaN when the losses are unknown).</summary>
    public double Sharpness => PerturbedLoss - Loss;
}
