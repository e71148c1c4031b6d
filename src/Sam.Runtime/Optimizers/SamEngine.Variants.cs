using System;
using System.ComponentModel;
using Sam.Kernels;

namespace Sam;

/// <summary>The variant-specific protocol members: the perturbation direction per variant and GSAM's step.</summary>
public sealed partial class SamEngine
{
    /// <summary>
    /// ‖direction‖² of one perturbed parameter (protocol member): the squared norm of the variant's direction
    /// (g; g + λw with weight decay in the perturbation; T·g for ASAM; VaSSO's new d; Friendly SAM's g − σm;
    /// GCSAM's centralized g), in one read-only pass that also accumulates ‖g‖² for telemetry. Throws, naming the
    /// parameter, when the gradient holds NaN or ±∞; nothing (weights or state) has been written at that point.
    /// </summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="slot">Its position among the perturbed parameters.</param>
    /// <param name="memberPath">The member, for error messages.</param>
    /// <param name="index">Collection index, or −1.</param>
    /// <returns>The squared norm of the direction.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public double PerturbationSumOfSquares(Parameter parameter, int slot, string memberPath, int index = -1)
    {
        Required(parameter, memberPath, index);
        Stamp(parameter, memberPath, index);
        if (_pending is not null)
        {
            PerturbStateFor(parameter, slot); // attach loaded state now, in the checking pass, so a mismatch throws before any write
        }

        float decay = PerturbationDecay;
        ReadOnlySpan<float> g = parameter.Gradient;
        ReadOnlySpan<float> w = parameter.TrainedValue;
        double direction, gradient;
        switch (Variant)
        {
            case SamVariant.Asam:
                var asam = new AsamRule((float)_settings.AsamEta);
                direction = Norms(asam, g, w, default, decay, out gradient);
                break;
            case SamVariant.Vasso:
                float[] d = VariantBufferFor(parameter, slot);
                direction = Norms(Vasso, g, w, d, decay, out gradient);
                break;
            case SamVariant.FriendlySam:
                float[] m = VariantBufferFor(parameter, slot);
                direction = Norms(Friendly, g, w, m, decay, out gradient);
                break;
            case SamVariant.Gcsam when parameter.Shape.Count >= 2:
                float[] means = RowMeansFor(parameter, slot);
                int rowLength = parameter.Length / means.Length;
                direction = decay != 0
                    ? VariantKernels.CentralizedNorms<WithDecay>(g, w, decay, rowLength, means, out gradient)
                    : VariantKernels.CentralizedNorms<NoDecay>(g, w, decay, rowLength, means, out gradient);
                break;
            default:
                // SAM, USAM, GSAM, and GCSAM on vectors and scalars (nothing to centralize: one element per output unit).
                direction = decay != 0
                    ? Norms(default(SamRule), g, w, default, decay, out gradient)
                    : gradient = SamKernels.SumOfSquares(g);

                break;
        }

        if (!double.IsFinite(gradient) || !double.IsFinite(direction))
        {
            ThrowNonFinite(parameter, memberPath, index);
        }

        _gradientSumOfSquares += gradient;
        return direction;
    }

    /// <summary>
    /// Moves one parameter to w + a·e along the variant's direction, written to its second buffer, and updates
    /// the variant's state (VaSSO's d, Friendly SAM's m, GSAM's saved gradient) in the same pass (protocol member).
    /// </summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="slot">Its position among the perturbed parameters.</param>
    /// <param name="scale">The factor from <see cref="PerturbationScale"/>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Perturb(Parameter parameter, int slot, float scale)
    {
        float decay = PerturbationDecay;
        ReadOnlySpan<float> g = parameter.Gradient;
        ReadOnlySpan<float> w = parameter.TrainedValue;
        Span<float> y = parameter.ShadowForWrite();
        switch (Variant)
        {
            case SamVariant.Asam:
                var asam = new AsamRule((float)_settings.AsamEta);
                PerturbAlong(asam, w, g, default, decay, scale, y);

                break;
            case SamVariant.Vasso:
                float[] d = VariantBufferFor(parameter, slot);
                PerturbAlong(Vasso, w, g, d, decay, scale, y);

                break;
            case SamVariant.FriendlySam:
                float[] m = VariantBufferFor(parameter, slot);
                PerturbAlong(Friendly, w, g, m, decay, scale, y);

                break;
            case SamVariant.Gsam:
                ParameterState state = PerturbStateFor(parameter, slot);
                float[] saved = state.VariantBuffer ??= new float[parameter.Length];
                PerturbAlong(default(GsamRule), w, g, saved, decay, scale, y);

                state.GsamPerturbation = _perturbationId;
                break;
            case SamVariant.Gcsam when parameter.Shape.Count >= 2:
                float[] means = RowMeansFor(parameter, slot);
                int rowLength = parameter.Length / means.Length;
                if (decay != 0)
                {
                    VariantKernels.CentralizedPerturb<WithDecay>(w, g, means, rowLength, decay, scale, y);
                }
                else
                {
                    VariantKernels.CentralizedPerturb<NoDecay>(w, g, means, rowLength, decay, scale, y);
                }

                break;
            default:
                if (decay != 0)
                {
                    PerturbAlong(default(SamRule), w, g, default, decay, scale, y);
                }
                else
                {
                    SamKernels.AddScaled(w, g, scale, y);
                }

                break;
        }

        parameter.ShowPerturbed();
    }

