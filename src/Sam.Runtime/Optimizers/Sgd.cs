using System;
using System.Globalization;
using Sam.Kernels;

namespace Sam;

/// <summary>
/// Stochastic gradient descent with PyTorch's <c>torch.optim.SGD</c> semantics: momentum with dampening,
/// Nesterov, and L2 or decoupled weight decay, each step one fused pass over the parameter.
/// </summary>
public sealed class Sgd : BaseOptimizer
{
    /// <summary>Creates the optimizer; every argument is validated and named in the exception when invalid.</summary>
    /// <param name="learningRate">η &gt; 0.</param>
    /// <param name="momentum">μ in [0, 1).</param>
    /// <param name="dampening">Dampening in [0, 1].</param>
    /// <param name="weightDecay">λ ≥ 0.</param>
    /// <param name="nesterov">Nesterov momentum; needs μ &gt; 0 and no dampening.</param>
    /// <param name="decoupledWeightDecay">Decay the weights directly (SGDW) instead of adding λ·w to the gradient.</param>
    public Sgd(double learningRate, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false, bool decoupledWeightDecay = false)
        : base(learningRate)
    {
        if (!SamRanges.UnitRightOpen(momentum))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "Momentum must be in [0, 1).");
        }

        if (!SamRanges.UnitClosed(dampening))
        {
            throw new ArgumentOutOfRangeException(nameof(dampening), dampening, "Dampening must be in [0, 1].");
        }

        if (!SamRanges.NonNegative(weightDecay) || !SamRanges.FitsSingle(weightDecay, positive: false) || !SamRanges.DecayStepFitsSingle(learningRate, weightDecay))
        {
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "Weight decay must be finite, non-negative, at most the largest float, and with the learning rate η·λ must stay below the largest float (the kernels compute in single precision; a larger decay step makes every weight non-finite).");
        }

        if (nesterov && (momentum == 0 || dampening != 0))
        {
            throw new ArgumentException("Nesterov momentum needs momentum > 0 and dampening = 0.", nameof(nesterov));
        }

        Momentum = momentum;
        Dampening = dampening;
        WeightDecay = weightDecay;
        Nesterov = nesterov;
        DecoupledWeightDecay = decoupledWeightDecay;
    }

    /// <summary>Momentum μ.</summary>
    public double Momentum { get; }

    /// <summary>Dampening.</summary>
    public double Dampening { get; }

    /// <summary>Weight decay λ.</summary>
    public override double WeightDecay { get; }

    /// <summary>Whether Nesterov momentum is used.</summary>
    public bool Nesterov { get; }

    /// <summary>Whether weight decay is decoupled from the gradient.</summary>
    public bool DecoupledWeightDecay { get; }

    /// <inheritdoc/>
    public override bool HasMomentum => Momentum != 0;

    /// <inheritdoc/>
    internal override unsafe void PrepareStep(ParameterState state, int length, float gradientScale, in StepRates rates, ref StepItem item)
    {
        float lr = (float)rates.LearningRate;
        float l2 = DecoupledWeightDecay ? 0f : (float)rates.WeightDecay;
        float decay = DecoupledWeightDecay ? (float)(1.0 - rates.LearningRate * rates.WeightDecay) : 1f;
        if (Momentum == 0)
        {
            item.Kind = StepKind.Sgd;
            item.Sgd = new SgdCoefficients(lr, l2, decay, gradientScale, 0, 0, 0, 0);
            return;
        }

        bool first = state.Buffer1 is null;
        state.PrepareSpares(1, length);
        float mu = (float)Momentum;
        item.Kind = StepKind.SgdMomentum;
        item.Sgd = new SgdCoefficients(
            lr,
            l2,
            decay,
            gradientScale,
            BufferDecay: first ? 0f : mu,
            BufferGain: first ? 1f : (float)(1.0 - Dampening),
            DirectionGain: Nesterov ? 1f : 0f,
            BufferOutputGain: Nesterov ? mu : 1f);
        item.MOut = state.Spare1!.Pointer;
        item.M = first ? item.MOut : state.Buffer1!.Pointer;
    }

    /// <inheritdoc/>
    internal override void CommitStep(ParameterState state)
    {
        if (Momentum != 0)
        {
            state.Flip(1);
        }

        state.Steps++;
    }

    /// <inheritdoc/>
    internal override unsafe string DescribeOverflow(in StepItem item, int index, StepRates rates, ParameterGroup? group)
    {
        SgdCoefficients c = item.Sgd;
        float w = item.W[index], g = item.GradientAt(index);
        string at = $"at element {index} (weight {F(w)}, gradient {F(g)})";
        float l2w = c.L2 * w;
        if (!float.IsFinite(l2w))
        {
            return $"the weight decay λ = {F(rates.WeightDecay)} times the weight overflows {at}; lower WeightDecay{Of(group, learningRate: false, weightDecay: true)}";
        }

        float d = (c.GradientScale * g) + l2w;
        float b = item.Kind == StepKind.SgdMomentum ? (c.BufferDecay * item.M[index]) + (c.BufferGain * d) : d;
        float u = item.Kind == StepKind.SgdMomentum ? (c.DirectionGain * d) + (c.BufferOutputGain * b) : d;
        if (!float.IsFinite(d) || !float.IsFinite(b) || !float.IsFinite(u))
        {
            return $"the gradient's magnitude overflows the update direction (gradient plus weight decay{(item.Kind == StepKind.SgdMomentum ? " and momentum" : "")}) {at}; scale the loss or clip the gradient (MaxGradientNorm)";
        }

        if (!float.IsFinite(c.WeightDecayFactor * w))
        {
            return $"the decoupled weight decay factor 1 − η·λ = {F(c.WeightDecayFactor)} (learning rate {F(rates.LearningRate)} × weight decay {F(rates.WeightDecay)}) times the weight overflows {at}; lower LearningRate or WeightDecay{Of(group, learningRate: true, weightDecay: true)}";
        }

        float step = c.LearningRate * u;
        return !float.IsFinite(step)
            ? $"the learning rate η = {F(rates.LearningRate)} times the update {F(u)} overflows {at}; lower LearningRate{Of(group, learningRate: true, weightDecay: false)}"
            : $"the learning rate η = {F(rates.LearningRate)} moves the weight beyond the float range {at} (η·u = {F(step)}); lower LearningRate{Of(group, learningRate: true, weightDecay: false)}";
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        string s = string.Format(ci, "SGD(lr={0:R}", LearningRate);
        if (Momentum != 0)
        {
            s += string.Format(ci, ", momentum={0:R}", Momentum);
        }

        if (Dampening != 0)
        {
            s += string.Format(ci, ", dampening={0:R}", Dampening);
        }

        if (WeightDecay != 0)
        {
            s += string.Format(ci, DecoupledWeightDecay ? ", decoupled weight decay={0:R}" : ", weight decay={0:R}", WeightDecay);
        }

        return Nesterov ? s + ", nesterov)" : s + ")";
    }
}
