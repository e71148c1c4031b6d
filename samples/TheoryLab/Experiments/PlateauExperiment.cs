using System;
using System.Collections.Generic;
using System.Globalization;
using TheoryLab.Numerics;
using TheoryLab.Output;
using TheoryLab.Problems;

namespace TheoryLab.Experiments;

/// <summary>What the plateau experiment measured.</summary>
/// <param name="Radii">The constant radii ρ.</param>
/// <param name="Plateaus">The final gap f(x̄) − f* for each radius (x̄ = mean of the last window of iterates).</param>
/// <param name="Predicted">ρ²·(a₂ − a₁)²/(a₁ + a₂)²·f''/2, the gap at the SAM fixed point, for each radius.</param>
/// <param name="Slope">Fitted slope of log plateau against log ρ (theory: 2).</param>
/// <param name="DecayingGap">The final gap with ρ_t decaying from the largest radius.</param>
/// <param name="DecayingSlope">Slope of log gap against log t over the last decade with decaying ρ_t (falling: &lt; 0).</param>
/// <param name="ConstantDrift">For the smallest constant radius, gap(T) / gap(T/8): about 1 on a plateau.</param>
public sealed record PlateauResult(
    IReadOnlyList<double> Radii,
    IReadOnlyList<double> Plateaus,
    IReadOnlyList<double> Predicted,
    double Slope,
    double DecayingGap,
    double DecayingSlope,
    double ConstantDrift,
    IReadOnlyList<Verdict> Verdicts,
    Figure Figure) : IExperimentResult
{
    /// <inheritdoc/>
    public string Name => "plateau";
}

