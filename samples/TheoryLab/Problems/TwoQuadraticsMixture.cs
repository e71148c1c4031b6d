using System;

namespace TheoryLab.Problems;

/// <summary>
/// f(x) = ½·[½a₁(x − b₁)² + ½a₂(x − b₂)²] in one dimension, sampled one component per step. The two
/// components have different curvatures, which is what gives stochastic SAM its ρ-dependent bias: at the
/// optimum x*, E[aₖ·sign(x* − bₖ)] ≠ 0, so the SAM update's mean is not zero there.
/// </summary>
public sealed class TwoQuadraticsMixture : IStochasticObjective
{
    /// <summary>The default problem: a = (1, 3), b = (0.5, −0.5), so x* = −0.25 and f'' = 2.</summary>
    public static TwoQuadraticsMixture Default { get; } = new(1, 0.5, 3, -0.5);

    private readonly double _a1, _b1, _a2, _b2;

    /// <summary>Creates the mixture.</summary>
    public TwoQuadraticsMixture(double a1, double b1, double a2, double b2)
    {
        (_a1, _b1, _a2, _b2) = (a1, b1, a2, b2);
        Optimum = (a1 * b1 + a2 * b2) / (a1 + a2);
        MinimumValue = Value(Optimum);
    }

    /// <inheritdoc/>
    public int Dimension => 1;

    /// <inheritdoc/>
    public int Components => 2;

    /// <summary>x*.</summary>
    public double Optimum { get; }

    /// <summary>f(x*).</summary>
    public double MinimumValue { get; }

    /// <summary>f'' (the mean curvature).</summary>
    public double Curvature => 0.5 * (_a1 + _a2);

    /// <summary>
    /// The point stochastic SAM with a constant radius ρ drifts to, while ρ is small enough that each
    /// component's gradient keeps its sign there: x* − ρ·(a₂ − a₁)/(a₁ + a₂).
    /// </summary>
    public double SamFixedPoint(double rho) => Optimum - rho * (_a2 - _a1) / (_a1 + _a2);

    /// <summary>f at a double-precision point.</summary>
    public double Value(double x) => 0.25 * _a1 * (x - _b1) * (x - _b1) + 0.25 * _a2 * (x - _b2) * (x - _b2);

    /// <summary>f(x) − f(x*).</summary>
    public double Gap(double x) => Value(x) - MinimumValue;

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> x) => Value(x[0]);

    /// <inheritdoc/>
    public void AddGradient(ReadOnlySpan<float> x, Span<float> gradient) =>
        gradient[0] += (float)(0.5 * (_a1 * (x[0] - _b1) + _a2 * (x[0] - _b2)));

    /// <inheritdoc/>
    public void AddComponentGradient(int component, ReadOnlySpan<float> x, Span<float> gradient) =>
        gradient[0] += component == 0 ? (float)(_a1 * (x[0] - _b1)) : (float)(_a2 * (x[0] - _b2));
}
