namespace Sam.Kernels;

/// <summary>
/// The scalar coefficients of one fused AdamW step (see <see cref="AdamKernels.AdamWStep"/>), computed once per
/// parameter step so the element loop has no branches.
/// </summary>
/// <param name="StepSize">η / (1 − β₁ᵗ): the learning rate with the first moment's bias correction.</param>
/// <param name="WeightDecayFactor">1 − ηλ: the decoupled weight decay applied before the update.</param>
/// <param name="GradientScale">Multiplier of the gradient (gradient clipping); 1 when not clipping.</param>
/// <param name="Beta1">β₁.</param>
/// <param name="OneMinusBeta1">1 − β₁.</param>
/// <param name="Beta2">β₂.</param>
/// <param name="OneMinusBeta2">1 − β₂.</param>
/// <param name="BiasCorrection2Sqrt">√(1 − β₂ᵗ).</param>
/// <param name="Epsilon">ε.</param>
internal readonly record struct AdamCoefficients(
    float StepSize,
    float WeightDecayFactor,
    float GradientScale,
    float Beta1,
    float OneMinusBeta1,
    float Beta2,
    float OneMinusBeta2,
    float BiasCorrection2Sqrt,
    float Epsilon);
