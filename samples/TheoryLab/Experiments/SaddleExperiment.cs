using System;
using System.Collections.Generic;
using System.Globalization;
using TheoryLab.Numerics;
using TheoryLab.Output;
using TheoryLab.Problems;

namespace TheoryLab.Experiments;

/// <summary>What the saddle experiment measured.</summary>
/// <param name="Radii">Deterministic radii (threshold 1/|λ_min| = 1).</param>
/// <param name="FinalY">|y_T| per radius (≈ 1 escaped to a minimum, ≈ 0 attracted to the saddle).</param>
/// <param name="MomentumAboveFinalY">|y_T| with momentum 0.9 at ρ = 1.25 (deterministic).</param>
/// <param name="NoisyRadii">Radii of the noisy runs started at the saddle (0 = SGD).</param>
/// <param name="EscapeSteps">Mean first step with |y| &gt; 0.5, per noisy radius, without momentum.</param>
/// <param name="EscapeStepsMomentum">The same with momentum 0.9.</param>
/// <param name="NormalizedRadii">Radii of deterministic normalized-SAM runs from the same start.</param>
/// <param name="NormalizedFinalY">|y_T| of those runs.</param>
/// <param name="NoisyNormalizedRadii">Radii of noisy normalized-SAM runs started at the saddle.</param>
/// <param name="NoisyNormalizedEscaped">Fraction of seeds that escaped within <paramref name="NoisyNormalizedCap"/> steps, without momentum.</param>
/// <param name="NoisyNormalizedEscapedMomentum">The same with momentum 0.9.</param>
/// <param name="NoisyNormalizedMeanEscapeMomentum">Mean escape step with momentum 0.9 (a seed that never escapes counts as the budget).</param>
/// <param name="NoisyNormalizedCap">The step budget of those runs.</param>
public sealed record SaddleResult(
    IReadOnlyList<double> Radii,
    IReadOnlyList<double> FinalY,
    double MomentumAboveFinalY,
    IReadOnlyList<double> NoisyRadii,
    IReadOnlyList<double> EscapeSteps,
    IReadOnlyList<double> EscapeStepsMomentum,
    IReadOnlyList<double> NormalizedRadii,
    IReadOnlyList<double> NormalizedFinalY,
    IReadOnlyList<double> NoisyNormalizedRadii,
    IReadOnlyList<double> NoisyNormalizedEscaped,
    IReadOnlyList<double> NoisyNormalizedEscapedMomentum,
    IReadOnlyList<double> NoisyNormalizedMeanEscapeMomentum,
    int NoisyNormalizedCap,
    IReadOnlyList<Verdict> Verdicts,
    Figure Figure) : IExperimentResult
{
    /// <inheritdoc/>
    public string Name => "saddle";
}

/// <summary>
/// Kim et al. 2023 on f = ½(x² − y²) + ¼y⁴, λ_min = −1. The threshold ρ ≈ 1/|λ_min| is a statement about
/// the linearised SAM step (w + ρ∇f, i.e. unnormalized SAM, <c>Normalize = false</c>): there the saddle's
/// effective curvature along y is −μ(1 − ρμ), an attractor for ρμ &gt; 1. Deterministic runs show attraction vs
/// escape; noisy runs started at the saddle show SAM escaping more slowly than SGD, and momentum speeding it up.
/// </summary>
public static class SaddleExperiment
{
    private const double Eta = 0.05, Momentum = 0.9, EscapeLevel = 0.5;

