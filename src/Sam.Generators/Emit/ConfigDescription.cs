using System.Collections.Generic;
using System.Globalization;
using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>The configuration as sentences for the generated doc comments.</summary>
internal static class ConfigDescription
{
    public static IEnumerable<string> Lines(SamConfigSpec c)
    {
        var ci = CultureInfo.InvariantCulture;
        yield return c.Normalize
            ? string.Format(ci, "Configured as SAM with constant ρ = {0} and a normalized perturbation (Foret et al., ICLR 2021),", Literals.Double(c.Rho))
            : string.Format(ci, "Configured as unnormalized SAM (USAM) with constant ρ = {0} (Andriushchenko &amp; Flammarion, ICML 2022),", Literals.Double(c.Rho));
        OptimizerSpec o = c.Optimizer;
        string sgd = string.Format(ci, "over SGD with learning rate {0}", Literals.Double(o.LearningRate));
        if (o.Momentum != 0)
        {
            sgd += string.Format(ci, ", momentum {0}{1}", Literals.Double(o.Momentum), o.Nesterov ? " (Nesterov)" : "");
        }

        if (o.WeightDecay != 0)
        {
            sgd += string.Format(ci, ", {0}weight decay {1}", o.DecoupledWeightDecay ? "decoupled " : "", Literals.Double(o.WeightDecay));
        }

        yield return sgd + ".";
    }
}
