namespace Sam;

/// <summary>Which rule computes the SAM perturbation (docs/variants.md has the formulas and sources).</summary>
public enum SamVariant
{
    /// <summary>SAM: e = ρ·g/‖g‖ (Foret et al. 2021); with Normalize = false, USAM: e = ρ·g.</summary>
    Sam = 0,

    /// <summary>Adaptive SAM: e = ρ·T²g/‖Tg‖ with T = |w| + η (Kwon et al. 2021). ρ is usually 0.5–2.</summary>
    Asam = 1,

    /// <summary>Variance-suppressed SAM: d = (1−θ)d + θg; e = ρ·d/‖d‖ (Li &amp; Giannakis 2023).</summary>
    Vasso = 2,

    /// <summary>Friendly SAM: m = λm + (1−λ)g; e = ρ·(g − σm)/‖g − σm‖ (Li et al. 2024).</summary>
    FriendlySam = 3,

    /// <summary>Surrogate-gap guided SAM: descend along g_p − α·g⊥ (Zhuang et al. 2022).</summary>
    Gsam = 4,

    /// <summary>Gradient-centralized SAM: centralize g per output unit before normalizing (Hassan et al. 2025).</summary>
    Gcsam = 5,
}
