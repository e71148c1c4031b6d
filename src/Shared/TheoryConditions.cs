// One source of truth for the convergence conditions the analyzer checks and the theory lab classifies with.
// Compiled into Sam.Generators (netstandard2.0) and samples/TheoryLab by <Compile Include="..." Link="..."/>;
// keep it dependency-free C# that netstandard2.0 accepts. The sources are cited in docs/theory.md and on each
// diagnostic's page under docs/diagnostics/.
namespace Sam.Theory;

/// <summary>
/// The summability conditions of the decaying-schedule convergence results (Khanh et al., NeurIPS 2024) for
/// polynomial schedules ηₜ ∝ (1 + t)^(−b), ρₜ ∝ (1 + t)^(−a), the USAM radius condition and the geometric
/// (step-decay) learning rate. Each condition is sufficient for the cited results, not necessary for convergence.
/// </summary>
internal static class TheoryConditions
{
    /// <summary>The exponent at and below which Σηₜ² diverges: Σ t^(−2b) &lt; ∞ ⇔ b &gt; ½.</summary>
    public const double SquareSummableAbove = 0.5;

    /// <summary>The exponent above which Σηₜ converges: Σ t^(−b) = ∞ ⇔ b ≤ 1.</summary>
    public const double DivergentSumAtMost = 1.0;

    /// <summary>Σηₜ = ∞ for ηₜ ∝ t^(−b): b ≤ 1 (b ≥ 0).</summary>
    public static bool StepSumDiverges(double b) => b <= DivergentSumAtMost;

    /// <summary>Σηₜ² &lt; ∞ for ηₜ ∝ t^(−b): b &gt; ½.</summary>
    public static bool StepSquaresSummable(double b) => b > SquareSummableAbove;

    /// <summary>Both step conditions: ½ &lt; b ≤ 1.</summary>
    public static bool LearningRateExponentInRange(double b) => StepSumDiverges(b) && StepSquaresSummable(b);

    /// <summary>Σηₜρₜ &lt; ∞ for ηₜ ∝ t^(−b), ρₜ ∝ t^(−a): a + b &gt; 1.</summary>
    public static bool StepRadiusProductSummable(double a, double b) => a + b > 1;

    /// <summary>
    /// A step-decay learning rate η₀·γ^⌊t/S⌋ that never stops decaying has the finite sum η₀·S/(1 − γ) when γ &lt; 1,
    /// so Σηₜ = ∞ fails; γ = 1 is a constant rate.
    /// </summary>
    public static bool StepDecaySumDiverges(double gamma) => gamma >= 1;

    /// <summary>The finite sum η₀·S/(1 − γ) of a never-ending step decay (γ &lt; 1).</summary>
    public static double StepDecaySum(double eta0, long stepSize, double gamma) => eta0 * stepSize / (1 - gamma);

    /// <summary>USAM's results need ρL &lt; 1 for the radius the iterates keep (Khanh et al. 2024).</summary>
    public static bool UsamRadiusCovered(double rho, double smoothness) => rho * smoothness < 1;

    /// <summary>Which of the polynomial-schedule conditions (a, b) break, in the order the analyzer reports them.</summary>
    public static ScheduleVerdict Classify(double a, double b, bool maybeNonconvex)
    {
        if (!StepSumDiverges(b))
        {
            return ScheduleVerdict.StepSumFinite;
        }

        if (!StepSquaresSummable(b))
        {
            return ScheduleVerdict.StepSquaresDivergent;
        }

        if (maybeNonconvex && a > 0 && !StepRadiusProductSummable(a, b))
        {
            return ScheduleVerdict.ProductDivergent;
        }

        return ScheduleVerdict.Covered;
    }
}

/// <summary>The outcome of <see cref="TheoryConditions.Classify"/>.</summary>
internal enum ScheduleVerdict
{
    /// <summary>Every condition holds.</summary>
    Covered,

    /// <summary>b &gt; 1: Σηₜ &lt; ∞ (SAM0103).</summary>
    StepSumFinite,

    /// <summary>b ≤ ½: Σηₜ² = ∞ (SAM0103).</summary>
    StepSquaresDivergent,

    /// <summary>a &gt; 0 and a + b ≤ 1 on a possibly nonconvex loss: Σηₜρₜ = ∞ (SAM0104).</summary>
    ProductDivergent,
}
