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
    internal override void Step(Span<float> weights, ReadOnlySpan<float> gradient, ParameterState state, float gradientScale, in StepRates rates)
    {
        float lr = (float)rates.LearningRate;
        float l2 = DecoupledWeightDecay ? 0f : (float)rates.WeightDecay;
        float decay = DecoupledWeightDecay ? (float)(1.0 - rates.LearningRate * rates.WeightDecay) : 1f;
        if (Momentum == 0)
        {
            SamKernels.SgdStep(weights, gradient, new SgdCoefficients(lr, l2, decay, gradientScale, 0, 0, 0, 0));
        }
        else
        {
            bool first = state.Buffer1 is null;
            float[] buffer = state.Buffer1 ??= new float[weights.Length];
            float mu = (float)Momentum;
            var c = new SgdCoefficients(
                lr,
                l2,
                decay,
                gradientScale,
                BufferDecay: first ? 0f : mu,
                BufferGain: first ? 1f : (float)(1.0 - Dampening),
                DirectionGain: Nesterov ? 1f : 0f,
                BufferOutputGain: Nesterov ? mu : 1f);
            SamKernels.SgdMomentumStep(weights, gradient, buffer, c);
        }

        state.Steps++;
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
