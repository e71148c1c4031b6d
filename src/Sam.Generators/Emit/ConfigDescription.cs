using System.Collections.Generic;
using System.Globalization;
using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>The configuration as sentences for the generated doc comments (XML-escaped).</summary>
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
}
