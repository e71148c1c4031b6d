namespace Sam;

/// <summary>Which steps are SAM steps (the others are base-optimizer steps with one gradient); docs/variants.md.</summary>
public enum SamStepPolicy
{
    /// <summary>Every <c>Interval</c>-th step after switching's base-optimizer steps (every step by default).</summary>
    Periodic = 0,

    /// <summary>
    /// AE-SAM (Jiang et al., ICLR 2023): a SAM step when ‖g‖² ≥ μ + c_t·σ, μ and σ² being exponential moving averages
    /// of ‖g‖² and of its squared deviation, c_t linear from λ₁ to λ₂ over <c>TotalSteps</c>. Decided by the
    /// perturbation from the norm it computes anyway.
    /// </summary>
    Adaptive = 1,

    /// <summary>
    /// Randomized switching: a SAM step with probability p_t (the SAM probability through its schedule), drawn from a
    /// counter-based generator seeded by <c>Seed</c>: the draw of step t depends on (seed, t) only, so a resumed run
    /// makes the same choices.
    /// </summary>
    Random = 2,
}
