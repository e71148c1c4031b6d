using System;
using System.Collections.Generic;

namespace Sam.Mpi.TestApp;

/// <summary>
/// Softmax regression (8 features, 3 classes) trained with SAM on a fixed synthetic set. Every step uses a union
/// batch of 12 samples; a rank of N takes the rank's twelfth-slice (12 / N samples, N ∈ {1, 2, 3, 4}).
/// </summary>
public sealed class Trainer
{
    public const int Features = 8, Classes = 3, UnionBatch = 12, Samples = 240;

    private readonly float[] _x = new float[Samples * Features];
    private readonly int[] _y = new int[Samples];
    private readonly float[] _logits = new float[Classes];

    public Trainer(SamVariant variant = SamVariant.Sam)
    {
        var random = new Random(17);
        for (int i = 0; i < Samples; i++)
        {
            int label = i % Classes;
            _y[i] = label;
            for (int f = 0; f < Features; f++)
            {
                _x[(i * Features) + f] = (float)((random.NextDouble() * 2) - 1 + (f % Classes == label ? 0.8 : 0));
            }
        }

        W = Parameter.Zeros("w", Classes, Features);
        B = Parameter.Zeros("b", Classes);
        var init = new Random(5);
        Span<float> w = W.Value;
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)((init.NextDouble() - 0.5) * 0.2);
        }

        var settings = new SamSettings { Rho = 0.05, Variant = variant };
        Optimizer = new SamOptimizer([W, B], settings, new Sgd(0.5, momentum: 0.9));
    }

    public Parameter W { get; }

    public Parameter B { get; }

    public SamOptimizer Optimizer { get; }

    /// <summary>Set by a scenario: the n-th callback from now writes NaN into this rank's gradient (0: never).</summary>
    public int PoisonIn { get; set; }

    /// <summary>Set by a scenario: the n-th callback from now throws (0: never).</summary>
    public int ThrowIn { get; set; }

    /// <summary>The samples [first, first + count) of step <paramref name="step"/>'s union batch.</summary>
    public readonly record struct Shard(Trainer Owner, long Step, int First, int Count);

    public Shard ShardOf(long step, int rank, int ranks) =>
        new(this, step, rank * (UnionBatch / ranks), UnionBatch / ranks);

    /// <summary>Mean cross-entropy over the shard; adds its gradient (mean over the shard) into W and B.</summary>
    public static float LossAndGradients(Shard s)
    {
        Trainer t = s.Owner;
        ReadOnlySpan<float> w = t.W.Value, b = t.B.Value;
        Span<float> gw = t.W.Gradient, gb = t.B.Gradient;
        Span<float> z = t._logits;
        double loss = 0;
        float inv = 1f / s.Count;
        for (int k = 0; k < s.Count; k++)
        {
            int i = (int)(((s.Step * UnionBatch) + s.First + k) % Samples);
            ReadOnlySpan<float> x = t._x.AsSpan(i * Features, Features);
            float max = float.NegativeInfinity;
            for (int c = 0; c < Classes; c++)
            {
                float v = b[c];
                for (int f = 0; f < Features; f++)
                {
                    v += w[(c * Features) + f] * x[f];
                }

                z[c] = v;
                max = MathF.Max(max, v);
            }

            float sum = 0;
            for (int c = 0; c < Classes; c++)
            {
                z[c] = MathF.Exp(z[c] - max);
                sum += z[c];
            }

            loss -= Math.Log(z[t._y[i]] / sum);
            for (int c = 0; c < Classes; c++)
            {
                float d = ((z[c] / sum) - (c == t._y[i] ? 1 : 0)) * inv;
                gb[c] += d;
                for (int f = 0; f < Features; f++)
                {
                    gw[(c * Features) + f] += d * x[f];
                }
            }
        }

        if (t.PoisonIn > 0 && --t.PoisonIn == 0)
        {
            gw[3] = float.NaN;
        }

        if (t.ThrowIn > 0 && --t.ThrowIn == 0)
        {
            throw new InvalidOperationException("injected failure in the loss callback");
        }

        return (float)(loss / s.Count);
    }

    /// <summary>The trained weights, W then B.</summary>
    public float[] Weights()
    {
        var all = new List<float>(W.TrainedValue.ToArray());
        all.AddRange(B.TrainedValue.ToArray());
        return [.. all];
    }

    /// <summary>FNV-1a over the weights' bits: equal on two ranks only if the weights are bit-identical.</summary>
    public double Checksum()
    {
        ulong h = 14695981039346656037;
        foreach (float v in Weights())
        {
            h = (h ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
        }

        return h >> 12; // 52 bits: exact in a double, so ranks can compare it with MPI_Allgather of doubles
    }

    /// <summary>Single-process reference: SAM over the whole union batch for <paramref name="steps"/> steps.</summary>
    public static float[] SingleProcessSam(int steps, int firstStep = 0, Trainer? trainer = null)
    {
        Trainer t = trainer ?? new Trainer();
        for (long step = firstStep; step < firstStep + steps; step++)
        {
            t.Optimizer.SharpnessAwareStep(t.ShardOf(step, 0, 1), LossAndGradients);
        }

        return t.Weights();
    }

    /// <summary>Single-process reference of per-worker perturbation over N ranks: m-sharpness with m = N parts.</summary>
    public static float[] SingleProcessMSharpness(int steps, int parts)
    {
        var t = new Trainer();
        for (long step = 0; step < steps; step++)
        {
            t.Optimizer.MSharpnessStep(parts, (Trainer: t, Step: step), (s, part) => LossAndGradients(s.Trainer.ShardOf(s.Step, part, parts)));
        }

        return t.Weights();
    }
}
