using System;

namespace TheoryLab.Problems;

/// <summary>
/// f(x, y) = ¼(x² − 1)² + ½y²: nonconvex (a local maximum along x at x = 0), minima at (±1, 0) with
/// Hessian diag(2, 1).
/// </summary>
public sealed class DoubleWell : IObjective
{
    /// <inheritdoc/>
    public int Dimension => 2;

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> x)
    {
        double u = (double)x[0] * x[0] - 1;
        return 0.25 * u * u + 0.5 * x[1] * x[1];
    }

    /// <inheritdoc/>
    public void AddGradient(ReadOnlySpan<float> x, Span<float> gradient)
    {
        double a = x[0];
        gradient[0] += (float)(a * (a * a - 1));
        gradient[1] += x[1];
    }

    /// <summary>‖∇f‖ at a point, in double.</summary>
    public static double GradientNorm(ReadOnlySpan<float> x)
    {
        double a = x[0];
        double gx = a * (a * a - 1);
        return Math.Sqrt(gx * gx + (double)x[1] * x[1]);
    }
}