/// <summary>
/// Si &amp; Yun 2023: stochastic SAM with a constant, normalized ρ on a strongly convex problem, with the
/// textbook decaying step η_t = 1/(f''·(t + 10)), stops at a gap ∝ ρ²; a decaying ρ_t keeps going.
/// </summary>
public static class PlateauExperiment
{
    /// <summary>Runs the experiment.</summary>
    /// <param name="quick">Fewer steps (for tests and a first look).</param>
    /// <param name="progress">Receives the fraction done.</param>
    /// <param name="seed">Sampling seed (the same sample sequence for every radius).</param>
    public static PlateauResult Run(bool quick, IProgress<double>? progress = null, int seed = 1)
    {
        TwoQuadraticsMixture problem = TwoQuadraticsMixture.Default;
        double[] radii = [0.4, 0.2, 0.1, 0.05];
        int windows = quick ? 9 : 12; // checkpoints 100·2^k, so T = 51 200 (quick) or 409 600
        int total = 100 << windows;
        int runs = radii.Length + 1;
        var series = new List<Series>();
        var plateaus = new double[radii.Length];
        var predicted = new double[radii.Length];
        double constantDrift = double.NaN;
        List<(double X, double Y)> decaying = [];
        for (int r = 0; r < runs; r++)
        {
            bool decay = r == radii.Length;
            double rho0 = decay ? radii[0] : radii[r];
            List<(double X, double Y)> curve = RunOne(problem, rho0, decay, total, seed, f => progress?.Report((r + f) / runs));
            if (decay)
            {
                decaying = curve;
                series.Add(new Series(string.Format(CultureInfo.InvariantCulture, "ρ_t = {0}·(1 + t/100)^−½", rho0), curve, SeriesStyle.Dashed));
            }
            else
            {
                plateaus[r] = curve[^1].Y;
                double shift = problem.SamFixedPoint(radii[r]) - problem.Optimum;
                predicted[r] = 0.5 * problem.Curvature * shift * shift;
                if (r == radii.Length - 1)
                {
                    constantDrift = curve[^1].Y / curve[^4].Y;
                }

                series.Add(new Series(string.Format(CultureInfo.InvariantCulture, "constant ρ = {0}", radii[r]), curve));
            }
        }

        (double slope, double intercept) = Fit.LogLog(radii, plateaus);
        (double decSlope, _) = Fit.LogLog([decaying[^4].X, decaying[^3].X, decaying[^2].X, decaying[^1].X], [decaying[^4].Y, decaying[^3].Y, decaying[^2].Y, decaying[^1].Y]);
        double decayingGap = decaying[^1].Y;
        int smallest = radii.Length - 1;

        var measured = new List<(double, double)>();
        var theory = new List<(double, double)>();
        var fitted = new List<(double, double)>();
        for (int i = 0; i < radii.Length; i++)
        {
            measured.Add((radii[i], plateaus[i]));
            theory.Add((radii[i], predicted[i]));
            fitted.Add((radii[i], Math.Exp(intercept + slope * Math.Log(radii[i]))));
        }

        var ci = CultureInfo.InvariantCulture;
        Verdict[] verdicts =
        [
            new("plateau ∝ ρ²: slope of log gap vs log ρ in [1.6, 2.4]", string.Format(ci, "slope {0:F2} over ρ = 0.05…0.4", slope), slope is >= 1.6 and <= 2.4),
            new("halving ρ quarters the plateau", string.Format(ci, "gap(0.1)/gap(0.05) = {0:F2}", plateaus[smallest - 1] / plateaus[smallest]), plateaus[smallest - 1] / plateaus[smallest] is >= 3 and <= 5.3),
            new("constant ρ: the gap has stopped falling (plateau)", string.Format(ci, "ρ = 0.05: gap(T)/gap(T/8) = {0:F2}", constantDrift), constantDrift is > 0.5 and < 2),
            new("decaying ρ_t removes the plateau", string.Format(ci, "final gap {0:E2} = {1:F3}× the ρ = {2} plateau; still falling (slope {3:F2})", decayingGap, decayingGap / plateaus[0], radii[0], decSlope), decayingGap < 0.05 * plateaus[0] && decSlope < -0.3),
        ];

        var figure = new Figure(
            "Stochastic SAM, constant ρ: the gap plateaus at ∝ ρ² (Si & Yun 2023)",
            [
                new Panel("gap of the windowed mean iterate vs steps", "steps t", "f(x̄) − f*", true, true, series),
                new Panel(string.Format(ci, "plateau vs ρ: fitted slope {0:F2}", slope), "ρ", "final gap", true, true,
                [
                    new Series("measured plateau", measured, SeriesStyle.Markers),
                    new Series(string.Format(ci, "fit: slope {0:F2}", slope), fitted),
                    new Series("SAM fixed point: ½f''(ρ/2)² = ρ²/4", theory, SeriesStyle.Dashed),
                ]),
            ]);
        return new PlateauResult(radii, plateaus, predicted, slope, decayingGap, decSlope, constantDrift, verdicts, figure);
    }

    // One run: η_t = 1/(f''·(t + 10)); gap of the mean iterate over each window (t/2, t], t = 200, 400, ...
    private static List<(double X, double Y)> RunOne(TwoQuadraticsMixture problem, double rho0, bool decay, int total, int seed, Action<double> progress)
    {
        var random = new Random(seed);
        var trainer = new Trainer(problem, [2f], rho0, 1.0);
        var curve = new List<(double X, double Y)>();
        double sum = 0;
        int next = 200, start = 100;
        for (int t = 1; t <= total; t++)
        {
            trainer.LearningRate = 1.0 / (problem.Curvature * (t + 10));
            if (decay)
            {
                trainer.Rho = rho0 / Math.Sqrt(1 + t / 100.0);
            }

            trainer.StochasticSamStep(random.Next(2));
            if (t > start)
            {
                sum += trainer.X[0];
            }

            if (t == next)
            {
                curve.Add((t, problem.Gap(sum / (t - start))));
                sum = 0;
                start = t;
                next = 2 * t;
                progress((double)t / total);
            }
        }

        return curve;
    }
}
