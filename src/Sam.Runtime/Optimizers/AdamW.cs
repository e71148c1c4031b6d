using System;
using System.Globalization;
using Sam.Kernels;

namespace Sam;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter, ICLR 2019) with PyTorch's <c>torch.optim.AdamW</c> semantics: decoupled weight
/// decay <c>w ← w·(1 − ηλ)</c>, bias-corrected moments, optional AMSGrad; each step one fused pass per parameter.
/// </summary>
public sealed class AdamW : BaseOptimizer
{
    /// <summary>Creates the optimizer; every argument is validated and named in the exception when invalid.</summary>
    /// <param name="learningRate">η &gt; 0.</param>
    /// <param name="beta1">β₁ in [0, 1).</param>
    /// <param name="beta2">β₂ in [0, 1).</param>
    /// <param name="epsilon">ε &gt; 0.</param>
    /// <param name="weightDecay">Decoupled weight decay λ ≥ 0.</param>
    /// <param name="amsgrad">Use the running maximum of the second moment (Reddi et al. 2018).</param>
    public AdamW(double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.01, bool amsgrad = false)
        : base(learningRate)
    {
        if (!SamRanges.UnitRightOpen(beta1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        }

        if (!SamRanges.UnitRightOpen(beta2))
        {
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        }

        if (!SamRanges.Positive(epsilon) || !SamRanges.FitsSingle(epsilon, positive: true))
        {
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ε must be positive, finite and representable in single precision (not rounding to 0).");
        }

        if (!SamRanges.NonNegative(weightDecay) || !SamRanges.FitsSingle(weightDecay, positive: false) || !SamRanges.DecayStepFitsSingle(learningRate, weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be finite, non-negative, at most the largest float, and with the learning rate η·λ must stay below the largest float (the kernels compute in single precision; a larger decay step makes every weight non-finite).");
        }

        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
        Amsgrad = amsgrad;
    }

    /// <summary>β₁, the first moment's decay.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the second moment's decay.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to the denominator.</summary>
    public double Epsilon { get; }

    /// <summary>Decoupled weight decay λ.</summary>
    public override double WeightDecay { get; }

    /// <summary>Whether AMSGrad's maximum of the second moment is used.</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc/>
    public override bool HasMomentum => true;

    /// <inheritdoc/>
    internal override void Step(Span<float> weights, ReadOnlySpan<float> gradient, ParameterState state, float gradientScale, in StepRates rates)
    {
        float[] m = state.Buffer1 ??= new float[weights.Length];
        float[] v = state.Buffer2 ??= new float[weights.Length];
        float[]? vMax = Amsgrad ? state.Buffer3 ??= new float[weights.Length] : null;

        // PyTorch counts steps per parameter and bias-corrects with the count after this step.
        long t = state.Steps + 1;
        double bc1 = 1.0 - Math.Pow(Beta1, t);
        double bc2 = 1.0 - Math.Pow(Beta2, t);
        var c = new AdamCoefficients(
            StepSize: (float)(rates.LearningRate / bc1),
            WeightDecayFactor: (float)(1.0 - (rates.LearningRate * rates.WeightDecay)),
            GradientScale: gradientScale,
            Beta1: (float)Beta1,
            OneMinusBeta1: (float)(1.0 - Beta1),
            Beta2: (float)Beta2,
            OneMinusBeta2: (float)(1.0 - Beta2),
            BiasCorrection2Sqrt: (float)Math.Sqrt(bc2),
            Epsilon: (float)Epsilon);
        AdamKernels.AdamWStep(weights, gradient, m, v, vMax, c);
        state.Steps = t;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        string s = string.Format(ci, "AdamW(lr={0:R}, betas=({1:R}, {2:R}), eps={3:R}, weight decay={4:R}", LearningRate, Beta1, Beta2, Epsilon, WeightDecay);
        return Amsgrad ? s + ", amsgrad)" : s + ")";
    }
}
