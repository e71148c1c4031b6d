using System;
using System.Collections.Generic;
using System.Globalization;
using TheoryLab.Numerics;
using TheoryLab.Output;
using TheoryLab.Problems;

namespace TheoryLab.Experiments;

/// <summary>What the hallucination experiment measured.</summary>
/// <param name="Radii">The radii.</param>
/// <param name="FinalX">Where SAM ended, per radius.</param>
/// <param name="FinalGradient">|f'| there (nonzero: not a stationary point).</param>
/// <param name="DistanceToMinimizer">|x_T − m|, m the narrow minimizer the perturbation lands on (≈ ρ).</param>
/// <param name="WarmupFinalX">Where warm-up (10 % base steps) then SAM ended, per radius.</param>
/// <param name="WarmupFinalGradient">|f'| there.</param>
/// <param name="StationaryPoints">f's stationary points: wide minimum, maximum, narrow minimum.</param>
public sealed record HallucinationResult(
    IReadOnlyList<double> Radii,
    IReadOnlyList<double> FinalX,
    IReadOnlyList<double> FinalGradient,
    IReadOnlyList<double> DistanceToMinimizer,
    IReadOnlyList<double> WarmupFinalX,
    IReadOnlyList<double> WarmupFinalGradient,
    IReadOnlyList<double> StationaryPoints,
    IReadOnlyList<Verdict> Verdicts,
    Figure Figure) : IExperimentResult
{
    /// <inheritdoc/>
    public string Name => "hallucination";
}

/// <summary>
/// Park et al. 2025 on f(x) = ½x² − 2·exp(−(x − 2)²/0.18): a wide minimum A ≈ 0, a maximum M ≈ 1.345
/// and a narrow minimum m ≈ 1.910. Started at x₀ = 1.2 (in A's basin, where gradient descent goes), normalized
/// SAM stops at h = m − ρ: there f'(h) &gt; 0, so the perturbation x + ρ lands exactly on m where the gradient
/// vanishes, and SAM stops although h is not stationary. Ten percent of base-optimizer steps first bring x
/// to A, where SAM then stays.
/// </summary>
public static class HallucinationExperiment
{
    private const double Start = 1.2;

