using System;

namespace TheoryLab.Problems;

/// <summary>f(x) = ½ Σ λᵢ xᵢ²: smooth, strongly convex when every λᵢ &gt; 0; minimum 0 at the origin.</summary>
public sealed class Quadratic : IObjective
{
    private readonly double[] _curvatures;

    /// <summary>Creates the quadratic with the given Hessian eigenvalues.</summary>
    public Quadratic(params double[] curvatures) => _curvatures = (double[])curvatures.Clone();

    /// <inheritdoc/>
    public int Dimension => _curvatures.Length;

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> x)
    {
        double s = 0;
        for (int i = 0; i < _curvatures.Length; i++)
        {
            s += 0.5 * _curvatures[i] * x[i] * x[i];
        }

        return s;
    }

    /// <inheritdoc/>
    public void AddGradient(ReadOnlySpan<float> x, Span<float> gradient)
    {
        for (int i = 0; i < _curvatures.Length; i++)
        {
            gradient[i] += (float)(_curvatures[i] * x[i]);
        }
    }
}
