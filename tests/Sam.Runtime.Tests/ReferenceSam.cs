using System;

namespace Sam.Runtime.Tests;

/// <summary>
/// SAM written as plain scalar loops straight from the update rules (Foret et al. 2021; PyTorch's SGD),
/// independent of the runtime's kernels: the oracle the optimizers are checked against.
/// </summary>
public sealed class ReferenceSam
{
    private readonly bool[] _perturbed;
    private float[][]? _momentum;

    public ReferenceSam(float[][] weights, bool[] perturbed, ReferenceConfig config)
    {
        Weights = weights;
        _perturbed = perturbed;
        Config = config;
    }

    public float[][] Weights { get; }

    public ReferenceConfig Config { get; }

    /// <summary>One SAM step: g at w, e = ρ g/‖g‖ (or ρ g), g' at w + e, base step from w with g'.</summary>
    public void SamStep(Func<float[][], float[][]> gradient)
    {
        float[][] g = gradient(Weights);
        double sum = 0;
        for (int t = 0; t < g.Length; t++)
        {
            if (!_perturbed[t])
            {
                continue;
            }

            foreach (float v in g[t])
            {
                sum += (double)v * v;
            }
        }

        double norm = Math.Sqrt(sum);
        float scale = (float)(Config.Normalize ? (norm > 0 ? Config.Rho / norm : 0) : Config.Rho);
        var perturbed = new float[Weights.Length][];
        for (int t = 0; t < Weights.Length; t++)
        {
            perturbed[t] = (float[])Weights[t].Clone();
            if (_perturbed[t])
            {
                for (int i = 0; i < perturbed[t].Length; i++)
                {
                    perturbed[t][i] = Weights[t][i] + (scale * g[t][i]);
                }
            }
        }

        BaseStep(gradient(perturbed));
    }

    /// <summary>PyTorch's torch.optim.SGD step, element by element.</summary>
    public void BaseStep(float[][] g)
    {
        ReferenceConfig c = Config;
        bool first = _momentum is null;
        _momentum ??= Array.ConvertAll(Weights, w => new float[w.Length]);
        for (int t = 0; t < Weights.Length; t++)
        {
            float[] w = Weights[t], m = _momentum[t];
            for (int i = 0; i < w.Length; i++)
            {
                float d = g[t][i];
                if (c.WeightDecay != 0 && !c.Decoupled)
                {
                    d += (float)c.WeightDecay * w[i];
                }

                if (c.Momentum != 0)
                {
                    m[i] = first ? d : ((float)c.Momentum * m[i]) + ((float)(1 - c.Dampening) * d);
                    d = c.Nesterov ? d + ((float)c.Momentum * m[i]) : m[i];
                }

                if (c.Decoupled)
                {
                    w[i] *= (float)(1 - (c.LearningRate * c.WeightDecay));
                }

                w[i] -= (float)c.LearningRate * d;
            }
        }
    }
}

/// <summary>The reference's hyper-parameters.</summary>
public sealed record ReferenceConfig(
    double Rho,
    bool Normalize,
    double LearningRate,
    double Momentum = 0,
    double Dampening = 0,
    double WeightDecay = 0,
    bool Nesterov = false,
    bool Decoupled = false)
{
    public SamSettings Sam => new() { Rho = Rho, Normalize = Normalize };

    public Sgd CreateSgd() => new(LearningRate, Momentum, Dampening, WeightDecay, Nesterov, Decoupled);
}