    /// <summary>Runs the experiment.</summary>
    /// <param name="quick">Fewer seeds and steps.</param>
    /// <param name="progress">Receives the fraction done.</param>
    public static SaddleResult Run(bool quick, IProgress<double>? progress = null)
    {
        var problem = new QuarticSaddle(1, 1);
        double threshold = 1 / problem.Mu;
        double[] radii = [0.5, 0.8, 1.25, 2.0];
        int steps = quick ? 3_000 : 6_000;
        var left = new List<Series>();
        var finalY = new double[radii.Length];
        for (int r = 0; r < radii.Length; r++)
        {
            (List<(double X, double Y)> curve, double y) = Deterministic(problem, radii[r], 0, steps);
            finalY[r] = y;
            left.Add(new Series(string.Format(CultureInfo.InvariantCulture, "ρ = {0}{1}", radii[r], radii[r] > threshold ? " (> 1/|λ_min|)" : string.Empty), curve));
        }

        (List<(double X, double Y)> momCurve, double momY) = Deterministic(problem, 1.25, Momentum, steps);
        left.Add(new Series("ρ = 1.25, momentum 0.9", momCurve, SeriesStyle.Dashed));

        // Normalized SAM is linearised SAM with radius ρ/‖∇f‖, which grows without bound near the saddle:
        // once ‖∇f‖ < ρ|λ_min| (within ≈ ρ of it) the threshold is crossed whatever ρ is.
        double[] normalizedRadii = [0.02, 0.2];
        var normalizedY = new double[normalizedRadii.Length];
        for (int r = 0; r < normalizedRadii.Length; r++)
        {
            (List<(double X, double Y)> curve, double y) = Deterministic(problem, normalizedRadii[r], 0, steps, normalize: true);
            normalizedY[r] = y;
            left.Add(new Series(string.Format(CultureInfo.InvariantCulture, "normalized SAM, ρ = {0}", normalizedRadii[r]), curve, SeriesStyle.Dashed));
        }
        progress?.Report(0.2);

        double[] noisyRadii = [0, 0.25, 0.5, 0.75, 0.9];
        int seeds = quick ? 8 : 40;
        int cap = quick ? 20_000 : 40_000;
        var escape = new double[noisyRadii.Length];
        var escapeMom = new double[noisyRadii.Length];
        for (int r = 0; r < noisyRadii.Length; r++)
        {
            escape[r] = MeanEscape(problem, noisyRadii[r], 0, seeds, cap);
            escapeMom[r] = MeanEscape(problem, noisyRadii[r], Momentum, seeds, cap);
            progress?.Report(0.2 + 0.8 * (r + 1) / noisyRadii.Length);
        }

        // Normalized SAM with gradient noise (σ = 0.01) started at the saddle: its radius ρ/‖∇f‖ is huge there, so the
        // perturbed step points back towards the saddle; we count how many seeds escape within a bounded budget.
        double[] noisyNormalizedRadii = [0.02, 0.05];
        int normalizedSeeds = quick ? 4 : 16;
        int normalizedCap = quick ? 10_000 : 100_000;
        var escapedNormalized = new double[noisyNormalizedRadii.Length];
        var escapedNormalizedMom = new double[noisyNormalizedRadii.Length];
        var meanNormalizedMom = new double[noisyNormalizedRadii.Length];
        for (int r = 0; r < noisyNormalizedRadii.Length; r++)
        {
            (escapedNormalized[r], _) = EscapeStatistics(problem, noisyNormalizedRadii[r], 0, normalizedSeeds, normalizedCap);
            (escapedNormalizedMom[r], meanNormalizedMom[r]) = EscapeStatistics(problem, noisyNormalizedRadii[r], Momentum, normalizedSeeds, normalizedCap);
        }

        var plain = new List<(double, double)>();
        var mom = new List<(double, double)>();
        var predicted = new List<(double, double)>();
        for (int r = 0; r < noisyRadii.Length; r++)
        {
            plain.Add((noisyRadii[r], escape[r]));
            mom.Add((noisyRadii[r], escapeMom[r]));
            predicted.Add((noisyRadii[r], escape[0] / (1 - noisyRadii[r] * problem.Mu)));
        }

        var ci = CultureInfo.InvariantCulture;
        bool below = finalY[0] > 0.9 && finalY[1] > 0.9;
        bool above = finalY[2] < 1e-4 && finalY[3] < 1e-4;
        int half = Array.IndexOf(noisyRadii, 0.5);
        Verdict[] verdicts =
        [
            new("ρ below 1/|λ_min| = 1: SAM escapes the saddle", string.Format(ci, "|y_T| = {0:F3} (ρ = 0.5), {1:F3} (ρ = 0.8); minima at |y| = 1", finalY[0], finalY[1]), below),
            new("ρ above 1/|λ_min|: the saddle attracts SAM", string.Format(ci, "|y_T| = {0:E1} (ρ = 1.25), {1:E1} (ρ = 2)", finalY[2], finalY[3]), above),
            new("with noise, SAM escapes more slowly than SGD", string.Format(ci, "mean escape step: SGD {0:F0}, SAM ρ = 0.5 {1:F0} (×{2:F2})", escape[0], escape[half], escape[half] / escape[0]), escape[half] > 1.3 * escape[0]),
            new("momentum escapes faster (mitigates)", string.Format(ci, "SAM ρ = 0.5 with momentum 0.9: {0:F0} steps vs {1:F0} without", escapeMom[half], escape[half]), escapeMom[half] < 0.7 * escape[half]),
            new("above the threshold, momentum alone does not undo the attraction (deterministic)", string.Format(ci, "ρ = 1.25, momentum 0.9: |y_T| = {0:E1}", momY), momY < 1e-4),
            new("normalized SAM (radius ρ/‖∇f‖ near the saddle): attracted once within ≈ ρ, escapes when ρ is small", string.Format(ci, "from |y| = 0.01: ρ = 0.2 → |y_T| = {0:E1}; ρ = 0.02 → |y_T| = {1:F3}", normalizedY[1], normalizedY[0]), normalizedY[1] < 1e-3 && normalizedY[0] > 0.9),
            new(
                string.Format(ci, "noisy normalized SAM (σ = 0.01) without momentum stays at the saddle (SGD escapes in {0:F0} steps)", escape[0]),
                string.Format(ci, "escaped within {0} steps: ρ = 0.02 {1:P0}, ρ = 0.05 {2:P0}", normalizedCap, escapedNormalized[0], escapedNormalized[1]),
                escapedNormalized[0] <= 0.5 && escapedNormalized[1] <= 0.5),
            new(
                string.Format(ci, "momentum 0.9 frees noisy normalized SAM, but at ρ = 0.05 the escape is still far slower than SGD + momentum ({0:F0} steps)", escapeMom[0]),
                string.Format(ci, "ρ = 0.02: {0:P0} escaped, mean {1:F0} steps; ρ = 0.05: {2:P0}, mean {3:F0} (budget {4})", escapedNormalizedMom[0], meanNormalizedMom[0], escapedNormalizedMom[1], meanNormalizedMom[1], normalizedCap),
                meanNormalizedMom[1] > 10 * escapeMom[0]),
        ];

        var figure = new Figure(
            "SAM at the strict saddle of ½(x² − y²) + ¼y⁴ (Kim et al. 2023)",
            [
                new Panel("deterministic from (1, 0.01), η = 0.05; solid: Normalize = false", "steps t", "|y_t| (clipped at 10⁻¹²)", false, true, left,
                    [new ReferenceLine(1, "minima at |y| = 1")]),
                new Panel("noisy, from the saddle, Normalize = false: mean escape time", "ρ (threshold 1/|λ_min| = 1)", "steps until |y| > 0.5", false, true,
                [
                    new Series("SAM (ρ = 0: SGD)", plain, SeriesStyle.LineAndMarkers),
                    new Series("SAM + momentum 0.9", mom, SeriesStyle.LineAndMarkers),
                    new Series("SGD time / (1 − ρ|λ_min|)", predicted, SeriesStyle.Dashed),
                ]),
            ]);
        return new SaddleResult(radii, finalY, momY, noisyRadii, escape, escapeMom, normalizedRadii, normalizedY, noisyNormalizedRadii, escapedNormalized, escapedNormalizedMom, meanNormalizedMom, normalizedCap, verdicts, figure);
    }

