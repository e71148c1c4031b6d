using Sam;

namespace Efficiency;

/// <summary>One row of the table: a name and the SAM settings it trains with (null = the base optimizer alone).</summary>
internal sealed record Method(string Name, string Family, SamSettings? Settings)
{
    /// <summary>
    /// SGD, SAM, and each efficient variant at two or three settings. ρ is the quickstart's; everything else is the
    /// variant's default unless the name says otherwise (docs/variants.md).
    /// </summary>
    public static Method[] All(double rho, long totalSteps) =>
    [
        new("SGD", "SGD", null),
        new("SAM", "SAM", new SamSettings { Rho = rho }),
        new("periodic k=2", "periodic", new SamSettings { Rho = rho, Interval = 2 }),
        new("periodic k=5", "periodic", new SamSettings { Rho = rho, Interval = 5 }),
        new("LookSAM k=2 α=0.7", "LookSAM", new SamSettings { Rho = rho, Variant = SamVariant.LookSam, Interval = 2 }),
        new("LookSAM k=5 α=0.7", "LookSAM", new SamSettings { Rho = rho, Variant = SamVariant.LookSam, Interval = 5 }),
        new("LookSAM k=5 α=0.3", "LookSAM", new SamSettings { Rho = rho, Variant = SamVariant.LookSam, Interval = 5, LookSamAlpha = 0.3 }),
        new("AE-SAM λ=(−1,1)", "AE-SAM", new SamSettings { Rho = rho, StepPolicy = SamStepPolicy.Adaptive, TotalSteps = totalSteps }),
        new("AE-SAM λ=(0,2)", "AE-SAM", new SamSettings { Rho = rho, StepPolicy = SamStepPolicy.Adaptive, TotalSteps = totalSteps, AdaptiveThresholdStart = 0, AdaptiveThresholdEnd = 2 }),
        new("random p=0.5", "random", new SamSettings { Rho = rho, StepPolicy = SamStepPolicy.Random, SamProbability = 0.5, Seed = 1 }),
        new("random p=0.25", "random", new SamSettings { Rho = rho, StepPolicy = SamStepPolicy.Random, SamProbability = 0.25, Seed = 1 }),
        new("ESAM β=0.5", "ESAM", new SamSettings { Rho = rho, Variant = SamVariant.Esam, EsamBeta = 0.5, Seed = 1 }),
    ];
}

/// <summary>One (method, seed) run's outcome.</summary>
internal sealed record RunResult(string Method, int Seed, double TestAccuracy, double SecondsPerEpoch, double GradientsPerStep);
