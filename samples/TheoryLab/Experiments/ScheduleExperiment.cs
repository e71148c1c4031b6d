using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Sam.Theory;
using TheoryLab.Numerics;
using TheoryLab.Output;
using TheoryLab.Problems;

namespace TheoryLab.Experiments;

/// <summary>One polynomial schedule η_t = η₀(1 + t)^(−b), ρ_t = ρ₀(1 + t)^(−a) and its outcome.</summary>
/// <param name="A">ρ's exponent a.</param>
/// <param name="B">η's exponent b.</param>
/// <param name="Classification">The analyzer's classification (src/Shared/TheoryConditions.cs, the code SAM0103/SAM0104 run).</param>
/// <param name="FinalGradient">‖∇f‖ at the last step.</param>
/// <param name="Reached">Whether <see cref="FinalGradient"/> is below the stationarity tolerance.</param>
internal sealed record ScheduleCase(double A, double B, ScheduleVerdict Classification, double FinalGradient, bool Reached)
{
    /// <summary>½ &lt; b ≤ 1 and (a = 0 or a + b &gt; 1): the analyzer stays quiet.</summary>
    public bool Satisfies => Classification == ScheduleVerdict.Covered;

    /// <summary>Which condition fails, in the analyzer's terms.</summary>
    public string Violations => Classification switch
    {
        ScheduleVerdict.StepSumFinite => "Σηₜ < ∞ (b > 1, SAM0103)",
        ScheduleVerdict.StepSquaresDivergent => "Σηₜ² = ∞ (b ≤ ½, SAM0103)",
        ScheduleVerdict.ProductDivergent => "Σηₜρₜ = ∞ (a + b ≤ 1, SAM0104)",
        _ => "none",
    };
}

/// <summary>What the schedules experiment measured.</summary>
/// <param name="Cases">Every schedule tried.</param>
/// <param name="Tolerance">The ‖∇f‖ under which a run counts as having reached stationarity.</param>
internal sealed record ScheduleResult(IReadOnlyList<ScheduleCase> Cases, double Tolerance, IReadOnlyList<Verdict> Verdicts, Figure Figure) : IExperimentResult
{
    /// <inheritdoc/>
    public string Name => "schedules";
}

/// <summary>
/// Khanh et al. 2024: with exact gradients and plain SGD steps, Σηₜ = ∞, Σηₜ² &lt; ∞ (and, with a decaying ρ on a
/// nonconvex loss, Σηₜρₜ &lt; ∞) are sufficient for SAM's iterates to become stationary. Deterministic normalized SAM on
/// the double well ¼(x² − 1)² + ½y² (nonconvex), every grid point classified by the analyzer's own code
/// (<see cref="TheoryConditions.Classify"/>), with points at and next to each boundary (b = ½, b = 1, a + b = 1).
/// The claims: every covered schedule reaches stationarity; a step sum far from divergent (b = 1.5) freezes the
/// iterate; and the conditions are sufficient, not necessary: some flagged schedules converge too.
/// </summary>
internal static class ScheduleExperiment
{
    private const double Eta0 = 0.5, Rho0 = 0.4;

    /// <summary>The (a, b) grid: inside, at and next to each boundary of the conditions.</summary>
    public static IReadOnlyList<(double A, double B)> Grid { get; } =
    [
        (0.5, 1.0), (0.5, 0.75), (0.75, 0.75), (0.5, 0.55),        // inside
        (0.5, 0.95), (0.5, 1.05), (0.5, 1.5),                     // around b = 1
        (0.5, 0.5), (0.5, 0.45), (0.8, 0.4),                      // at and below b = ½
        (0.3, 0.75), (0.25, 0.75), (0.2, 0.75), (0.05, 0.6),      // around a + b = 1
        (0.0, 0.75), (0.05, 1.0),                                 // constant ρ; slow ρ with b = 1
    ];

    /// <summary>The analyzer's classification of one grid point on a possibly nonconvex loss.</summary>
    public static ScheduleVerdict Classify(double a, double b) => TheoryConditions.Classify(a, b, maybeNonconvex: true);

