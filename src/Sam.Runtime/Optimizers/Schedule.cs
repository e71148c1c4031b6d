using System;
using System.Globalization;

namespace Sam;

/// <summary>
/// A ρ or learning-rate schedule: the value at step t (counted from 0) for a base value v₀, evaluated per step
/// without allocation. The same shapes as <see cref="RhoScheduleAttribute"/> and
/// <see cref="LearningRateScheduleAttribute"/> (docs/variants.md, "Schedules").
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><description>Constant: v₀.</description></item>
/// <item><description>Polynomial: v₀·(1 + t)^(−Exponent).</description></item>
/// <item><description>Cosine: Floor + (v₀ − Floor)·(1 + cos(π·t/TotalSteps))/2 for t &lt; TotalSteps, then Floor.</description></item>
/// <item><description>Step: v₀·Gamma^⌊t/StepSize⌋.</description></item>
/// <item><description>
/// Linear warm-up on any shape: for t &lt; WarmupSteps the value is multiplied by (t + 1)/WarmupSteps, a ramp
/// from 0 (at t = −1) that reaches the decayed value at t = WarmupSteps − 1. The decay itself is not shifted:
/// it runs on the same t. The first step's value is never 0, so a warmed-up learning rate stays positive.
/// </description></item>
/// </list>
/// </remarks>
public sealed class Schedule
{
    /// <summary>Creates a schedule; every argument is validated and named in the exception when invalid.</summary>
    /// <param name="kind">The shape.</param>
    /// <param name="exponent">Polynomial: the decay exponent a ≥ 0. Default 0.5.</param>
    /// <param name="floor">Cosine: the value reached at <paramref name="totalSteps"/> (≥ 0). Default 0.</param>
    /// <param name="totalSteps">Cosine: the horizon T (&gt; 0 for Cosine).</param>
    /// <param name="stepSize">Step: steps between decays (&gt; 0 for Step).</param>
    /// <param name="gamma">Step: the factor applied at each decay, in (0, 1]. Default 0.1.</param>
    /// <param name="warmupSteps">Any kind: linear warm-up length W ≥ 0. Default 0.</param>
    public Schedule(ScheduleKind kind, double exponent = 0.5, double floor = 0, long totalSteps = 0, long stepSize = 0, double gamma = 0.1, long warmupSteps = 0)
    {
        if (kind is < ScheduleKind.Constant or > ScheduleKind.Step)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown schedule kind.");
        }

        if (!double.IsFinite(exponent) || exponent < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(exponent), exponent, "The polynomial exponent must be finite and non-negative.");
        }

        if (!double.IsFinite(floor) || floor < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(floor), floor, "The cosine floor must be finite and non-negative.");
        }

        if (totalSteps < 0 || (kind == ScheduleKind.Cosine && totalSteps == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "A cosine schedule needs TotalSteps > 0.");
        }

        if (stepSize < 0 || (kind == ScheduleKind.Step && stepSize == 0))
        {
            throw new ArgumentOutOfRangeException(nameof(stepSize), stepSize, "A step schedule needs StepSize > 0.");
        }

        if (!double.IsFinite(gamma) || gamma <= 0 || gamma > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Gamma must be in (0, 1].");
        }

        if (warmupSteps < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "Warm-up steps must be non-negative.");
        }

        Kind = kind;
        Exponent = exponent;
        Floor = floor;
        TotalSteps = totalSteps;
        StepSize = stepSize;
        Gamma = gamma;
        WarmupSteps = warmupSteps;
    }

    /// <summary>The shape.</summary>
    public ScheduleKind Kind { get; }

    /// <summary>Polynomial decay exponent.</summary>
    public double Exponent { get; }

    /// <summary>Cosine floor.</summary>
    public double Floor { get; }

    /// <summary>Cosine horizon in steps.</summary>
    public long TotalSteps { get; }

    /// <summary>Step decay interval in steps.</summary>
    public long StepSize { get; }

    /// <summary>Step decay factor.</summary>
    public double Gamma { get; }

    /// <summary>Linear warm-up length in steps.</summary>
    public long WarmupSteps { get; }

    /// <summary>A constant schedule (optionally with a linear warm-up).</summary>
    /// <param name="warmupSteps">Warm-up length.</param>
    /// <returns>The schedule.</returns>
    public static Schedule Constant(long warmupSteps = 0) => new(ScheduleKind.Constant, warmupSteps: warmupSteps);

    /// <summary>v₀·(1 + t)^(−exponent).</summary>
    /// <param name="exponent">a ≥ 0.</param>
    /// <param name="warmupSteps">Warm-up length.</param>
    /// <returns>The schedule.</returns>
    public static Schedule Polynomial(double exponent, long warmupSteps = 0) => new(ScheduleKind.Polynomial, exponent: exponent, warmupSteps: warmupSteps);

    /// <summary>Cosine from v₀ to <paramref name="floor"/> over <paramref name="totalSteps"/> steps.</summary>
    /// <param name="totalSteps">The horizon T &gt; 0.</param>
    /// <param name="floor">The final value.</param>
    /// <param name="warmupSteps">Warm-up length.</param>
    /// <returns>The schedule.</returns>
    public static Schedule Cosine(long totalSteps, double floor = 0, long warmupSteps = 0) => new(ScheduleKind.Cosine, floor: floor, totalSteps: totalSteps, warmupSteps: warmupSteps);

    /// <summary>v₀·gamma^⌊t/stepSize⌋.</summary>
    /// <param name="stepSize">Steps between decays.</param>
    /// <param name="gamma">Decay factor in (0, 1].</param>
    /// <param name="warmupSteps">Warm-up length.</param>
    /// <returns>The schedule.</returns>
    public static Schedule StepDecay(long stepSize, double gamma = 0.1, long warmupSteps = 0) => new(ScheduleKind.Step, stepSize: stepSize, gamma: gamma, warmupSteps: warmupSteps);

    /// <summary>The value at step <paramref name="step"/> (from 0) for base value <paramref name="baseValue"/>.</summary>
    /// <param name="baseValue">v₀.</param>
    /// <param name="step">t ≥ 0.</param>
    /// <returns>The scheduled value (finite and ≥ 0 when v₀ is).</returns>
    public double Evaluate(double baseValue, long step)
    {
        if (step < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step must be non-negative.");
        }

        double v = Kind switch
        {
            ScheduleKind.Polynomial => baseValue * Math.Pow(1.0 + step, -Exponent),
            ScheduleKind.Cosine => step >= TotalSteps
                ? Floor
                : Floor + ((baseValue - Floor) * 0.5 * (1.0 + Math.Cos(Math.PI * step / TotalSteps))),
            ScheduleKind.Step => baseValue * Math.Pow(Gamma, step / StepSize),
            _ => baseValue,
        };

        return step < WarmupSteps ? v * (step + 1) / WarmupSteps : v;
    }

    /// <inheritdoc/>
    public override string ToString()
    {
        var ci = CultureInfo.InvariantCulture;
        string s = Kind switch
        {
            ScheduleKind.Polynomial => string.Format(ci, "polynomial (1+t)^-{0:R}", Exponent),
            ScheduleKind.Cosine => string.Format(ci, "cosine to {0:R} over {1} steps", Floor, TotalSteps),
            ScheduleKind.Step => string.Format(ci, "step decay x{0:R} every {1} steps", Gamma, StepSize),
            _ => "constant",
        };
        return WarmupSteps > 0 ? s + string.Format(ci, ", linear warm-up over {0} steps", WarmupSteps) : s;
    }
}
