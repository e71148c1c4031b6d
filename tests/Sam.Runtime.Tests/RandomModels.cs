using System;

namespace Sam.Runtime.Tests;

/// <summary>Random shapes, weights and configurations for the comparison tests.</summary>
public static class RandomModels
{
    public static int[] Lengths(Random r, int tensors) =>
        Array.ConvertAll(new int[tensors], _ => r.Next(4) switch { 0 => 1 + r.Next(7), 1 => 1 + r.Next(100), 2 => 1 + r.Next(5000), _ => 17 * 1024 + r.Next(50) });

    public static Parameter[] Parameters(int[] lengths, int seed)
    {
        var r = new Random(seed);
        return Array.ConvertAll(lengths, n => Parameter.Uniform("p" + n, r, -1, 1, n));
    }

    public static float[][] Copy(Parameter[] ps) => Array.ConvertAll(ps, p => p.TrainedValue.ToArray());

    public static ReferenceConfig Config(Random r)
    {
        var c = new ReferenceConfig(
            Rho: r.Next(3) == 0 ? 0.5 : 0.05,
            Normalize: r.Next(4) != 0,
            LearningRate: 0.05,
            Momentum: r.Next(3) == 0 ? 0 : 0.9,
            Dampening: r.Next(3) == 0 ? 0.1 : 0,
            WeightDecay: r.Next(2) == 0 ? 0 : 5e-3,
            Nesterov: false,
            Decoupled: r.Next(2) == 0);
        return c.Momentum != 0 && c.Dampening == 0 && r.Next(2) == 0 ? c with { Nesterov = true } : c;
    }

    /// <summary>max |a − b| / (1 + |b|) over every element.</summary>
    public static double MaxRelativeDifference(Parameter[] actual, float[][] expected)
    {
        double worst = 0;
        for (int t = 0; t < actual.Length; t++)
        {
            ReadOnlySpan<float> a = actual[t].TrainedValue;
            for (int i = 0; i < a.Length; i++)
            {
                worst = Math.Max(worst, Math.Abs(a[i] - expected[t][i]) / (1 + Math.Abs(expected[t][i])));
            }
        }

        return worst;
    }
}
