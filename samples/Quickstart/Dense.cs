using System;
using System.Numerics.Tensors;
using Sam;

namespace Quickstart;

/// <summary>A fully connected layer y = W·x + b with its own forward and backward pass over a batch.</summary>
public sealed class Dense
{
    private readonly float[] _input;   // the batch's inputs, kept for the backward pass
    private readonly float[] _output;
    private readonly float[] _inputGradient;

    public Dense(string name, int inputs, int outputs, int maxBatch, Random random)
    {
        Inputs = inputs;
        Outputs = outputs;
        W = Parameter.KaimingUniform(name + ".weight", random, outputs, inputs);
        B = Parameter.Zeros(name + ".bias", outputs);
        _input = new float[maxBatch * inputs];
        _output = new float[maxBatch * outputs];
        _inputGradient = new float[maxBatch * inputs];
    }

    public int Inputs { get; }

    public int Outputs { get; }

    public Parameter W { get; }

    [ExcludeFromPerturbation] // biases are commonly left out of the perturbation; they are still trained
    public Parameter B { get; }

    /// <summary>Forward over <paramref name="batch"/> rows of <paramref name="x"/>; returns the outputs.</summary>
    public Span<float> Forward(ReadOnlySpan<float> x, int batch)
    {
        x[..(batch * Inputs)].CopyTo(_input);
        ReadOnlySpan<float> w = W.Value, b = B.Value;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> xn = _input.AsSpan(n * Inputs, Inputs);
            Span<float> yn = _output.AsSpan(n * Outputs, Outputs);
            for (int o = 0; o < Outputs; o++)
            {
                yn[o] = TensorPrimitives.Dot(w.Slice(o * Inputs, Inputs), xn) + b[o];
            }
        }

        return _output.AsSpan(0, batch * Outputs);
    }

    /// <summary>Accumulates dW, db from the output gradient and returns the input gradient.</summary>
    public Span<float> Backward(ReadOnlySpan<float> dy, int batch)
    {
        Span<float> dw = W.Gradient, db = B.Gradient;
        ReadOnlySpan<float> w = W.Value;
        Span<float> dx = _inputGradient.AsSpan(0, batch * Inputs);
        dx.Clear();
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> xn = _input.AsSpan(n * Inputs, Inputs);
            ReadOnlySpan<float> dyn = dy.Slice(n * Outputs, Outputs);
            Span<float> dxn = dx.Slice(n * Inputs, Inputs);
            for (int o = 0; o < Outputs; o++)
            {
                float g = dyn[o];
                if (g == 0)
                {
                    continue;
                }

                db[o] += g;
                Span<float> dwo = dw.Slice(o * Inputs, Inputs);
                TensorPrimitives.MultiplyAdd(xn, g, dwo, dwo);                  // dW[o,:] += g·x
                TensorPrimitives.MultiplyAdd(w.Slice(o * Inputs, Inputs), g, dxn, dxn); // dx += g·W[o,:]
            }
        }

        return dx;
    }
}