    private static (List<(double X, double Y)> Curve, double FinalY) Deterministic(QuarticSaddle problem, double rho, double momentum, int steps, bool normalize = false)
    {
        var trainer = new Trainer(problem, [1f, 0.01f], rho, Eta, momentum, normalize);
        var curve = new List<(double X, double Y)> { (0, 0.01) };
        int every = Math.Max(1, steps / 300);
        for (int t = 1; t <= steps; t++)
        {
            trainer.SamStep();
            if (t % every == 0)
            {
                curve.Add((t, Math.Max(Math.Abs(trainer.X[1]), 1e-12))); // clipped: float denormals would squash the axis
            }
        }

        return (curve, Math.Abs(trainer.X[1]));
    }

    private static (double Fraction, double Mean) EscapeStatistics(QuarticSaddle problem, double rho, double momentum, int seeds, int cap)
    {
        int escaped = 0;
        double sum = 0;
        for (int s = 0; s < seeds; s++)
        {
            int t = EscapeStep(problem, rho, momentum, 1000 + s, cap, normalize: true);
            escaped += t <= cap ? 1 : 0;
            sum += Math.Min(t, cap);
        }

        return ((double)escaped / seeds, sum / seeds);
    }

    private static double MeanEscape(QuarticSaddle problem, double rho, double momentum, int seeds, int cap)
    {
        double sum = 0;
        for (int s = 0; s < seeds; s++)
        {
            sum += Math.Min(EscapeStep(problem, rho, momentum, 1000 + s, cap, normalize: false), cap);
        }

        return sum / seeds;
    }

    /// <summary>The first step with |y| &gt; 0.5 from the saddle under gradient noise σ = 0.01, or cap + 1.</summary>
    private static int EscapeStep(QuarticSaddle problem, double rho, double momentum, int seed, int cap, bool normalize)
    {
        {
            var random = new Random(seed);
            var trainer = new Trainer(problem, [0f, 0f], rho, Eta, momentum, normalize);
            int t = 1;
            for (; t <= cap; t++)
            {
                Span<float> noise = trainer.Noise;
                noise[0] = (float)(0.01 * Gaussian(random));
                noise[1] = (float)(0.01 * Gaussian(random));
                if (rho == 0)
                {
                    trainer.NoisyBaseStep();
                }
                else
                {
                    trainer.NoisySamStep();
                }

                if (Math.Abs(trainer.X[1]) > EscapeLevel)
                {
                    return t;
                }
            }

            return cap + 1;
        }
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * random.NextDouble());
    }
}
