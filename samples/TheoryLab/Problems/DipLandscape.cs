using System;

namespace TheoryLab.Problems;

/// <summary>
/// f(x) = ½x² − c·exp(−(x − m)²/(2s²)) in one dimension: a wide basin with its minimum near 0, and a narrower
/// Gaussian dip around m that makes a second local minimum with a local maximum between the two. With
/// c = 2, m = 2, s = 0.3 the stationary points are ≈ 0 (min), 1.345 (max) and 1.910 (min).
/// </summary>
public sealed class DipLandscape : IObjective
{
    /// <summary>Creates the landscape.</summary>
    public DipLandscape(double depth = 2, double center = 2, double width = 0.3)
    {
        Depth = depth;
        Center = center;
        Width = width;
    }

    /// <summary>c.</summary>
    public double Depth { get; }

    /// <summary>m.</summary>
    public double Center { get; }

    /// <summary>s.</summary>
    public double Width { get; }

    /// <inheritdoc/>
    public int Dimension => 1;

    /// <summary>f(x) in double.</summary>
    public double Value(double x)
    {
        double d = x - Center;
        return 0.5 * x * x - Depth * Math.Exp(-d * d / (2 * Width * Width));
    }

    /// <summary>f'(x) in double.</summary>
    public double Derivative(double x)
    {
        double d = x - Center;
        return x + Depth * d / (Width * Width) * Math.Exp(-d * d / (2 * Width * Width));
    }

    /// <inheritdoc/>
    public double Loss(ReadOnlySpan<float> x) => Value(x[0]);

    /// <inheritdoc/>
    public void AddGradient(ReadOnlySpan<float> x, Span<float> gradient) => gradient[0] += (float)Derivative(x[0]);

    /// <summary>The stationary points in [lo, hi], found by bracketing sign changes of f' and bisecting.</summary>
    public double[] StationaryPoints(double lo = -3, double hi = 4)
    {
        var found = new System.Collections.Generic.List<double>();
        const int Cells = 7000;
        double h = (hi - lo) / Cells;
        double a = lo, fa = Derivative(a);
        for (int i = 1; i <= Cells; i++)
        {
            double b = lo + i * h, fb = Derivative(b);
            if (fa == 0)
            {
                found.Add(a);
            }
            else if ((fa < 0) != (fb < 0) && fb != 0)
            {
                double l = a, r = b, fl = fa;
                for (int k = 0; k < 80; k++)
                {
                    double mid = 0.5 * (l + r), fm = Derivative(mid);
                    if ((fm < 0) == (fl < 0))
                    {
                        (l, fl) = (mid, fm);
                    }
                    else
                    {
                        r = mid;
                    }
                }

                found.Add(0.5 * (l + r));
            }

            (a, fa) = (b, fb);
        }

        return found.ToArray();
    }
}