    /// <summary>Runs the experiment.</summary>
    /// <param name="quick">20 000 steps per schedule instead of 400 000.</param>
    /// <param name="progress">Receives the fraction done.</param>
    public static ScheduleResult Run(bool quick, IProgress<double>? progress = null)
    {
        int total = quick ? 20_000 : 400_000;
        double tolerance = quick ? 1e-4 : 1e-6;
        var cases = new List<ScheduleCase>();
        var series = new List<Series>();
        var ci = CultureInfo.InvariantCulture;
        for (int k = 0; k < Grid.Count; k++)
        {
            (double a, double b) = Grid[k];
            (List<(double X, double Y)> curve, double g) = RunOne(a, b, total, f => progress?.Report((k + f) / Grid.Count));
            ScheduleVerdict v = Classify(a, b);
            cases.Add(new ScheduleCase(a, b, v, g, g < tolerance));
            series.Add(new Series(string.Format(ci, "a = {0}, b = {1}{2}", a, b, v == ScheduleVerdict.Covered ? string.Empty : " (flagged)"), curve, v == ScheduleVerdict.Covered ? SeriesStyle.Line : SeriesStyle.Dashed));
        }

        var verdicts = new List<Verdict>();
        foreach (ScheduleCase c in cases.Where(c => c.Satisfies))
        {
            verdicts.Add(new Verdict(
                string.Format(ci, "a = {0}, b = {1}: conditions hold → reaches stationarity", c.A, c.B),
                string.Format(ci, "‖∇f‖ = {0:E2} ({1} {2:E0})", c.FinalGradient, c.Reached ? "<" : "≥", tolerance),
                c.Reached));
        }

        foreach (ScheduleCase c in cases.Where(c => !c.Satisfies))
        {
            verdicts.Add(new Verdict(
                string.Format(ci, "a = {0}, b = {1}: {2} → no claim (the conditions are sufficient, not necessary)", c.A, c.B, c.Violations),
                string.Format(ci, "‖∇f‖ = {0:E2} ({1})", c.FinalGradient, c.Reached ? "reaches" : "does not reach"),
                true));
        }

        ScheduleCase frozen = cases.Single(c => c.B == 1.5);
        verdicts.Add(new Verdict(
            "b = 1.5: Σηₜ < ∞ freezes the iterate short of stationarity",
            string.Format(ci, "‖∇f‖ = {0:E2} (> 10 × tolerance)", frozen.FinalGradient),
            frozen.FinalGradient > 10 * tolerance));
        int flaggedReached = cases.Count(c => !c.Satisfies && c.Reached);
        verdicts.Add(new Verdict(
            "the conditions are sufficient, not necessary: some flagged schedules converge",
            string.Format(ci, "{0} of {1} flagged schedules reach the tolerance", flaggedReached, cases.Count(c => !c.Satisfies)),
            flaggedReached > 0));

        var figure = new Figure(
            "Deterministic SAM on ¼(x² − 1)² + ½y² with η_t ∝ t^(−b), ρ_t ∝ t^(−a) (conditions: Khanh et al. 2024)",
            [
                new Panel("‖∇f‖ vs steps; dashed = schedules the analyzer flags (sufficient conditions, not necessary)", "steps t", "‖∇f(x_t)‖", true, true, series,
                    [new ReferenceLine(tolerance, string.Format(ci, "tolerance {0:E0}", tolerance))]),
            ]);
        return new ScheduleResult(cases, tolerance, verdicts, figure);
    }

    private static (List<(double X, double Y)> Curve, double FinalGradient) RunOne(double a, double b, int total, Action<double> progress)
    {
        var trainer = new Trainer(new DoubleWell(), [0.3f, 1f], Rho0, Eta0);
        int[] checks = Fit.LogSpaced(10, total, 10);
        var curve = new List<(double X, double Y)>();
        int c = 0;
        for (int t = 1; t <= total; t++)
        {
            double s = 1 + t;
            trainer.LearningRate = Eta0 * Math.Pow(s, -b);
            trainer.Rho = Rho0 * Math.Pow(s, -a);
            trainer.SamStep();
            if (t == checks[c])
            {
                curve.Add((t, Math.Max(DoubleWell.GradientNorm(trainer.X), 1e-12)));
                c++;
                progress((double)t / total);
            }
        }

        return (curve, DoubleWell.GradientNorm(trainer.X));
    }
}
