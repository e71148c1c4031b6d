using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Sam.Kernels;

/// <summary>
/// One SAM variant's element rule: from the perturbation gradient h (g, plus λw when weight decay enters the
/// perturbation), the raw gradient g, the weight w and the variant's state s, it gives the direction whose
/// norm normalizes the perturbation (returned), the direction e the weights move along (w + a·e), and the new
/// state. Implemented by structs so <see cref="VariantKernels"/> is specialised and inlined per rule; the
/// vector and scalar forms perform the same operations in the same order.
/// </summary>
internal interface IPerturbationRule
{
    /// <summary>Whether the rule reads the state buffer.</summary>
    static abstract bool ReadsState { get; }

    /// <summary>Whether the rule writes the state buffer (in the perturb pass only).</summary>
    static abstract bool WritesState { get; }

    Vector<float> Apply(Vector<float> g, Vector<float> h, Vector<float> w, Vector<float> s, out Vector<float> e, out Vector<float> newState);

    float Apply(float g, float h, float w, float s, out float e, out float newState);
}

/// <summary>Whether the weight decay term λw enters the perturbation gradient (a type so the branch compiles away).</summary>
internal interface IDecayTerm
{
    static abstract bool Enabled { get; }
}

/// <summary>h = g.</summary>
internal readonly struct NoDecay : IDecayTerm
{
    public static bool Enabled => false;
}

/// <summary>h = g + λw.</summary>
internal readonly struct WithDecay : IDecayTerm
{
    public static bool Enabled => true;
}

/// <summary>SAM / USAM: e = h.</summary>
internal readonly struct SamRule : IPerturbationRule
{
    public static bool ReadsState => false;

    public static bool WritesState => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Apply(Vector<float> g, Vector<float> h, Vector<float> w, Vector<float> s, out Vector<float> e, out Vector<float> newState)
    {
        e = h;
        newState = s;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float h, float w, float s, out float e, out float newState)
    {
        e = h;
        newState = s;
        return h;
    }
}

/// <summary>GSAM's perturbation is SAM's; it also keeps the raw gradient g at the trained weights for the step.</summary>
internal readonly struct GsamRule : IPerturbationRule
{
    public static bool ReadsState => false;

    public static bool WritesState => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Apply(Vector<float> g, Vector<float> h, Vector<float> w, Vector<float> s, out Vector<float> e, out Vector<float> newState)
    {
        e = h;
        newState = g;
        return h;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float h, float w, float s, out float e, out float newState)
    {
        e = h;
        newState = g;
        return h;
    }
}

/// <summary>ASAM: T = |w| + η; the norm is ‖T·h‖ and the weights move along T·(T·h) = T²h.</summary>
internal readonly struct AsamRule : IPerturbationRule
{
    private readonly Vector<float> _vEta;
    private readonly float _eta;

    public AsamRule(float eta)
    {
        _eta = eta;
        _vEta = new Vector<float>(eta);
    }

    public static bool ReadsState => false;

    public static bool WritesState => false;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Apply(Vector<float> g, Vector<float> h, Vector<float> w, Vector<float> s, out Vector<float> e, out Vector<float> newState)
    {
        var t = Vector.Abs(w) + _vEta;
        var n = t * h;
        e = t * n;
        newState = s;
        return n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float h, float w, float s, out float e, out float newState)
    {
        float t = MathF.Abs(w) + _eta;
        float n = t * h;
        e = t * n;
        newState = s;
        return n;
    }
}

/// <summary>
/// VaSSO: d ← (1 − θ)d + θh; the weights move along d. The first perturbation (d not yet started) is this rule
/// with θ = 1, so d₁ = h₁ as in the authors' code.
/// </summary>
internal readonly struct VassoRule : IPerturbationRule
{
    private readonly Vector<float> _vKeep;
    private readonly Vector<float> _vTheta;
    private readonly float _keep;
    private readonly float _theta;

    public VassoRule(float keep, float theta)
    {
        _keep = keep;
        _theta = theta;
        _vKeep = new Vector<float>(keep);
        _vTheta = new Vector<float>(theta);
    }

    public static bool ReadsState => true;

    public static bool WritesState => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Apply(Vector<float> g, Vector<float> h, Vector<float> w, Vector<float> s, out Vector<float> e, out Vector<float> newState)
    {
        var d = (_vKeep * s) + (_vTheta * h);
        e = d;
        newState = d;
        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float h, float w, float s, out float e, out float newState)
    {
        float d = (_keep * s) + (_theta * h);
        e = d;
        newState = d;
        return d;
    }
}

/// <summary>
/// Friendly SAM in the authors' order (nblt/F-SAM): the weights move along h − σm with the average m of the
/// previous steps, then m ← λm + (1 − λ)h. The first perturbation (m not yet started) is this rule with λ = 0,
/// σ = 0: direction h, m = h.
/// </summary>
internal readonly struct FriendlyRule : IPerturbationRule
{
    private readonly Vector<float> _vLambda;
    private readonly Vector<float> _vOneMinusLambda;
    private readonly Vector<float> _vSigma;
    private readonly float _lambda;
    private readonly float _oneMinusLambda;
    private readonly float _sigma;

    public FriendlyRule(float lambda, float oneMinusLambda, float sigma)
    {
        _lambda = lambda;
        _oneMinusLambda = oneMinusLambda;
        _sigma = sigma;
        _vLambda = new Vector<float>(lambda);
        _vOneMinusLambda = new Vector<float>(oneMinusLambda);
        _vSigma = new Vector<float>(sigma);
    }

    public static bool ReadsState => true;

    public static bool WritesState => true;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector<float> Apply(Vector<float> g, Vector<float> h, Vector<float> w, Vector<float> s, out Vector<float> e, out Vector<float> newState)
    {
        var d = h - (_vSigma * s);
        var m = (_vLambda * s) + (_vOneMinusLambda * h);
        e = d;
        newState = m;
        return d;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float Apply(float g, float h, float w, float s, out float e, out float newState)
    {
        float d = h - (_sigma * s);
        float m = (_lambda * s) + (_oneMinusLambda * h);
        e = d;
        newState = m;
        return d;
    }
}
