using System.Collections.Generic;
using System.Globalization;
using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>
/// The configuration, and what the convergence theory guarantees for it, as sentences for the generated doc
/// comments (XML-escaped). The guarantee mirrors the analyzer's rules (Validation/TheoryRules.cs): one short
/// sentence with its citation, "outside the cited analyses" where no cited analysis covers the configuration.
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
            VariantKind.LookSam => string.Format(ci, "Configured as LookSAM (Liu et al., CVPR 2022) with {0}, α = {1} and a SAM step every {2} steps{3},", rho, Literals.Double(c.EfficiencyOrDefault.LookSamAlpha), c.Interval, Norm(c)),
            VariantKind.Esam => string.Format(ci, "Configured as ESAM's stochastic weight perturbation (Du et al., ICLR 2022) with {0} and β = {1}{2},", rho, Literals.Double(c.EfficiencyOrDefault.EsamBeta), Norm(c)),
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

        EfficiencySpec e = c.EfficiencyOrDefault;
        if (e.Policy == PolicyKind.Adaptive)
        {
            yield return string.Format(ci, "AE-SAM policy (Jiang et al., ICLR 2023): a SAM step when ‖g‖² ≥ μ + c_t·σ, δ = {0}, c_t from {1} to {2} over {3} steps.", Literals.Double(e.AdaptiveDecay), Literals.Double(e.AdaptiveThresholdStart), Literals.Double(e.AdaptiveThresholdEnd), Literals.Long(c.TotalSteps));
        }
        else if (e.Policy == PolicyKind.Random)
        {
            yield return string.Format(ci, "Randomized switching: a SAM step with probability {0} (seed {1}).", Literals.Double(e.SamProbability), Literals.Long(e.Seed));
        }

        if (c.Interval > 1 && c.Variant != VariantKind.LookSam)
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

        if (c.Variant == VariantKind.Asam && c.AsamScaleBiases)
        {
            yield return "ASAM scales biases and other parameters of rank < 2 as well (AsamScaleBiases; the authors' code leaves them unscaled).";
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

    /// <summary>
    /// One sentence: what the chosen configuration is proven to do, with the source. Optima are claimed only on a declared
    /// (strongly) convex loss with a decaying step; with the landscape undeclared the sentence speaks of stationarity;
    /// where no cited analysis covers the configuration it says "outside the cited analyses".
    /// </summary>
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
            return c.Optimizer.Kind == BaseOptimizerKind.AdamW
                ? "outside the cited analyses, which study plain SGD steps (Si &amp; Yun 2023; Khanh et al. 2024); LightSAM (Cheng et al. 2025) analyses a different, adaptive-radius algorithm with Adam-type steps, not this one."
                : "outside the cited analyses, which study plain SGD steps without momentum (Si &amp; Yun 2023; Khanh et al. 2024).";
        }

        if (c.SkipsOrApproximatesSamSteps)
        {
            return c.EfficiencyOrDefault.Policy == PolicyKind.Adaptive
                ? "outside the cited analyses, which take a SAM step at every iteration (Si &amp; Yun 2023; Khanh et al. 2024); Jiang et al. (ICLR 2023) prove a convergence result for AE-SAM under their own assumptions, not checked here."
                : "outside the cited analyses, which take a SAM step at every iteration (Si &amp; Yun 2023; Khanh et al. 2024); skipped or approximated SAM steps are not covered.";
        }

        if (!Validation.TheoryRules.IsAnalysedVariant(c.Variant))
        {
            return "outside the cited analyses for this variant; they cover SAM, USAM, VaSSO, F-SAM and RSAM (Khanh et al. 2024), and GCSAM by our reading of the same bound.";
        }

        if (rho?.Shape == ScheduleShape.Cosine || lr?.Shape == ScheduleShape.Cosine)
        {
            return "a cosine schedule ends at a finite horizon, outside the asymptotic conditions (Khanh et al. 2024); finite-horizon analyses exist (Harada &amp; Iiduka 2024) but are not checked here.";
        }

        if (lr is { Shape: ScheduleShape.Step } && lr.Gamma < 1)
        {
            return "not covered: a step decay that never ends has Σηₜ &lt; ∞, and the decaying-step results need Σηₜ = ∞ (Khanh et al. 2024).";
        }

        bool stochastic = a.Noise == NoiseKind.Stochastic;
        bool convex = a.Landscape is LandscapeKind.Convex or LandscapeKind.StronglyConvex;
        bool rhoDecays = rho is { Shape: ScheduleShape.Polynomial, Exponent: > 0 } || rho is { Shape: ScheduleShape.Step } && rho.Gamma < 1;
        if (lr is { Shape: ScheduleShape.Polynomial } && lr.Exponent > 0)
        {
            if (!Sam.Theory.TheoryConditions.LearningRateExponentInRange(lr.Exponent))
            {
                return "not covered: the decaying-step results need ηₜ ∝ t^(−b) with ½ &lt; b ≤ 1 (Khanh et al. 2024).";
            }

            if (stochastic)
            {
                return "with stochastic gradients, outside the cited decaying-step analyses, which assume exact gradients (Khanh et al. 2024); stochastic SAM with decaying steps is studied by Oikonomou &amp; Loizou (ICLR 2025), whose conditions are not checked here.";
            }

            string b = Literals.Double(lr.Exponent);
            if (rhoDecays && rho!.Shape == ScheduleShape.Polynomial && !Sam.Theory.TheoryConditions.StepRadiusProductSummable(rho.Exponent, lr.Exponent) && !convex)
            {
                return "not covered: on a loss not declared convex the decays need a + b &gt; 1 (Khanh et al. 2024).";
            }

            if (rhoDecays)
            {
                return string.Format(ci, "with exact gradients, ηₜ ∝ t^(−{0}) and a decaying ρ, ∇f → 0 and f converges (Khanh et al., NeurIPS 2024).", b);
            }

            if (c.Normalize && a.Landscape == LandscapeKind.StronglyConvex)
            {
                return string.Format(
                    ci,
                    "with exact gradients on a strongly convex loss and a decaying step ηₜ ∝ t^(−{0}), the optimum is reached{1} (Si &amp; Yun, NeurIPS 2023).",
                    b,
                    lr.Exponent == 1 ? ", and the paper proves the tight rate Θ̃(1/T²) for its choice of decaying step" : "");
            }

            return convex
                ? string.Format(ci, "with exact gradients on a convex loss and ηₜ ∝ t^(−{0}), ∇f → 0 along a subsequence (Khanh et al., NeurIPS 2024).", b)
                : string.Format(ci, "with exact gradients and constant ρ on a loss not declared convex, only a neighbourhood of stationarity of order ρ² = {0} is guaranteed (Si &amp; Yun, NeurIPS 2023); ∇f → 0 needs a convex loss or a decaying ρ (Khanh et al. 2024).", Validation.ConfigValidator.Derived(c.Rho * c.Rho));
        }

        if (rhoDecays)
        {
            return "not covered with a constant learning rate; the decaying-ρ results need Σηₜ = ∞ and Σηₜ² &lt; ∞ (Khanh et al. 2024).";
        }

        if (!c.Normalize)
        {
            return a.Smoothness > 0 && Sam.Theory.TheoryConditions.UsamRadiusCovered(c.Rho, a.Smoothness)
                ? string.Format(ci, "ρL = {0} &lt; 1, the regime the USAM results cover (Khanh et al. 2024).", Validation.ConfigValidator.Derived(c.Rho * a.Smoothness))
                : "USAM's results need ρL &lt; 1 for the smoothness L (Khanh et al. 2024).";
        }

        string rho2 = Validation.ConfigValidator.Derived(c.Rho * c.Rho);
        if (a.Noise != NoiseKind.Deterministic)
        {
            return string.Format(ci, "with stochastic gradients, convergence only to a neighbourhood of {0} with an unavoidable term of order ρ² = {1} (Si &amp; Yun, NeurIPS 2023).", convex ? "optima" : "stationarity", rho2);
        }

        return a.Landscape switch
        {
            LandscapeKind.StronglyConvex or LandscapeKind.Convex => "not covered with a constant learning rate: with exact gradients the optimum is reached with a decaying step (Si &amp; Yun, NeurIPS 2023), while a constant step can leave the iterates cycling around it (docs/theory.md#rate).",
            _ => string.Format(ci, "with exact gradients on a loss not declared convex, only a neighbourhood of stationarity of order ρ² = {0} (Si &amp; Yun, NeurIPS 2023).", rho2),
        };
    }
}