    /// <summary>Runs the experiment.</summary>
    /// <param name="quick">2 000 steps per run instead of 10 000.</param>
    /// <param name="progress">Receives the fraction done.</param>
    public static HallucinationResult Run(bool quick, IProgress<double>? progress = null)
    {
        var problem = new DipLandscape();
        double[] stationary = problem.StationaryPoints();
        double wideMin = stationary[0], max = stationary[1], narrowMin = stationary[2];
        double[] radii = [0.6, 0.8, 1.0];
        int steps = quick ? 2_000 : 10_000;
        var x = new double[radii.Length];
        var g = new double[radii.Length];
        var d = new double[radii.Length];
        var wx = new double[radii.Length];
        var wg = new double[radii.Length];
        var trajectories = new List<Series>();
        int runs = 2 * radii.Length + 1;
        int done = 0;
        for (int r = 0; r < radii.Length; r++)
        {
            (List<(double X, double Y)> path, double end) = RunOne(problem, radii[r], warmupSteps: 0, steps);
            x[r] = end;
            g[r] = Math.Abs(problem.Derivative(end));
            d[r] = Math.Abs(end - narrowMin);
            trajectories.Add(new Series(string.Format(CultureInfo.InvariantCulture, "SAM, ρ = {0}", radii[r]), path));
            progress?.Report(++done / (double)runs);

            (List<(double X, double Y)> wpath, double wend) = RunOne(problem, radii[r], warmupSteps: steps / 10, steps);
            wx[r] = wend;
            wg[r] = Math.Abs(problem.Derivative(wend));
            if (radii[r] == 0.8)
            {
                trajectories.Add(new Series("10 % base steps, then SAM, ρ = 0.8", wpath, SeriesStyle.Dashed));
            }

            progress?.Report(++done / (double)runs);
        }

        (List<(double X, double Y)> gdPath, double gdEnd) = RunOne(problem, 0, warmupSteps: steps, steps);
        trajectories.Add(new Series("gradient descent", gdPath, SeriesStyle.Dashed));
        progress?.Report(1.0);

        var landscape = new List<(double, double)>();
        for (int i = 0; i <= 360; i++)
        {
            double u = -0.8 + i * 3.4 / 360;
            landscape.Add((u, problem.Value(u)));
        }

        var samEnds = new List<(double, double)>();
        var warmEnds = new List<(double, double)>();
        for (int r = 0; r < radii.Length; r++)
        {
            samEnds.Add((x[r], problem.Value(x[r])));
            warmEnds.Add((wx[r], problem.Value(wx[r])));
        }

        var ci = CultureInfo.InvariantCulture;
        bool allAway = true, allNonStationary = true, allWarmFixed = true;
        var at = new List<string>();
        for (int r = 0; r < radii.Length; r++)
        {
            allAway &= Math.Abs(d[r] - radii[r]) < 0.02 * radii[r];
            allNonStationary &= g[r] > 0.1;
            allWarmFixed &= wg[r] < 0.02 && Math.Abs(wx[r] - wideMin) < 0.05;
            at.Add(string.Format(ci, "ρ = {0}: x = {1:F3}, |x − m| = {2:F3}, |f'| = {3:F2}", radii[r], x[r], d[r], g[r]));
        }

        Verdict[] verdicts =
        [
            new("SAM settles ≈ ρ away from a minimizer (|x_T − m| = ρ ± 2 %)", string.Join("; ", at), allAway),
            new("…at a point that is not stationary (|f'(x_T)| > 0.1)", string.Format(ci, "|f'| = {0:F2}, {1:F2}, {2:F2}; next to the maximum M = {3:F3}", g[0], g[1], g[2], max), allNonStationary),
            new("10 % base-optimizer warm-up, then SAM, recovers the minimum at these radii (a mitigation, not a guarantee)", string.Format(ci, "ends at x = {0:E1}, {1:E1}, {2:E1} (minimum A = {3:F3}); |f'| ≤ {4:E1}", wx[0], wx[1], wx[2], wideMin, Math.Max(wg[0], Math.Max(wg[1], wg[2]))), allWarmFixed),
            new("gradient descent from the same start finds the minimum A", string.Format(ci, "x_T = {0:E1}", gdEnd), Math.Abs(gdEnd - wideMin) < 0.01),
        ];

        var figure = new Figure(
            "Normalized SAM hallucinates a minimizer on ½x² − 2·exp(−(x − 2)²/0.18) (Park et al. 2025)",
            [
                new Panel("iterates from x₀ = 1.2, η_t = 0.05/√(1 + t/200)", "steps t", "x_t", true, false, trajectories,
                [
                    new ReferenceLine(narrowMin, string.Format(ci, "narrow minimum m = {0:F3}", narrowMin)),
                    new ReferenceLine(max, string.Format(ci, "maximum M = {0:F3}", max)),
                    new ReferenceLine(wideMin, string.Format(ci, "minimum A = {0:F3}", wideMin)),
                ]),
                new Panel("the landscape and where each run ended", "x", "f(x)", false, false,
                [
                    new Series("f(x)", landscape),
                    new Series("SAM end points (ρ = 0.6, 0.8, 1.0)", samEnds, SeriesStyle.Markers),
                    new Series("warm-up then SAM end points", warmEnds, SeriesStyle.Markers),
                    new Series("stationary points A, M, m", [(wideMin, problem.Value(wideMin)), (max, problem.Value(max)), (narrowMin, problem.Value(narrowMin))], SeriesStyle.Markers),
                ]),
            ]);
        return new HallucinationResult(radii, x, g, d, wx, wg, stationary, verdicts, figure);
    }

    // Base steps while t ≤ warmupSteps (all steps: gradient descent), SAM afterwards.
    private static (List<(double X, double Y)> Path, double End) RunOne(DipLandscape problem, double rho, int warmupSteps, int steps)
    {
        var trainer = new Trainer(problem, [(float)Start], rho, 0.05);
        var path = new List<(double X, double Y)>();
        int[] checks = Fit.LogSpaced(1, steps, 40);
        int c = 0;
        for (int t = 1; t <= steps; t++)
        {
            trainer.LearningRate = 0.05 / Math.Sqrt(1 + t / 200.0);
            if (t <= warmupSteps)
            {
                trainer.BaseStep();
            }
            else
            {
                trainer.SamStep();
            }

            if (t == checks[c])
            {
                path.Add((t, trainer.X[0]));
                c++;
            }
        }

        return (path, trainer.X[0]);
    }
}
