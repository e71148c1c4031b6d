namespace Sam;

/// <summary>Which rule computes the SAM perturbation (docs/variants.md has the formulas and sources).</summary>
public enum SamVariant
{
    /// <summary>SAM: e = ρ·g/‖g‖ (Foret et al. 2021); with Normalize = false, USAM: e = ρ·g.</summary>
    Sam = 0,

    /// <summary>Adaptive SAM: e = ρ·T²g/‖Tg‖ with T = |w| + η on parameters of rank ≥ 2, T = 1 on biases (Kwon et al. 2021, as their code). ρ is usually 0.5–2.</summary>
    Asam = 1,

    /// <summary>Variance-suppressed SAM: d₁ = g₁, then d = (1−θ)d + θg; e = ρ·d/‖d‖ (Li &amp; Giannakis 2023, as their code).</summary>
    Vasso = 2,

    /// <summary>Friendly SAM: e = ρ·(gₜ − σmₜ₋₁)/‖gₜ − σmₜ₋₁‖, then m = λm + (1−λ)gₜ; m₁ = g₁, e₁ along g₁ (Li et al. 2024, nblt/F-SAM).</summary>
    FriendlySam = 3,

    /// <summary>Surrogate-gap guided SAM: descend along g_p − α·g⊥ (Zhuang et al. 2022).</summary>
    Gsam = 4,

    /// <summary>Gradient-centralized SAM: centralize g per output unit before normalizing (Hassan et al. 2025).</summary>
    Gcsam = 5,

    /// <summary>
    /// LookSAM: on SAM steps (every <c>Interval</c>-th) store g_v, the part of the SAM gradient orthogonal to g; on the
    /// steps between, descend along g + α·(‖g‖/‖g_v‖)·g_v with one gradient (Liu et al., CVPR 2022).
    /// </summary>
    LookSam = 6,

    /// <summary>
    /// ESAM's stochastic weight perturbation: each step perturbs a random subset of the parameter tensors (each with
    /// probability β), by ρ·g/(β‖g_S‖) over the chosen subset S (Du et al., ICLR 2022, as their code).
    /// </summary>
    Esam = 7,
}
