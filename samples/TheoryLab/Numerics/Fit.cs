using System;
using System.Collections.Generic;

namespace TheoryLab.Numerics;

/// <summary>Least-squares fits used to turn a curve into one number a test can assert on.</summary>
public static class Fit
{
    /// <summary>The slope and intercept of log y against log x (natural logs; the slope is base-free).</summary>
    public static (double Slope, double Intercept) LogLog(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count < 2)
        {
            throw new ArgumentException("Need at least two (x, y) pairs of equal count.", nameof(y));
        }

        double mx = 0, my = 0;
        for (int i = 0; i < x.Count; i++)
        {
            mx += Math.Log(x[i]);
            my += Math.Log(y[i]);
        }

        mx /= x.Count;
        my /= x.Count;
        double sxy = 0, sxx = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = Math.Log(x[i]) - mx;
            sxy += dx * (Math.Log(y[i]) - my);
            sxx += dx * dx;
        }

        double slope = sxy / sxx;
        return (slope, my - slope * mx);
    }

    /// <summary>Checkpoints 10 per decade (rounded, distinct) from <paramref name="first"/> to <paramref name="last"/>.</summary>
    public static int[] LogSpaced(int first, int last, int perDecade = 10)
    {
        var list = new List<int>();
        double r = Math.Pow(10, 1.0 / perDecade);
        for (double v = first; v <= last * 1.0000001; v *= r)
        {
            int t = (int)Math.Round(v);
            if (list.Count == 0 || list[^1] != t)
            {
                list.Add(t);
            }
        }

        if (list[^1] != last)
        {
            list.Add(last);
        }

        return list.ToArray();
    }
}
