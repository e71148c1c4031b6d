using System;
using System.Collections.Generic;
using System.Globalization;
using TheoryLab.Numerics;
using TheoryLab.Output;
using TheoryLab.Problems;

namespace TheoryLab.Experiments;

/// <summary>One polynomial schedule η_t = η₀(1 + t)^(−b), ρ_t = ρ₀(1 + t)^(−a) and its outcome.</summary>
/// <param name="A">ρ's exponent a.</param>
/// <param name="B">η's exponent b.</param>
/// <param name="Satisfies">½ &lt; b ≤ 1 and a + b &gt; 1 (Σηₜ = ∞, Σηₜ² &lt; ∞, Σηₜρₜ &lt; ∞): the analyzer stays quiet.</param>
/// <param name="FinalGap">Mean of f(x_t) − f* over the last 5 % of steps.</param>
/// <param name="Reached">Whether <see cref="FinalGap"/> is below the stationarity tolerance.</param>
public sealed record ScheduleCase(double A, double B, bool Satisfies, double FinalGap, bool Reached)
{
    /// <summary>Which of the conditions fail, in the analyzer's terms.</summary>
    public string Violations
    {
        get
        {
            var v = new List<string>();
            if (B > 1)
            {
                v.Add("Σηₜ < ∞ (b > 1)");
            }

            if (B <= 0.5)
            {
                v.Add("Σηₜ² = ∞ (b ≤ ½)");
            }

            if (A + B <= 1)
            {
                v.Add("Σηₜρₜ = ∞ (a + b ≤ 1)");
            }

            return v.Count == 0 ? "none" : string.Join(", ", v);
        }
    }
}

/// <summary>What the schedules experiment measured.</summary>
/// <param name="Cases">Every schedule tried.</param>
/// <param name="Tolerance">The gap under which a run counts as having reached the optimum.</param>
public sealed record ScheduleResult(IReadOnlyList<ScheduleCase> Cases, double Tolerance, IReadOnlyList<Verdict> Verdicts, Figure Figure) : IExperimentResult
{
    /// <inheritdoc/>
    public string Name => "schedules";
}

/// <summary>
/// Khanh et al. 2024: with polynomial schedules, Σηₜ = ∞, Σηₜ² &lt; ∞ and Σηₜρₜ &lt; ∞ are the conditions
/// under which SAM's iterates become stationary. Stochastic SAM on the plateau problem, same seed for every
/// schedule; the schedules that break a condition are exactly the ones the analyzer's schedule rule flags.
/// </summary>
public static class ScheduleExperiment
{
    private const double Eta0 = 0.5, Rho0 = 0.4;

    /// <summary>The analyzer's rule for polynomial decays: ½ &lt; b ≤ 1 and a + b &gt; 1.</summary>
    public static bool SatisfiesConditions(double a, double b) => b > 0.5 && b <= 1 && a + b > 1;

    /// <summary>Runs the experiment.</summary>
    /// <param name="quick">50 000 steps per schedule instead of 500 000.</param>
    /// <param name="progress">Receives the fraction done.</param>
    public static ScheduleResult Run(bool quick, IProgress<double>? progress = null)
    {
        (double A, double B)[] grid = [(0.5, 1.0), (0.5, 0.75), (0.75, 0.75), (0.0, 0.75), (0.1, 0.6), (0.5, 1.5), (0.8, 0.4)];
        int total = quick ? 50_000 : 500_000;
        double tolerance = quick ? 3e-4 : 1e-4;
        TwoQuadraticsMixture problem = TwoQuadraticsMixture.Default;
        var cases = new List<ScheduleCase>();
        var series = new List<Series>();
        var ci = CultureInfo.InvariantCulture;
        for (int k = 0; k < grid.Length; k++)
        {
            (double a, double b) = grid[k];
            (List<(double X, double Y)> curve, double gap) = RunOne(problem, a, b, total, f => progress?.Report((k + f) / grid.Length));
            bool ok = SatisfiesConditions(a, b);
            cases.Add(new ScheduleCase(a, b, ok, gap, gap < tolerance));
            series.Add(new Series(string.Format(ci, "a = {0}, b = {1}{2}", a, b, ok ? string.Empty : " (flagged)"), curve, ok ? SeriesStyle.Line : SeriesStyle.Dashed));
        }

        var verdicts = new List<Verdict>();
        foreach (ScheduleCase c in cases)
        {
            string claim = c.Satisfies
                ? string.Format(ci, "a = {0}, b = {1}: conditions hold, reaches the optimum", c.A, c.B)
                : string.Format(ci, "a = {0}, b = {1}: {2}, outside the conditions: stalls", c.A, c.B, c.Violations);
            verdicts.Add(new Verdict(claim, string.Format(ci, "gap {0:E2} ({1} {2:E0})", c.FinalGap, c.Reached ? "<" : "≥", tolerance), c.Reached == c.Satisfies));
        }

        var figure = new Figure(
            "Stochastic SAM with η_t ∝ t^(−b), ρ_t ∝ t^(−a): Σηρ < ∞ reaches the optimum (Khanh et al. 2024)",
            [
                new Panel("gap vs steps; dashed = schedules the analyzer flags", "steps t", "mean f(x_t) − f* over a window", true, true, series,
                    [new ReferenceLine(tolerance, string.Format(ci, "tolerance {0:E0}", tolerance))]),
            ]);
        return new ScheduleResult(cases, tolerance, verdicts, figure);
    }

    private static (List<(double X, double Y)> Curve, double FinalGap) RunOne(TwoQuadraticsMixture problem, double a, double b, int total, Action<double> progress)
    {
        var random = new Random(1);
        var trainer = new Trainer(problem, [2f], Rho0, Eta0);
        int[] checks = Fit.LogSpaced(10, total, 10);
        var curve = new List<(double X, double Y)>();
        int c = 0, inWindow = 0;
        double window = 0, tail = 0;
        int tailStart = total - total / 20;
        for (int t = 1; t <= total; t++)
        {
            double s = 1 + t;
            trainer.LearningRate = Eta0 * Math.Pow(s, -b);
            trainer.Rho = Rho0 * Math.Pow(s, -a);
            trainer.StochasticSamStep(random.Next(2));
            double gap = problem.Gap(trainer.X[0]);
            window += gap;
            inWindow++;
            if (t > tailStart)
            {
                tail += gap;
            }

            if (t == checks[c])
            {
                curve.Add((t, window / inWindow));
                window = 0;
                inWindow = 0;
                c++;
                progress((double)t / total);
            }
        }

        return (curve, tail / (total - tailStart));
    }
}
