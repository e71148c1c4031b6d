using System;
using System.Collections.Generic;
using System.Globalization;
using TheoryLab.Numerics;
using TheoryLab.Output;
using TheoryLab.Problems;

namespace TheoryLab.Experiments;

/// <summary>What the rate experiment measured.</summary>
/// <param name="Steps">Checkpoints T.</param>
/// <param name="Gaps">f(x_T) − f* at each checkpoint with η_t = 4/(t + 4).</param>
/// <param name="Slope">Fitted slope of log gap against log T (theory: −2).</param>
/// <param name="CycleGradientNorm">‖∇f‖ at the end of the constant-η run.</param>
/// <param name="PredictedCycleGradientNorm">λ·ηλρ/(2 − ηλ), the 2-cycle's gradient norm along the top eigenvector.</param>
/// <param name="CycleFlipsSign">Whether the constant-η iterate alternates sides of the optimum at the end.</param>
/// <param name="CycleDrift">‖∇f‖ at T over ‖∇f‖ at T/2 for the constant-η run (1 = no progress).</param>
public sealed record RateResult(
    IReadOnlyList<double> Steps,
    IReadOnlyList<double> Gaps,
    double Slope,
    double CycleGradientNorm,
    double PredictedCycleGradientNorm,
    bool CycleFlipsSign,
    double CycleDrift,
    IReadOnlyList<Verdict> Verdicts,
    Figure Figure) : IExperimentResult
{
    /// <inheritdoc/>
    public string Name => "rate";
}

/// <summary>
/// Si &amp; Yun 2023: deterministic SAM, constant normalized ρ = 0.05, on f = ½(x² + ½y²). With a step
/// η_t ∝ 1/t the iterate still overshoots by ≈ η_t·λ·ρ each step, so the gap falls as 1/T²; with a constant
/// η = 0.5 the overshoot does not shrink and the iterate settles on a 2-cycle.
/// </summary>
public static class RateExperiment
{
    private const double Rho = 0.05, ConstantEta = 0.5, EtaScale = 4, EtaOffset = 4;

    /// <summary>Runs the experiment.</summary>
    /// <param name="quick">T = 10⁴ instead of 10⁶.</param>
    /// <param name="progress">Receives the fraction done.</param>
    public static RateResult Run(bool quick, IProgress<double>? progress = null)
    {
        var problem = new Quadratic(1.0, 0.5);
        int total = quick ? 10_000 : 1_000_000;
        int[] checkpoints = Fit.LogSpaced(10, total, 5);
        var gaps = new List<(double X, double Y)>();
        var gradDecaying = new List<(double X, double Y)>();
        var trainer = new Trainer(problem, [1f, 1f], Rho, EtaScale / (1 + EtaOffset));
        int c = 0;
        for (int t = 1; t <= total; t++)
        {
            trainer.LearningRate = EtaScale / (t + EtaOffset);
            trainer.SamStep();
            if (t == checkpoints[c])
            {
                gaps.Add((t, problem.Loss(trainer.X)));
                gradDecaying.Add((t, GradientNorm(trainer.X)));
                c++;
                progress?.Report(0.9 * t / total);
            }
        }

        var fitX = new List<double>();
        var fitY = new List<double>();
        foreach ((double x, double y) in gaps)
        {
            if (x >= 100)
            {
                fitX.Add(x);
                fitY.Add(y);
            }
        }

        (double slope, double intercept) = Fit.LogLog(fitX, fitY);

        // Constant step: the 2-cycle x → −x along the top eigenvector has |x| = ηλρ/(2 − ηλ).
        int constantSteps = quick ? 1_000 : 4_000;
        var cyc = new Trainer(problem, [1f, 1f], Rho, ConstantEta);
        var gradConstant = new List<(double X, double Y)>();
        int[] cCheck = Fit.LogSpaced(1, constantSteps, 20);
        int cc = 0;
        double normHalf = double.NaN;
        float previous = 0;
        for (int t = 1; t <= constantSteps; t++)
        {
            previous = cyc.X[0];
            cyc.SamStep();
            if (t == cCheck[cc])
            {
                gradConstant.Add((t, GradientNorm(cyc.X)));
                cc++;
            }

            if (t == constantSteps / 2)
            {
                normHalf = GradientNorm(cyc.X);
            }
        }

        progress?.Report(1.0);
        double cycleNorm = GradientNorm(cyc.X);
        double predicted = 1.0 * (ConstantEta * Rho / (2 - ConstantEta));
        bool flips = Math.Sign(previous) == -Math.Sign(cyc.X[0]) && cyc.X[0] != 0;
        double drift = cycleNorm / normHalf;

        var reference = new List<(double X, double Y)>();
        foreach (double x in fitX)
        {
            reference.Add((x, Math.Exp(intercept) * Math.Pow(x, -2) * Math.Pow(fitX[^1], slope + 2)));
        }

        var ci = CultureInfo.InvariantCulture;
        Verdict[] verdicts =
        [
            new("η_t ∝ 1/t: gap falls about as 1/T² (slope in [−2.5, −1.5])", string.Format(ci, "slope {0:F2} for T = 100…{1:N0}; gap(T) = {2:E2}", slope, total, gaps[^1].Y), slope is >= -2.5 and <= -1.5),
            new("constant η = 0.5: ‖∇f‖ stalls at ≈ 1.7e-2", string.Format(ci, "‖∇f‖ = {0:E3} (predicted {1:E3})", cycleNorm, predicted), Math.Abs(cycleNorm - predicted) < 0.1 * predicted),
            new("constant η = 0.5: the iterate cycles (x ↦ −x), no progress", string.Format(ci, "sign flips each step: {0}; ‖∇f‖(T)/‖∇f‖(T/2) = {1:F3}", flips ? "yes" : "no", drift), flips && drift is > 0.9 and < 1.1),
        ];

        var figure = new Figure(
            "Deterministic SAM, ρ = 0.05, on ½(x² + ½y²) (Si & Yun 2023)",
            [
                new Panel(string.Format(ci, "η_t = 4/(t + 4): gap vs T, slope {0:F2}", slope), "steps T", "f(x_T) − f*", true, true,
                [
                    new Series("SAM, η_t = 4/(t + 4)", gaps, SeriesStyle.LineAndMarkers),
                    new Series("∝ 1/T² (reference)", reference, SeriesStyle.Dashed),
                ]),
                new Panel("‖∇f‖: constant η cycles, decaying η converges", "steps t", "‖∇f(x_t)‖", true, true,
                [
                    new Series("SAM, constant η = 0.5", gradConstant),
                    new Series("SAM, η_t = 4/(t + 4)", gradDecaying),
                ],
                [new ReferenceLine(predicted, string.Format(ci, "2-cycle: ηλ²ρ/(2 − ηλ) = {0:E2}", predicted))]),
            ]);
        return new RateResult(
            fitX, fitY, slope, cycleNorm, predicted, flips, drift, verdicts, figure);
    }

    private static double GradientNorm(ReadOnlySpan<float> x)
    {
        double gx = x[0], gy = 0.5 * x[1];
        return Math.Sqrt(gx * gx + gy * gy);
    }
}
