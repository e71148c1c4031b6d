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
    internal override unsafe void PrepareStep(ParameterState state, int length, float gradientScale, in StepRates rates, ref StepItem item)
    {
        bool first = state.Buffer1 is null;
        int buffers = Amsgrad ? 3 : 2;
        state.PrepareSpares(buffers, length);

        // PyTorch counts steps per parameter and bias-corrects with the count after this step.
        long t = state.Steps + 1;
        double bc1 = 1.0 - Math.Pow(Beta1, t);
        double bc2 = 1.0 - Math.Pow(Beta2, t);
        item.Kind = Amsgrad ? StepKind.AdamWMax : StepKind.AdamW;
        item.Adam = new AdamCoefficients(
            StepSize: (float)(rates.LearningRate / bc1),
            WeightDecayFactor: (float)(1.0 - (rates.LearningRate * rates.WeightDecay)),
            GradientScale: gradientScale,
            Beta1: (float)Beta1,
            OneMinusBeta1: (float)(1.0 - Beta1),
            Beta2: (float)Beta2,
            OneMinusBeta2: (float)(1.0 - Beta2),
            BiasCorrection2Sqrt: (float)Math.Sqrt(bc2),
            Epsilon: (float)Epsilon);
        item.MOut = state.Spare1!.Pointer;
        item.VOut = state.Spare2!.Pointer;
        item.M = first ? item.MOut : state.Buffer1!.Pointer;
        item.V = first || state.Buffer2 is null ? item.VOut : state.Buffer2.Pointer;
        if (Amsgrad)
        {
            item.XOut = state.Spare3!.Pointer;
            item.X = state.Buffer3 is null ? item.XOut : state.Buffer3.Pointer;
        }
    }

    /// <inheritdoc/>
    internal override void CommitStep(ParameterState state)
    {
        state.Flip(Amsgrad ? 3 : 2);
        state.Steps++;
    }

    /// <inheritdoc/>
    internal override unsafe string DescribeOverflow(in StepItem item, int index, StepRates rates, ParameterGroup? group)
    {
        AdamCoefficients c = item.Adam;
        float w = item.W[index], g = item.GradientAt(index);
        string at = $"at element {index} (weight {F(w)}, gradient {F(g)})";
        if (!float.IsFinite(c.StepSize))
        {
            return $"the learning rate η = {F(rates.LearningRate)} divided by the bias correction 1 − β₁ᵗ overflows; lower LearningRate{Of(group, learningRate: true, weightDecay: false)}";
        }

        if (!float.IsFinite(c.WeightDecayFactor * w))
        {
            return $"the decoupled weight decay factor 1 − η·λ = {F(c.WeightDecayFactor)} (learning rate {F(rates.LearningRate)} × weight decay {F(rates.WeightDecay)}) times the weight overflows {at}; lower LearningRate or WeightDecay{Of(group, learningRate: true, weightDecay: true)}";
        }

        float gi = c.GradientScale * g;
        float m = (c.Beta1 * item.M[index]) + (c.OneMinusBeta1 * gi);
        float v = (c.Beta2 * item.V[index]) + (c.OneMinusBeta2 * (gi * gi));
        if (!float.IsFinite(m) || !float.IsFinite(v))
        {
            return $"the gradient's magnitude overflows the moments (g² = {F((double)gi * gi)} exceeds the float range) {at}; scale the loss or clip the gradient (MaxGradientNorm)";
        }

        return $"the learning rate η = {F(rates.LearningRate)} (step size η/(1 − β₁ᵗ) = {F(c.StepSize)}) moves the weight beyond the float range {at}; lower LearningRate{Of(group, learningRate: true, weightDecay: false)}";
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        string s = string.Format(ci, "AdamW(lr={0:R}, betas=({1:R}, {2:R}), eps={3:R}, weight decay={4:R}", LearningRate, Beta1, Beta2, Epsilon, WeightDecay);
        return Amsgrad ? s + ", amsgrad)" : s + ")";
    }
}
