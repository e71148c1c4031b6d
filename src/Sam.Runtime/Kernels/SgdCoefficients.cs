namespace Sam.Kernels;

/// <summary>
/// The scalar coefficients of one fused SGD step (see <see cref="SamKernels.SgdMomentumStep"/>), computed once
/// per step from the optimizer's settings so the element loop has no branches.
/// </summary>
/// <param name="LearningRate">η.</param>
/// <param name="L2">L2 weight decay added to the gradient (0 when decay is decoupled).</param>
/// <param name="WeightDecayFactor">Multiplier of the weights before the update: 1 − ηλ when decoupled, else 1.</param>
/// <param name="GradientScale">Multiplier of the gradient (gradient clipping); 1 when not clipping.</param>
/// <param name="BufferDecay">μ′: momentum applied to the old buffer (0 on a buffer's first step).</param>
/// <param name="BufferGain">γ: weight of the new direction entering the buffer.</param>
/// <param name="DirectionGain">α: weight of the raw direction in the update (1 with Nesterov, else 0).</param>
/// <param name="BufferOutputGain">β: weight of the buffer in the update (μ with Nesterov, else 1).</param>
internal readonly record struct SgdCoefficients(
    float LearningRate,
    float L2,
    float WeightDecayFactor,
    float GradientScale,
    float BufferDecay,
    float BufferGain,
    float DirectionGain,
    float BufferOutputGain);
