using System;
using System.Collections.Generic;
using System.Globalization;
using TheoryLab.Numerics;
using TheoryLab.Output;
using TheoryLab.Problems;

namespace TheoryLab.Experiments;

/// <summary>What the nonconvex-floor experiment measured.</summary>
/// <param name="Radii">The constant radii.</param>
/// <param name="Floors">Mean ‖∇f‖ over the last 10 % of steps, per radius.</param>
/// <param name="Slope">Fitted slope of log floor against log ρ (theory: 1, i.e. ‖∇f‖² ∝ ρ²).</param>
/// <param name="GradientDescentFloor">The same measure for ρ = 0 (plain gradient descent).</param>
/// <param name="DecayingRhoFloor">The same measure with ρ_t = 0.2/(1 + t/100).</param>
/// <param name="PredictedPerRho">Floor / ρ predicted by the 2-cycle across the minimum along its stiff direction.</param>
/// <param name="DecayingEtaFloor">The same measure with constant ρ = 0.1 but η_t = 0.1/(1 + t/100): on this landscape the floor is the constant step's 2-cycle.</param>
/// <param name="ScaledFloors">|f_ρ'(x_T)| on the scaled family f_ρ(x) = s²·g(x/s), s = ρ/0.8 (common smoothness L), with a decaying step, per radius.</param>
/// <param name="ScaledSlope">Fitted slope of log <paramref name="ScaledFloors"/> against log ρ.</param>
/// <param name="ScaledDrift">The largest |f'(x_T)|/|f'(x_{T/2})| over the radii: 1 means the floor is not falling.</param>
public sealed record NonconvexFloorResult(
    IReadOnlyList<double> Radii,
    IReadOnlyList<double> Floors,
    double Slope,
    double GradientDescentFloor,
    double DecayingRhoFloor,
    double PredictedPerRho,
    double DecayingEtaFloor,
    IReadOnlyList<double> ScaledFloors,
    double ScaledSlope,
    double ScaledDrift,
    IReadOnlyList<Verdict> Verdicts,
    Figure Figure) : IExperimentResult
{
    /// <inheritdoc/>
    public string Name => "nonconvex-floor";
}

/// <summary>
/// Si &amp; Yun 2023: deterministic SAM with a constant ρ on smooth nonconvex functions is guaranteed only an O(ρ²)
/// neighbourhood of stationarity, and examples show the term cannot be removed. Two parts: (1) the practical
/// configuration (constant ρ, constant η) on f = ¼(x² − 1)² + ½y², whose floor ∝ ρ is the constant step's 2-cycle;
/// (2) a family f_ρ(x) = s²·g(x/s) (s = ρ/0.8, g the hallucination landscape) with one smoothness constant, on which
/// SAM with a *decaying* step stalls at a non-stationary fixed point with ‖∇f_ρ‖ ∝ ρ — an unavoidable O(ρ²) term of
/// the kind the paper proves by example (our construction: we could not read the paper's).
/// </summary>
public static class NonconvexFloorExperiment
{
    private const double Eta = 0.1;

