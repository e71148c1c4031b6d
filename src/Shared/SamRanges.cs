// One source of truth for the valid range of every option: the analyzer reports a value outside it at build time
// (SAM0004) and the runtime's setters and constructors throw ArgumentOutOfRangeException for it, with the same
// predicate. Linked into both (the generator targets netstandard2.0 and must not load the runtime).
namespace Sam;

/// <summary>Whether a value is valid for an option; every predicate also requires a finite value.</summary>
internal static class SamRanges
{
    public static bool IsFinite(double v) => !double.IsNaN(v) && !double.IsInfinity(v);

    /// <summary>ρ, Friendly SAM's σ, GSAM's α, clipping norm, weight decay: finite and ≥ 0.</summary>
    public static bool NonNegative(double v) => IsFinite(v) && v >= 0;

    /// <summary>Learning rate, ASAM's η, Adam's ε: finite and &gt; 0.</summary>
    public static bool Positive(double v) => IsFinite(v) && v > 0;

    /// <summary>Momentum, Friendly SAM's λ, Adam's β₁ and β₂, the base-optimizer fraction: [0, 1).</summary>
    public static bool UnitRightOpen(double v) => IsFinite(v) && v >= 0 && v < 1;

    /// <summary>Dampening, a SAM-step probability: [0, 1].</summary>
    public static bool UnitClosed(double v) => IsFinite(v) && v >= 0 && v <= 1;

    /// <summary>VaSSO's θ: (0, 1].</summary>
    public static bool UnitLeftOpen(double v) => IsFinite(v) && v > 0 && v <= 1;

    /// <summary>
    /// Whether a value the range allows is also usable in single precision, where the kernels compute: at most the
    /// largest float, and, for a value that must be positive, not rounding to 0 there.
    /// </summary>
    public static bool FitsSingle(double v, bool positive) =>
        !(v > float.MaxValue) && !(positive && v > 0 && (float)v == 0f);

    /// <summary>η·λ, the decay step, must fit in a float too (both may fit while their product does not).</summary>
    public static bool DecayStepFitsSingle(double learningRate, double weightDecay) => !(learningRate * weightDecay > float.MaxValue);

    /// <summary>The probability of a randomized SAM step: [0, 1]. (ESAM's β uses <see cref="UnitLeftOpen"/>.)</summary>
    public static bool Probability(double v) => UnitClosed(v);

    /// <summary>AE-SAM's δ: (0, 1).</summary>
    public static bool UnitOpen(double v) => IsFinite(v) && v > 0 && v < 1;

    /// <summary>AE-SAM's thresholds λ₁, λ₂ (in standard deviations): any finite value.</summary>
    public static bool Threshold(double v) => IsFinite(v);

    /// <summary>The interval between SAM steps: ≥ 1.</summary>
    public static bool Interval(long v) => v >= 1;

    /// <summary>A number of steps (0 = none or unknown): ≥ 0.</summary>
    public static bool Steps(long v) => v >= 0;
}