    /// <summary>
    /// ‖g′‖² of one trained parameter's gradient (protocol member), checked finite. For GSAM it also accumulates,
    /// in the same pass, the global products g·g′ and ‖g′‖² over the perturbed parameters that the decomposition
    /// g = g∥ + g⊥ needs.
    /// </summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="slot">Its position among the trained parameters.</param>
    /// <param name="memberPath">The member, for error messages.</param>
    /// <param name="index">Collection index, or −1.</param>
    /// <returns>The sum of squares.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public double StepSumOfSquares(Parameter parameter, int slot, string memberPath, int index = -1)
    {
        Required(parameter, memberPath, index);
        if (_pending is not null)
        {
            StateFor(parameter, slot); // attach loaded state in the checking pass, so a mismatch throws before any write
        }

        if (Variant == SamVariant.Gsam && IsPerturbed)
        {
            ParameterState state = StateFor(parameter, slot);
            if (state.GsamPerturbation == _perturbationId && state.VariantBuffer is { } saved)
            {
                Stamp(parameter, memberPath, index);
                double dot = VariantKernels.DotAndSumOfSquares(saved, parameter.Gradient, out double sumOfSquares);
                if (!double.IsFinite(sumOfSquares))
                {
                    ThrowNonFinite(parameter, memberPath, index);
                }

                _gsamDot += dot;
                _gsamPerturbedSumOfSquares += sumOfSquares;
                return sumOfSquares;
            }
        }

        return GradientSumOfSquares(parameter, memberPath, index);
    }

    // The decay term is a type argument so the kernels compile it away; these pick the instantiation once per call.
    private static double Norms<TRule>(in TRule rule, ReadOnlySpan<float> g, ReadOnlySpan<float> w, ReadOnlySpan<float> s, float decay, out double gradient)
        where TRule : struct, IPerturbationRule =>
        decay != 0
            ? VariantKernels.Norms<TRule, WithDecay>(rule, g, w, s, decay, out gradient)
            : VariantKernels.Norms<TRule, NoDecay>(rule, g, w, s, decay, out gradient);

    private static void PerturbAlong<TRule>(in TRule rule, ReadOnlySpan<float> w, ReadOnlySpan<float> g, Span<float> s, float decay, float scale, Span<float> y)
        where TRule : struct, IPerturbationRule
    {
        if (decay != 0)
        {
            VariantKernels.Perturb<TRule, WithDecay>(rule, w, g, s, decay, scale, y);
        }
        else
        {
            VariantKernels.Perturb<TRule, NoDecay>(rule, w, g, s, decay, scale, y);
        }
    }

    private VassoRule Vasso => new((float)(1.0 - _settings.VassoTheta), (float)_settings.VassoTheta);

    private FriendlyRule Friendly => new((float)_settings.FriendlyLambda, (float)(1.0 - _settings.FriendlyLambda), (float)_settings.FriendlySigma);

    /// <summary>
    /// GSAM, over the perturbed parameters as one vector: c = (g·g′)/‖g′‖², g⊥ = g − c·g′, and the step direction
    /// g′ − α·g⊥ = (1 + αc)·g′ − α·g. Returns how much the direction's squared norm exceeds ‖g′‖²
    /// (α²‖g⊥‖², since g⊥ ⟂ g′), for clipping. No correction when nothing moved (ρ_t = 0) or g′ = 0.
    /// </summary>
    private double GsamCoefficients()
    {
        _gsamActive = false;
        if (Variant != SamVariant.Gsam || !IsPerturbed || _perturbScale == 0 || !(_gsamPerturbedSumOfSquares > 0) || _settings.GsamAlpha == 0)
        {
            return 0;
        }

        double c = _gsamDot / _gsamPerturbedSumOfSquares;
        double alpha = _settings.GsamAlpha;
        _gsamGain = (float)(1.0 + (alpha * c));
        _gsamAlpha = (float)alpha;
        _gsamActive = true;
        double orthogonal = _gradientSumOfSquares - (_gsamDot * c);
        return alpha * alpha * Math.Max(0, orthogonal);
    }

    private float[] VariantBufferFor(Parameter parameter, int slot) =>
        PerturbStateFor(parameter, slot).VariantBuffer ??= new float[parameter.Length];

    private float[] RowMeansFor(Parameter parameter, int slot)
    {
        ParameterState state = PerturbStateFor(parameter, slot);
        return state.RowMeans ??= new float[parameter.Shape[0]];
    }
}
