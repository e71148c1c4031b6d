using System.Collections.Generic;
using System.Globalization;
using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>
/// The configuration, and what the convergence theory guarantees for it, as sentences for the generated doc
/// comments (XML-escaped). The guarantee mirrors the analyzer's rules (Validation/TheoryRules.cs): one short
/// sentence with its citation, "none known" where the configuration is outside every analysis.
/// </summary>
internal static class ConfigDescription
{
    public static IEnumerable<string> Lines(SamConfigSpec c)
    {
        var ci = CultureInfo.InvariantCulture;
        yield return c.Normalize
            ? string.Format(ci, "Configured as SAM with {0} ρ = {1} and a normalized perturbation (Foret et al., ICLR 2021),", RhoKind(c), Literals.Double(c.Rho))
            : string.Format(ci, "Configured as unnormalized SAM (USAM) with {0} ρ = {1} (Andriushchenko &amp; Flammarion, ICML 2022),", RhoKind(c), Literals.Double(c.Rho));
        OptimizerSpec o = c.Optimizer;
        string opt = o.Kind == BaseOptimizerKind.AdamW
            ? string.Format(ci, "over AdamW with learning rate {0}", Literals.Double(o.LearningRate))
            : string.Format(ci, "over SGD with learning rate {0}", Literals.Double(o.LearningRate));
        if (o.Kind == BaseOptimizerKind.Sgd && o.Momentum != 0)
        {
            opt += string.Format(ci, ", momentum {0}{1}", Literals.Double(o.Momentum), o.Nesterov ? " (Nesterov)" : "");
        }

        if (o.WeightDecay != 0)
        {
            opt += string.Format(ci, ", {0}weight decay {1}", o.DecoupledWeightDecay || o.Kind == BaseOptimizerKind.AdamW ? "decoupled " : "", Literals.Double(o.WeightDecay));
        }

        yield return opt + ".";
        yield return "Guarantee: " + Guarantee(c);
    }

    private static string RhoKind(SamConfigSpec c) => c.RhoSchedule?.Shape switch
    {
        ScheduleShape.Polynomial => "polynomially decaying",
        ScheduleShape.Cosine => "cosine-scheduled",
        ScheduleShape.Step => "step-scheduled",
        _ => "constant",
    };

    /// <summary>One sentence: what the chosen configuration is proven to do, with the source.</summary>
    internal static string Guarantee(SamConfigSpec c)
    {
        var ci = CultureInfo.InvariantCulture;
        AssumptionSpec a = c.AssumptionsOrNone;
        ScheduleSpec? rho = c.RhoSchedule, lr = c.LearningRateSchedule;
        if (c.Rho == 0)
        {
            return "with ρ = 0 every step is exactly the base optimizer's.";
        }

        if (c.Optimizer.HasMomentum)
        {
            return "none known; momentum and Adam base steps are outside the SAM convergence analyses (Si &amp; Yun 2023; Khanh et al. 2024).";
        }

        if (c.Variant is not (VariantKind.Sam or VariantKind.Vasso))
        {
            return "none known for this variant; the analyses cover SAM, USAM, VaSSO and RSAM (Khanh et al. 2024).";
        }

        if (rho?.Shape is ScheduleShape.Cosine or ScheduleShape.Step || lr?.Shape is ScheduleShape.Cosine or ScheduleShape.Step)
        {
            return "finite-horizon schedules lie outside the asymptotic analyses; the final constant values decide (Khanh et al. 2024).";
        }

        if (lr is { Shape: ScheduleShape.Polynomial } && lr.Exponent > 0.5 && lr.Exponent <= 1)
        {
            bool rhoDecays = rho is { Shape: ScheduleShape.Polynomial } && rho.Exponent > 0;
            if (!rhoDecays || rho!.Exponent + lr.Exponent > 1)
            {
                return string.Format(
                    ci,
                    "with exact gradients and ηₜ ∝ t^(−{0}), ∇f → 0 along a subsequence{1} (Khanh et al., NeurIPS 2024).",
                    Literals.Double(lr.Exponent),
                    rhoDecays ? ", and on nonconvex losses ∇f → 0 and f converges" : "");
            }

            return "not covered: on nonconvex losses the decays need a + b > 1 (Khanh et al. 2024).";
        }

        if (rho is { Shape: ScheduleShape.Polynomial, Exponent: > 0 })
        {
            return "not covered with a constant learning rate; the decaying-ρ results need Σηₜ = ∞ and Σηₜ² &lt; ∞ (Khanh et al. 2024).";
        }

        if (!c.Normalize)
        {
            return a.Smoothness > 0 && c.Rho * a.Smoothness < 1
                ? string.Format(ci, "ρL = {0} &lt; 1, the regime the USAM results cover (Khanh et al. 2024).", Validation.ConfigValidator.Derived(c.Rho * a.Smoothness))
                : "USAM's results need ρL &lt; 1 for the smoothness L (Khanh et al. 2024).";
        }

        string rho2 = Validation.ConfigValidator.Derived(c.Rho * c.Rho);
        if (a.Noise != NoiseKind.Deterministic)
        {
            return string.Format(ci, "with stochastic gradients, convergence only to a neighbourhood of optima with an unavoidable term of order ρ² = {0} (Si &amp; Yun, NeurIPS 2023).", rho2);
        }

        return a.Landscape switch
        {
            LandscapeKind.StronglyConvex => "with exact gradients on a strongly convex loss, the optimum is reached, at the tight rate Θ̃(1/T²) with a decaying step (Si &amp; Yun, NeurIPS 2023).",
            LandscapeKind.Convex => "with exact gradients on a convex loss, convergence without a ρ² term (Si &amp; Yun, NeurIPS 2023).",
            _ => string.Format(ci, "with exact gradients on a nonconvex loss, only a neighbourhood of stationarity of order ρ² = {0} (Si &amp; Yun, NeurIPS 2023).", rho2),
        };
    }
}
