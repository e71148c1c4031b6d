using System;

namespace TheoryLab.Problems;

/// <summary>A small smooth objective with a hand-written gradient, evaluated at float32 weights.</summary>
public interface IObjective
{
    /// <summary>Number of weights.</summary>
    int Dimension { get; }

    /// <summary>f(x), in double so that tiny gaps are not lost to float rounding.</summary>
    double Loss(ReadOnlySpan<float> x);

    /// <summary>Adds ∇f(x) into <paramref name="gradient"/> (the runtime's gradients accumulate).</summary>
    void AddGradient(ReadOnlySpan<float> x, Span<float> gradient);
}

/// <summary>An objective that is the mean of components, one of which a stochastic step samples.</summary>
public interface IStochasticObjective : IObjective
{
    /// <summary>Number of components (sampled uniformly).</summary>
    int Components { get; }

    /// <summary>Adds ∇f_k(x) into <paramref name="gradient"/>.</summary>
    void AddComponentGradient(int component, ReadOnlySpan<float> x, Span<float> gradient);
}