    /// <summary>Runs the experiment.</summary>
    /// <param name="quick">20 000 steps per run instead of 200 000.</param>
    /// <param name="progress">Receives the fraction done.</param>
    public static NonconvexFloorResult Run(bool quick, IProgress<double>? progress = null)
    {
        var problem = new DoubleWell();
        double[] radii = [0.2, 0.1, 0.05, 0.025];
        int total = quick ? 20_000 : 200_000;
        int runs = radii.Length + 3;
        var series = new List<Series>();
        var floors = new double[radii.Length];
        double gdFloor = 0, decayFloor = 0, decayEtaFloor = 0;
        for (int r = 0; r < runs; r++)
        {
            bool gd = r == radii.Length, decay = r == radii.Length + 1, decayEta = r == radii.Length + 2;
            double rho = gd ? 0 : decay ? 0.2 : decayEta ? 0.1 : radii[r];
            (List<(double X, double Y)> curve, double floor) = RunOne(problem, rho, decay, decayEta, total);
            progress?.Report((r + 1.0) / runs);
            var ci0 = CultureInfo.InvariantCulture;
            if (gd)
            {
                gdFloor = floor;
                series.Add(new Series("gradient descent (ρ = 0)", curve, SeriesStyle.Dashed));
            }
            else if (decayEta)
            {
                decayEtaFloor = floor;
                series.Add(new Series("SAM, ρ = 0.1, η_t = 0.1/(1 + t/100)", curve, SeriesStyle.Dashed));
            }
            else if (decay)
            {
                decayFloor = floor;
                series.Add(new Series("SAM, ρ_t = 0.2/(1 + t/100)", curve, SeriesStyle.Dashed));
            }
            else
            {
                floors[r] = floor;
                series.Add(new Series(string.Format(ci0, "SAM, ρ = {0}", rho), curve));
            }
        }

        (double slope, double intercept) = Fit.LogLog(radii, floors);

        // Part 2: the scaled family, decaying step η_t = 0.05/√(1 + t/200), from x₀ = 1.2·s (in g's basin of the
        // hallucinated point, as in the hallucination experiment).
        const double R0 = 0.8;
        int scaledSteps = quick ? 5_000 : 20_000;
        var scaledFloors = new double[radii.Length];
        double drift = 0;
        var scaledCurves = new List<Series>();
        for (int r = 0; r < radii.Length; r++)
        {
            var f = new ScaledLandscape(new DipLandscape(), radii[r] / R0);
            var trainer = new Trainer(f, [(float)(1.2 * f.Scale)], radii[r], 0.05);
            double half = 0;
            for (int t = 1; t <= scaledSteps; t++)
            {
                trainer.LearningRate = 0.05 / Math.Sqrt(1 + t / 200.0);
                trainer.SamStep();
                if (t == scaledSteps / 2)
                {
                    half = Math.Abs(f.Derivative(trainer.X[0]));
                }
            }

            scaledFloors[r] = Math.Abs(f.Derivative(trainer.X[0]));
            drift = Math.Max(drift, Math.Abs(Math.Log(scaledFloors[r] / half)));
        }

        (double scaledSlope, _) = Fit.LogLog(radii, scaledFloors);
        var scaledPoints = new List<(double, double)>();
        for (int r = 0; r < radii.Length; r++)
        {
            scaledPoints.Add((radii[r], scaledFloors[r]));
        }

        // At the minimum (1, 0) the stiff direction has λ = f''(1) = 2; the 2-cycle across it has
        // |δ| = ηλρ/(2 − ηλ), so ‖∇f‖ = λ|δ| = ρ·ηλ²/(2 − ηλ).
        const double Lambda = 2;
        double perRho = Eta * Lambda * Lambda / (2 - Eta * Lambda);
        var measured = new List<(double, double)>();
        var fit = new List<(double, double)>();
        var theory = new List<(double, double)>();
        foreach ((double rho, double floor) in Zip(radii, floors))
        {
            measured.Add((rho, floor));
            fit.Add((rho, Math.Exp(intercept + slope * Math.Log(rho))));
            theory.Add((rho, perRho * rho));
        }

        double smallest = floors[^1];
        var ci = CultureInfo.InvariantCulture;
        Verdict[] verdicts =
        [
            new("‖∇f‖ floor ∝ ρ (slope of log floor vs log ρ in [0.8, 1.2]; ‖∇f‖² = O(ρ²))", string.Format(ci, "slope {0:F2}; floors {1:E2} … {2:E2}", slope, floors[0], smallest), slope is >= 0.8 and <= 1.2),
            new("SAM does not reach stationarity: floor well above gradient descent's", string.Format(ci, "GD ‖∇f‖ = {0:E2} vs SAM(ρ = 0.025) {1:E2}", gdFloor, smallest), gdFloor < 0.01 * smallest),
            new("a decaying ρ_t removes the floor", string.Format(ci, "ρ_t = 0.2/(1 + t/100): ‖∇f‖ = {0:E2}", decayFloor), decayFloor < 0.1 * smallest),
            new("on this landscape the floor is the constant step's 2-cycle: a decaying η_t shrinks it too", string.Format(ci, "ρ = 0.1, η_t = 0.1/(1 + t/100): ‖∇f‖ = {0:E2} vs {1:E2} at η = 0.1", decayEtaFloor, floors[1]), decayEtaFloor < 0.1 * floors[1]),
            new(
                "on f_ρ(x) = s²·g(x/s) (one smoothness constant), a decaying step does not remove the floor: ‖∇f_ρ‖ ∝ ρ, i.e. an O(ρ²) term in ‖∇f‖²",
                string.Format(ci, "slope {0:F2}; |f'| = {1:E2} … {2:E2}; |f'(x_T)|/|f'(x_T/2)| within ×{3:F3}", scaledSlope, scaledFloors[0], scaledFloors[^1], Math.Exp(drift)),
                scaledSlope is >= 0.9 and <= 1.1 && drift < 0.01),
        ];

        var figure = new Figure(
            "Deterministic SAM on ¼(x² − 1)² + ½y², η = 0.1: ‖∇f‖ floor ∝ ρ (Si & Yun 2023)",
            [
                new Panel("‖∇f(x_t)‖ vs steps (window means)", "steps t", "‖∇f(x_t)‖", true, true, series),
                new Panel(string.Format(ci, "floor vs ρ: fitted slope {0:F2}", slope), "ρ", "mean ‖∇f‖, last 10 % of steps", true, true,
                [
                    new Series("measured floor", measured, SeriesStyle.Markers),
                    new Series(string.Format(ci, "fit: slope {0:F2}", slope), fit),
                    new Series("2-cycle: ρ·ηλ²/(2 − ηλ), λ = 2", theory, SeriesStyle.Dashed),
                    new Series("|f_ρ'| on s²·g(x/s), decaying η", scaledPoints, SeriesStyle.LineAndMarkers),
                ]),
            ]);
        return new NonconvexFloorResult(radii, floors, slope, gdFloor, decayFloor, perRho, decayEtaFloor, scaledFloors, scaledSlope, drift, verdicts, figure);
    }

    private static IEnumerable<(double, double)> Zip(double[] a, double[] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            yield return (a[i], b[i]);
        }
    }

    private static (List<(double X, double Y)> Curve, double Floor) RunOne(DoubleWell problem, double rho, bool decay, bool decayEta, int total)
    {
        var trainer = new Trainer(problem, [0.3f, 1f], rho, Eta);
        int[] checks = Fit.LogSpaced(1, total, 20);
        var curve = new List<(double X, double Y)>();
        int c = 0;
        double sum = 0, window = 0;
        int inWindow = 0;
        int tailStart = total - total / 10;
        for (int t = 1; t <= total; t++)
        {
            if (decay)
            {
                trainer.Rho = rho / (1 + t / 100.0);
            }

            if (decayEta)
            {
                trainer.LearningRate = Eta / (1 + t / 100.0);
            }

            if (rho == 0)
            {
                trainer.BaseStep();
            }
            else
            {
                trainer.SamStep();
            }

            double g = DoubleWell.GradientNorm(trainer.X);
            if (t > tailStart)
            {
                sum += g;
            }

            window += g;
            inWindow++;
            if (t == checks[c])
            {
                curve.Add((t, window / inWindow)); // mean over the steps since the last checkpoint: smooths the 2-cycle
                window = 0;
                inWindow = 0;
                c++;
            }
        }

        return (curve, sum / (total - tailStart));
    }
}
