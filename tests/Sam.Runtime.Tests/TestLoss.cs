using System;

namespace Sam.Runtime.Tests;

/// <summary>
/// A smooth nonconvex element-wise loss, L(w) = Σ ½aᵢ(wᵢ − tᵢ)² + 0.3·cos(wᵢ), whose gradient both the
/// optimizers under test and the reference compute with the same float operations.
/// </summary>
public sealed class TestLoss
{
    private readonly float[][] _a;
    private readonly float[][] _t;

    public TestLoss(int[] lengths, int seed)
    {
        var r = new Random(seed);
        _a = Array.ConvertAll(lengths, n => Fill(n, () => 0.5f + (float)r.NextDouble()));
        _t = Array.ConvertAll(lengths, n => Fill(n, () => (float)((r.NextDouble() * 2) - 1)));
    }

    public float Gradient(int tensor, int i, float w) => (_a[tensor][i] * (w - _t[tensor][i])) - (0.3f * MathF.Sin(w));

    public float Value(int tensor, int i, float w)
    {
        float d = w - _t[tensor][i];
        return (0.5f * _a[tensor][i] * d * d) + (0.3f * MathF.Cos(w));
    }

    /// <summary>Gradients of every tensor at the given weights (for the reference).</summary>
    public float[][] Gradients(float[][] w)
    {
        var g = new float[w.Length][];
        for (int t = 0; t < w.Length; t++)
        {
            g[t] = new float[w[t].Length];
            for (int i = 0; i < w[t].Length; i++)
            {
                g[t][i] = Gradient(t, i, w[t][i]);
            }
        }

        return g;
    }

    /// <summary>Accumulates gradients into the parameters at the weights they show; returns the loss.</summary>
    public float Accumulate(Parameter[] parameters)
    {
        float loss = 0;
        for (int t = 0; t < parameters.Length; t++)
        {
            ReadOnlySpan<float> w = parameters[t].Value;
            Span<float> g = parameters[t].Gradient;
            for (int i = 0; i < w.Length; i++)
            {
                g[i] += Gradient(t, i, w[i]);
                loss += Value(t, i, w[i]);
            }
        }

        return loss;
    }

    private static float[] Fill(int n, Func<float> next)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = next();
        }

        return x;
    }
}
