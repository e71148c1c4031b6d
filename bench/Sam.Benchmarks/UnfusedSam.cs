using System;
using System.Numerics.Tensors;

namespace Sam.Benchmarks;

/// <summary>
/// The unfused baseline: the same SAM + SGD-momentum step written as one TensorPrimitives call per operation
/// (norm, perturb into a second buffer, d = g + λp, m = μm + d, p = p − ηm), the way one would write it
/// without fused kernels. It owns its momentum and scratch buffers; nothing is allocated per step.
/// </summary>
public sealed class UnfusedSam
{
    private readonly Parameter[] _parameters;
    private readonly float[][] _shadow;
    private readonly float[][] _momentum;
    private readonly float[] _scratch;

    public UnfusedSam(Parameter[] parameters)
    {
        _parameters = parameters;
        _shadow = Array.ConvertAll(parameters, p => new float[p.Length]);
        _momentum = Array.ConvertAll(parameters, p => new float[p.Length]);
        int longest = 0;
        foreach (Parameter p in parameters)
        {
            longest = Math.Max(longest, p.Length);
        }

        _scratch = new float[longest];
    }

    public void Step(float rho, float lr, float momentum, float weightDecay)
    {
        double sumOfSquares = 0;
        foreach (Parameter p in _parameters)
        {
            sumOfSquares += TensorPrimitives.SumOfSquares<float>(p.Gradient);
        }

        float scale = (float)(rho / (Math.Sqrt(sumOfSquares) + 1e-12));
        for (int i = 0; i < _parameters.Length; i++)
        {
            TensorPrimitives.MultiplyAdd(_parameters[i].Gradient, scale, _parameters[i].TrainedValue, _shadow[i]);
        }

        // (forward and backward at the perturbed point are not timed; the gradient is reused as g′)
        for (int i = 0; i < _parameters.Length; i++)
        {
            Parameter p = _parameters[i];
            Span<float> d = _scratch.AsSpan(0, p.Length);
            Span<float> w = p.Value;
            TensorPrimitives.MultiplyAdd(w, weightDecay, p.Gradient, d);
            TensorPrimitives.MultiplyAdd(_momentum[i], momentum, d, _momentum[i]);
            TensorPrimitives.MultiplyAdd(_momentum[i], -lr, w, w);
        }
    }
}
