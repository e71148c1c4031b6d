using System;
using Sam;

namespace Quickstart;

/// <summary>
/// A two-hidden-layer perceptron. The attributes are all SAM needs: the generator finds the three Dense
/// sub-modules' parameters and adds Perturb(), RestoreAndStep(), SharpnessAwareStep(...) and friends.
/// </summary>
[SharpnessAware(Rho = 0.05, Normalize = true)]
[Sgd(LearningRate = 0.05, Momentum = 0.9, WeightDecay = 5e-4)]
public partial class Mlp
{
    private readonly float[] _hidden1Gradient;
    private readonly float[] _hidden2Gradient;
    private readonly float[] _logitGradient;

    public Mlp(int inputs, int hidden, int classes, int maxBatch, int seed)
    {
        var random = new Random(seed);
        Hidden1 = new Dense("hidden1", inputs, hidden, maxBatch, random);
        Hidden2 = new Dense("hidden2", hidden, hidden, maxBatch, random);
        Head = new Dense("head", hidden, classes, maxBatch, random);
        _hidden1Gradient = new float[maxBatch * hidden];
        _hidden2Gradient = new float[maxBatch * hidden];
        _logitGradient = new float[maxBatch * classes];
    }

    public Dense Hidden1 { get; }

    public Dense Hidden2 { get; }

    public Dense Head { get; }

    /// <summary>Mean cross-entropy of the batch; accumulates gradients into every parameter.</summary>
    public float LossAndGradients(Batch batch)
    {
        int n = batch.Count;
        Span<float> h1 = Hidden1.Forward(batch.Features, n);
        Relu(h1);
        Span<float> h2 = Hidden2.Forward(h1, n);
        Relu(h2);
        Span<float> logits = Head.Forward(h2, n);

        float loss = SoftmaxCrossEntropy(logits, batch.Labels, n, Head.Outputs, _logitGradient);
        Span<float> d2 = Head.Backward(_logitGradient.AsSpan(0, n * Head.Outputs), n);
        ReluBackward(h2, d2, _hidden2Gradient);
        Span<float> d1 = Hidden2.Backward(_hidden2Gradient.AsSpan(0, n * Hidden2.Outputs), n);
        ReluBackward(h1, d1, _hidden1Gradient);
        Hidden1.Backward(_hidden1Gradient.AsSpan(0, n * Hidden1.Outputs), n);
        return loss;
    }

    /// <summary>Predicted class of each row.</summary>
    public void Predict(ReadOnlySpan<float> features, int count, Span<int> predictions)
    {
        Span<float> h1 = Hidden1.Forward(features, count);
        Relu(h1);
        Span<float> h2 = Hidden2.Forward(h1, count);
        Relu(h2);
        Span<float> logits = Head.Forward(h2, count);
        int k = Head.Outputs;
        for (int i = 0; i < count; i++)
        {
            Span<float> row = logits.Slice(i * k, k);
            int best = 0;
            for (int c = 1; c < k; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }

            predictions[i] = best;
        }
    }

    private static void Relu(Span<float> x)
    {
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = MathF.Max(0, x[i]);
        }
    }

    private static void ReluBackward(ReadOnlySpan<float> activated, ReadOnlySpan<float> upstream, Span<float> into)
    {
        for (int i = 0; i < activated.Length; i++)
        {
            into[i] = activated[i] > 0 ? upstream[i] : 0;
        }
    }

    private static float SoftmaxCrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int n, int k, Span<float> gradient)
    {
        double loss = 0;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = logits.Slice(i * k, k);
            Span<float> g = gradient.Slice(i * k, k);
            float max = row[0];
            for (int c = 1; c < k; c++)
            {
                max = MathF.Max(max, row[c]);
            }

            float sum = 0;
            for (int c = 0; c < k; c++)
            {
                g[c] = MathF.Exp(row[c] - max);
                sum += g[c];
            }

            loss += Math.Log(sum) + max - row[labels[i]];
            for (int c = 0; c < k; c++)
            {
                g[c] = g[c] / sum / n;
            }

            g[labels[i]] -= 1f / n;
        }

        return (float)(loss / n);
    }
}
