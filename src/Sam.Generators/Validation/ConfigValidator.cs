using System.Collections.Generic;
using System.Globalization;
using Sam.Generators.Diagnostics;
using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Validation;

/// <summary>Checks the attribute values the runtime would reject, so they fail at compile time with a location (SAM0004, SAM0008).</summary>
internal static class ConfigValidator
{
    public static IEnumerable<DiagnosticInfo> Validate(AttributeReading reading)
    {
        SamConfigSpec c = reading.Config;
        OptimizerSpec o = c.Optimizer;
        var found = new List<DiagnosticInfo>();

        Check(found, reading, "SharpnessAware.Rho", c.Rho, IsFinite(c.Rho) && c.Rho >= 0, "ρ must be finite and non-negative");
        Check(found, reading, "Sgd.LearningRate", o.LearningRate, IsFinite(o.LearningRate) && o.LearningRate > 0, "the learning rate must be positive and finite");
        Check(found, reading, "Sgd.Momentum", o.Momentum, IsFinite(o.Momentum) && o.Momentum >= 0 && o.Momentum < 1, "momentum must be in [0, 1)");
        Check(found, reading, "Sgd.Dampening", o.Dampening, IsFinite(o.Dampening) && o.Dampening >= 0 && o.Dampening <= 1, "dampening must be in [0, 1]");
        Check(found, reading, "Sgd.WeightDecay", o.WeightDecay, IsFinite(o.WeightDecay) && o.WeightDecay >= 0, "weight decay must be finite and non-negative");

        if (reading.AttributeLocations.ContainsKey("Sgd") && reading.AttributeLocations.ContainsKey("AdamW"))
        {
            found.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ConflictingArguments,
                reading.AttributeLocations["AdamW"],
                "[Sgd] and [AdamW] both select a base optimizer; keep one"));
        }

        if (o.Nesterov && (o.Momentum == 0 || o.Dampening != 0))
        {
            found.Add(DiagnosticInfo.Create(
                DiagnosticDescriptors.ConflictingArguments,
                At(reading, "Sgd.Nesterov"),
                "Nesterov = true needs Momentum > 0 and Dampening = 0"));
        }

        return found;
    }

    public static bool IsFinite(double v) => !double.IsNaN(v) && !double.IsInfinity(v);

    private static void Check(List<DiagnosticInfo> found, AttributeReading reading, string key, double value, bool ok, string why)
    {
        if (!ok)
        {
            found.Add(DiagnosticInfo.Create(DiagnosticDescriptors.InvalidArgument, At(reading, key), key.Substring(key.IndexOf('.') + 1), value.ToString("R", CultureInfo.InvariantCulture), why));
        }
    }

    private static LocationInfo? At(AttributeReading reading, string key) =>
        reading.ArgumentLocations.TryGetValue(key, out LocationInfo? l) && l is not null ? l : reading.AttributeLocation;
}
