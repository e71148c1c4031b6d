namespace Sam;

/// <summary>What the user declares about the gradients, for the convergence analyzer.</summary>
public enum GradientNoise
{
    /// <summary>Not declared: the analyzer assumes the practitioner's usual mini-batch setting and stays quiet.</summary>
    Unspecified = 0,

    /// <summary>Mini-batch (stochastic) gradients.</summary>
    Stochastic = 1,

    /// <summary>Full-batch (exact) gradients.</summary>
    Deterministic = 2,
}

/// <summary>What the user declares about the loss, for the convergence analyzer.</summary>
public enum LossLandscape
{
    /// <summary>Not declared.</summary>
    Unspecified = 0,

    /// <summary>Smooth and strongly convex.</summary>
    StronglyConvex = 1,

    /// <summary>Smooth and convex.</summary>
    Convex = 2,

    /// <summary>Smooth, possibly nonconvex (neural networks).</summary>
    Nonconvex = 3,
}

/// <summary>The guarantee the user expects from training, for the convergence analyzer.</summary>
public enum ExpectedGuarantee
{
    /// <summary>No expectation declared: the analyzer only informs.</summary>
    None = 0,

    /// <summary>Convergence to a neighbourhood of a stationary point (what constant-ρ SAM gives).</summary>
    Neighbourhood = 1,

    /// <summary>Convergence to a stationary point (∇f → 0).</summary>
    StationaryPoint = 2,

    /// <summary>Convergence to a minimizer.</summary>
    Minimizer = 3,
}
