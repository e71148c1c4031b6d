using System;

namespace Sam;

/// <summary>
/// Shared shape of the schedule attributes. Declared on the model class so the analyzer can read the
/// schedule and check it against the convergence conditions.
/// </summary>
public abstract class ScheduleAttribute : Attribute
{
    private protected ScheduleAttribute(ScheduleKind kind) => Kind = kind;

    /// <summary>The schedule's shape.</summary>
    public ScheduleKind Kind { get; }

    /// <summary>Polynomial: the decay exponent (≥ 0). Default 0.5.</summary>
    public double Exponent { get; set; } = SamDefaults.ScheduleExponent;

    /// <summary>Cosine: the value reached at TotalSteps (≥ 0). Default 0.</summary>
    public double Floor { get; set; }

    /// <summary>Cosine: the horizon in steps (&gt; 0 for Cosine; 0 falls back to the [SharpnessAware] TotalSteps).</summary>
    public long TotalSteps { get; set; }

    /// <summary>Step: steps between decays (&gt; 0 for Step).</summary>
    public long StepSize { get; set; }

    /// <summary>Step: the factor applied at each decay, in (0, 1]. Default 0.1.</summary>
    public double Gamma { get; set; } = SamDefaults.ScheduleGamma;

    /// <summary>
    /// Any kind: ramp linearly from 0 to the scheduled value over the first WarmupSteps steps, multiplying step t's
    /// value by (t + 1)/WarmupSteps (never 0). Default 0.
    /// </summary>
    public long WarmupSteps { get; set; }
}

/// <summary>Schedules ρ from the [SharpnessAware] Rho (ρ₀). Without it ρ is constant.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RhoScheduleAttribute : ScheduleAttribute
{
    /// <summary>Declares the ρ schedule.</summary>
    /// <param name="kind">The shape.</param>
    public RhoScheduleAttribute(ScheduleKind kind)
        : base(kind)
    {
    }
}

/// <summary>Schedules the base optimizer's learning rate from its declared value (η₀). Without it η is constant.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class LearningRateScheduleAttribute : ScheduleAttribute
{
    /// <summary>Declares the learning-rate schedule.</summary>
    /// <param name="kind">The shape.</param>
    public LearningRateScheduleAttribute(ScheduleKind kind)
        : base(kind)
    {
    }
}
