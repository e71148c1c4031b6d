using System;

namespace TheoryLab.Problems;

/// <summary>
/// f(x, y) = ½(λ₁x² − μy²) + ¼y⁴: a strict saddle at the origin with Hessian diag(λ₁, −μ), and minima at
/// (0, ±√μ) that gradient descent escapes to.
/// </summary>
public sealed class QuarticSaddle : IObjective
{
    /// <summary>Creates the saddle.</summary>
    public QuarticSaddle(double lambda1, double mu)
    {
        Lambda1 = lambda1;
        Mu = mu;
    }

    /// <summary>λ₁ &gt; 0, the positive curvature.</summary>
    public double Lambda1 { get; }

    /// <summary>μ = |λ_min|, the negative curvature's magnitude.</summary>
    public double Mu { get; }

    /// <inheritdoc/>
    public int Dimension => 2;

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> x)
    {
        double a = x[0], b = x[1];
        return 0.5 * (Lambda1 * a * a - Mu * b * b) + 0.25 * b * b * b * b;
    }

    /// <inheritdoc/>
    public void AddGradient(ReadOnlySpan<float> x, Span<float> gradient)
    {
        double a = x[0], b = x[1];
        gradient[0] += (float)(Lambda1 * a);
        gradient[1] += (float)(-Mu * b + b * b * b);
    }

    /// <summary>‖∇f‖ at a point, in double.</summary>
    public double GradientNorm(ReadOnlySpan<float> x)
    {
        double a = x[0], b = x[1];
        double gx = Lambda1 * a, gy = -Mu * b + b * b * b;
        return Math.Sqrt(gx * gx + gy * gy);
    }
}
