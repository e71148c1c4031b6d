using System;

namespace TheoryLab.Problems;

/// <summary>
/// f_s(x) = s²·g(x/s) for a one-dimensional landscape g: the same picture shrunk by s, with the same second
/// derivative (f_s''(x) = g''(x/s)), so every member of the family has g's smoothness constant L. Normalized SAM with
/// radius ρ on f_s is SAM with radius ρ/s on g in the coordinate u = x/s, and ∇f_s = s·g'(u): a fixed point of SAM on
/// g with g' ≠ 0 becomes, for s = ρ/r₀, a fixed point on f_s with ‖∇f_s‖ ∝ ρ.
/// </summary>
public sealed class ScaledLandscape : IObjective
{
    private readonly DipLandscape _g;

    /// <summary>Creates f_s from g.</summary>
    public ScaledLandscape(DipLandscape g, double scale)
    {
        _g = g;
        Scale = scale;
    }

    /// <summary>s.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public int Dimension => 1;

    /// <summary>f_s'(x) = s·g'(x/s).</summary>
    public double Derivative(double x) => Scale * _g.Derivative(x / Scale);

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> x) => Scale * Scale * _g.Value(x[0] / Scale);

    /// <inheritdoc/>
    public void AddGradient(ReadOnlySpan<float> x, Span<float> gradient) => gradient[0] += (float)Derivative(x[0]);
}
