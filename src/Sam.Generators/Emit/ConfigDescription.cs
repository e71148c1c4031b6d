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
        string rho = c.RhoSchedule is { IsConstant: false } ? "scheduled ρ₀ = " + Literals.Double(c.Rho) : "constant ρ = " + Literals.Double(c.Rho);
        yield return c.Variant switch
        {
            VariantKind.Asam => string.Format(ci, "Configured as ASAM (Kwon et al., ICML 2021) with {0} and η = {1}{2},", rho, Literals.Double(c.AsamEta), Norm(c)),
            VariantKind.Vasso => string.Format(ci, "Configured as VaSSO (Li &amp; Giannakis, NeurIPS 2023) with {0} and θ = {1}{2},", rho, Literals.Double(c.VassoTheta), Norm(c)),
            VariantKind.FriendlySam => string.Format(ci, "Configured as Friendly SAM (Li et al., CVPR 2024) with {0}, λ = {1} and σ = {2}{3},", rho, Literals.Double(c.FriendlyLambda), Literals.Double(c.FriendlySigma), Norm(c)),
            VariantKind.Gsam => string.Format(ci, "Configured as GSAM (Zhuang et al., ICLR 2022) with {0} and α = {1}{2},", rho, Literals.Double(c.GsamAlpha), Norm(c)),
            VariantKind.Gcsam => string.Format(ci, "Configured as GCSAM (Hassan et al. 2025) with {0}{1},", rho, Norm(c)),
            _ => c.Normalize
                ? string.Format(ci, "Configured as SAM with {0} and a normalized perturbation (Foret et al., ICLR 2021),", rho)
                : string.Format(ci, "Configured as unnormalized SAM (USAM) with {0} (Andriushchenko &amp; Flammarion, ICML 2022),", rho),
        };

        OptimizerSpec o = c.Optimizer;
        string baseOptimizer;
        if (o.Kind == BaseOptimizerKind.AdamW)
        {
            baseOptimizer = string.Format(ci, "over AdamW with learning rate {0}, β = ({1}, {2}), ε = {3}, decoupled weight decay {4}{5}",
                Literals.Double(o.LearningRate), Literals.Double(o.Beta1), Literals.Double(o.Beta2), Literals.Double(o.Epsilon), Literals.Double(o.WeightDecay), o.Amsgrad ? ", AMSGrad" : "");
        }
        else
        {
            baseOptimizer = string.Format(ci, "over SGD with learning rate {0}", Literals.Double(o.LearningRate));
            if (o.Momentum != 0)
            {
                baseOptimizer += string.Format(ci, ", momentum {0}{1}", Literals.Double(o.Momentum), o.Nesterov ? " (Nesterov)" : "");
            }

            if (o.WeightDecay != 0)
            {
                baseOptimizer += string.Format(ci, ", {0}weight decay {1}", o.DecoupledWeightDecay ? "decoupled " : "", Literals.Double(o.WeightDecay));
            }
        }

        yield return baseOptimizer + ".";

        if (c.RhoSchedule is { IsConstant: false } rs)
        {
            yield return "ρ schedule: " + Describe(rs, c.TotalSteps) + ".";
        }

        if (c.LearningRateSchedule is { IsConstant: false } ls)
        {
            yield return "Learning-rate schedule: " + Describe(ls, c.TotalSteps) + ".";
        }

        if (c.Interval > 1)
        {
            yield return string.Format(ci, "Periodic: a SAM step every {0} steps, the base optimizer alone in between.", c.Interval);
        }

        if (c.BaseOptimizerSteps > 0 || c.BaseOptimizerFraction > 0)
        {
            yield return c.BaseOptimizerFraction > 0
                ? string.Format(ci, "Switching: the base optimizer alone for the first {0} steps (at least {1} of {2}), then SAM.", Literals.Long(c.BaseOptimizerSteps), Literals.Double(c.BaseOptimizerFraction), Literals.Long(c.TotalSteps))
                : string.Format(ci, "Switching: the base optimizer alone for the first {0} steps, then SAM.", Literals.Long(c.BaseOptimizerSteps));
        }

        if (c.MaxGradientNorm > 0)
        {
            yield return string.Format(ci, "The gradient of the base step is clipped to global norm {0} (the perturbation's gradient is not).", Literals.Double(c.MaxGradientNorm));
        }

        if (c.PerturbWeightDecay)
        {
            yield return "Weight decay enters the perturbation's gradient.";
        }

        yield return "Guarantee: " + Guarantee(c);
    }

    private static string Norm(SamConfigSpec c) => c.Normalize ? "" : ", unnormalized";

    private static string Describe(ScheduleSpec s, long totalSteps)
    {
        var ci = CultureInfo.InvariantCulture;
        string shape = s.Shape switch
        {
            ScheduleShape.Polynomial => string.Format(ci, "polynomial decay (1 + t)^−{0}", Literals.Double(s.Exponent)),
            ScheduleShape.Cosine => string.Format(ci, "cosine to {0} over {1} steps", Literals.Double(s.Floor), Literals.Long(s.TotalSteps == 0 ? totalSteps : s.TotalSteps)),
            ScheduleShape.Step => string.Format(ci, "×{0} every {1} steps", Literals.Double(s.Gamma), Literals.Long(s.StepSize)),
            _ => "constant",
        };
        return s.WarmupSteps > 0 ? string.Format(ci, "{0}, linear warm-up over {1} steps", shape, Literals.Long(s.WarmupSteps)) : shape;
    }

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
                    // With constant ρ the subsequence result is the convex one; nonconvex losses keep an O(ρ²) floor (Si & Yun).
                    rhoDecays ? ", and on nonconvex losses ∇f → 0 and f converges" : " on a convex loss");
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
