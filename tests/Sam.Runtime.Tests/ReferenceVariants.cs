using System;

namespace Sam.Runtime.Tests;

/// <summary>
/// Every SAM variant, the schedules, periodic SAM, switching, clipping, weight decay in the perturbation and
/// m-sharpness, written as plain scalar loops from the published update rules (docs/variants.md), independent
/// of the runtime's kernels and engine: the oracle the optimizers are checked against.
/// </summary>
public sealed class ReferenceVariants
{
    private readonly bool[] _perturbed;
    private readonly int[] _rows;
    private readonly VariantConfig _c;
    private readonly IReferenceBase _base;
    private float[][]? _state;
    private bool[]? _started;
    private float[][]? _gv;
    private double _gvSumOfSquares;
    private long _t;

    /// <param name="weights">The trained weights (updated in place).</param>
    /// <param name="rows">Per tensor, the number of output units (first dimension) when it has ≥ 2 dimensions, else 0.</param>
    public ReferenceVariants(float[][] weights, bool[] perturbed, int[] rows, VariantConfig config, IReferenceBase optimizer)
    {
        Weights = weights;
        _perturbed = perturbed;
        _rows = rows;
        _c = config;
        _base = optimizer;
    }

    public float[][] Weights { get; }

    public double LastClipScale { get; private set; } = 1;

    public bool LastWasSam { get; private set; }

    private double _mean, _variance;

    public long SamSteps { get; private set; }

    private bool SamDue => _t >= _c.BaseSteps && (_t - _c.BaseSteps) % _c.Interval == 0 &&
        (_c.Policy != SamStepPolicy.Random || Draw(_c.Seed, _t, 0) < _c.Probability);

    /// <summary>
    /// Jiang et al. 2023 (AE-SAM, Algorithm 1): μ_t = δμ_{t−1} + (1 − δ)‖g_t‖², σ²_t = δσ²_{t−1} + (1 − δ)(‖g_t‖² − μ_t)²;
    /// SAM when ‖g_t‖² ≥ μ_t + c_t·σ_t, c_t = λ₁ + (λ₂ − λ₁)·min(t/T, 1). ‖g‖ over the perturbed parameters.
    /// </summary>
    private bool PolicyAccepts(float[][] g)
    {
        if (_c.Policy != SamStepPolicy.Adaptive)
        {
            return true;
        }

        double gg = 0;
        for (int k = 0; k < g.Length; k++)
        {
            if (_perturbed[k])
            {
                foreach (float v in g[k])
                {
                    gg += (double)v * v;
                }
            }
        }

        _mean = (_c.Delta * _mean) + ((1 - _c.Delta) * gg);
        _variance = (_c.Delta * _variance) + ((1 - _c.Delta) * (gg - _mean) * (gg - _mean));
        double c = _c.Lambda1 + ((_c.Lambda2 - _c.Lambda1) * Math.Min(1.0, (double)_t / _c.TotalSteps));
        return gg >= _mean + (c * Math.Sqrt(_variance));
    }

    /// <summary>One step: a SAM step of the configured variant, or a base step when periodic SAM/switching say so.</summary>
    public void Step(Func<float[][], float[][]> gradient)
    {
        float[][] g = gradient(Weights);
        LastWasSam = SamDue && PolicyAccepts(g);
        SamSteps += LastWasSam ? 1 : 0;
        if (!LastWasSam)
        {
            BaseStep(_c.Variant == SamVariant.LookSam ? LookSamReuse(g) : g);
            return;
        }

        double rho = _c.RhoAt?.Invoke(_t) ?? _c.Rho;
        (float[][] perturbed, float scale) = PerturbedPoint(g, rho);
        float[][] gp = gradient(perturbed);
        if (_c.Variant == SamVariant.Gsam && scale != 0 && _c.Alpha != 0)
        {
            gp = GsamDirection(g, gp);
        }

        if (_c.Variant == SamVariant.LookSam)
        {
            LookSamStore(g, gp);
        }

        BaseStep(gp);
    }

    /// <summary>
    /// Liu et al. 2022, Algorithm 1, on a SAM step: g_v = g_s − ‖g_s‖·cos θ·g/‖g‖ with cos θ = g·g_s/(‖g‖‖g_s‖), i.e.
    /// g_s minus its projection on g, over the perturbed parameters.
    /// </summary>
    private void LookSamStore(float[][] g, float[][] gs)
    {
        double dot = 0, gg = 0;
        for (int k = 0; k < g.Length; k++)
        {
            if (_perturbed[k])
            {
                for (int i = 0; i < g[k].Length; i++)
                {
                    dot += (double)g[k][i] * gs[k][i];
                    gg += (double)g[k][i] * g[k][i];
                }
            }
        }

        float c = gg > 0 ? (float)(dot / gg) : 0f;
        _gv ??= Array.ConvertAll(Weights, w => new float[w.Length]);
        _gvSumOfSquares = 0;
        for (int k = 0; k < g.Length; k++)
        {
            if (_perturbed[k])
            {
                for (int i = 0; i < g[k].Length; i++)
                {
                    _gv[k][i] = gs[k][i] - (c * g[k][i]);
                    _gvSumOfSquares += (double)_gv[k][i] * _gv[k][i];
                }
            }
        }
    }

    /// <summary>Liu et al. 2022, Algorithm 1, between SAM steps: g_s = g + α·(‖g‖/‖g_v‖)·g_v.</summary>
    private float[][] LookSamReuse(float[][] g)
    {
        if (_gv is null || _gvSumOfSquares == 0 || _c.Alpha == 0)
        {
            return g;
        }

        double gg = 0;
        for (int k = 0; k < g.Length; k++)
        {
            if (_perturbed[k])
            {
                foreach (float v in g[k])
                {
                    gg += (double)v * v;
                }
            }
        }

        if (gg == 0)
        {
            return g;
        }

        float a = (float)(_c.Alpha * Math.Sqrt(gg / _gvSumOfSquares));
        var u = Array.ConvertAll(g, x => (float[])x.Clone());
        for (int k = 0; k < g.Length; k++)
        {
            if (_perturbed[k])
            {
                for (int i = 0; i < g[k].Length; i++)
                {
                    u[k][i] = g[k][i] + (a * _gv[k][i]);
                }
            }
        }

        return u;
    }

    /// <summary>
    /// ESAM's draw (docs/variants.md): SplitMix64's finalizer over seed + t·φ + stream·c, the top 53 bits as a
    /// uniform number; tensor j of the perturbed ones uses stream j + 1. Written again here from the documented rule.
    /// </summary>
    internal static double Draw(long seed, long t, long stream)
    {
        ulong z = unchecked((ulong)seed + ((ulong)t * 0x9E3779B97F4A7C15UL) + ((ulong)stream * 0xD1B54A32D192ED03UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) / 9007199254740992.0;
    }

    /// <summary>m-sharpness: one perturbation per part, the base step with the mean perturbed gradient.</summary>
    public void MSharpnessStep(int parts, Func<float[][], int, float[][]> gradient)
    {
        bool sam = SamDue;
        LastWasSam = sam;
        double rho = _c.RhoAt?.Invoke(_t) ?? _c.Rho;
        float[][]? sum = null;
        for (int j = 0; j < parts; j++)
        {
            float[][] g = gradient(Weights, j);
            float[][] gp = sam ? gradient(PerturbedPoint(g, rho).Point, j) : g;
            if (sum is null)
            {
                sum = Array.ConvertAll(gp, x => (float[])x.Clone());
            }
            else
            {
                for (int k = 0; k < sum.Length; k++)
                {
                    for (int i = 0; i < sum[k].Length; i++)
                    {
                        sum[k][i] += gp[k][i];
                    }
                }
            }
        }

        float inverse = 1f / parts;
        foreach (float[] x in sum!)
        {
            for (int i = 0; i < x.Length; i++)
            {
                x[i] *= inverse;
            }
        }

        BaseStep(sum);
    }

    private (float[][] Point, float Scale) PerturbedPoint(float[][] g, double rho)
    {
        _state ??= Array.ConvertAll(Weights, w => new float[w.Length]);
        _started ??= new bool[Weights.Length];
        float lambdaW = _c.PerturbWeightDecay ? (float)_base.WeightDecay : 0f;
        var norm = new float[Weights.Length][];
        var move = new float[Weights.Length][];
        double sum = 0;
        int slot = 0;
        for (int k = 0; k < Weights.Length; k++)
        {
            if (!_perturbed[k])
            {
                continue;
            }

            // Du et al. 2022 (dydjw9/Efficient_SAM, utils/Esam.py): each tensor chosen with probability β.
            bool chosen = _c.Variant != SamVariant.Esam || _c.Beta >= 1 || Draw(_c.Seed, _t, ++slot) < _c.Beta;

            float[] w = Weights[k];
            var h = new float[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                h[i] = lambdaW == 0 ? g[k][i] : g[k][i] + (lambdaW * w[i]);
            }

            norm[k] = new float[w.Length];
            move[k] = new float[w.Length];
            switch (_c.Variant)
            {
                case SamVariant.Asam when _rows[k] > 0 || _c.AsamScaleBiases:
                    // Kwon et al. 2021 (SamsungLabs/ASAM, asam.py): T = |w| + η on weights, e = ρ T²h / ‖T h‖ over all
                    for (int i = 0; i < w.Length; i++)
                    {
                        float t = MathF.Abs(w[i]) + (float)_c.Eta;
                        norm[k][i] = t * h[i];
                        move[k][i] = t * norm[k][i];
                    }

                    break;
                case SamVariant.Vasso: // Li & Giannakis 2023 (official code): d₁ = g₁, then d = (1 − θ)d + θg; e = ρ d/‖d‖
                    for (int i = 0; i < w.Length; i++)
                    {
                        _state[k][i] = _started[k] ? ((float)(1 - _c.Theta) * _state[k][i]) + ((float)_c.Theta * h[i]) : h[i];
                        norm[k][i] = move[k][i] = _state[k][i];
                    }

                    _started[k] = true;
                    break;
                case SamVariant.FriendlySam: // Li et al. 2024 (nblt/F-SAM): d = gₜ − σmₜ₋₁, then m = λm + (1 − λ)g; d₁ = g₁, m₁ = g₁
                    for (int i = 0; i < w.Length; i++)
                    {
                        if (_started[k])
                        {
                            norm[k][i] = move[k][i] = h[i] - ((float)_c.Sigma * _state[k][i]);
                            _state[k][i] = ((float)_c.Lambda * _state[k][i]) + ((float)(1 - _c.Lambda) * h[i]);
                        }
                        else
                        {
                            norm[k][i] = move[k][i] = h[i];
                            _state[k][i] = h[i];
                        }
                    }

                    _started[k] = true;
                    break;
                case SamVariant.Gcsam when _rows[k] > 0: // Hassan et al. 2025: subtract the mean per output unit
                    int rowLength = w.Length / _rows[k];
                    for (int r = 0; r < _rows[k]; r++)
                    {
                        double mean = 0;
                        for (int i = r * rowLength; i < (r + 1) * rowLength; i++)
                        {
                            mean += h[i];
                        }

                        float mu = (float)(mean / rowLength);
                        for (int i = r * rowLength; i < (r + 1) * rowLength; i++)
                        {
                            norm[k][i] = move[k][i] = h[i] - mu;
                        }
                    }

                    break;
                case SamVariant.Esam when !chosen: // not chosen: no part in the norm, does not move
                    break;
                default: // SAM, USAM, GSAM, LookSAM, ESAM's chosen tensors, ASAM's biases (T = 1)
                    Array.Copy(h, norm[k], h.Length);
                    Array.Copy(h, move[k], h.Length);
                    break;
            }

            foreach (float v in norm[k])
            {
                sum += (double)v * v;
            }
        }

        double n = Math.Sqrt(sum);
        float scale = (float)(_c.Normalize ? (n > 0 ? rho / n : 0) : rho);
        if (_c.Variant == SamVariant.Esam)
        {
            scale *= (float)(1.0 / _c.Beta); // the code's scale ρ/‖g_S‖/β
        }

        var point = new float[Weights.Length][];
        for (int k = 0; k < Weights.Length; k++)
        {
            point[k] = (float[])Weights[k].Clone();
            if (_perturbed[k])
            {
                for (int i = 0; i < point[k].Length; i++)
                {
                    point[k][i] = Weights[k][i] + (scale * move[k][i]);
                }
            }
        }

        return (point, scale);
    }

    /// <summary>Zhuang et al. 2022: g⊥ = g − (g·g′/‖g′‖²)g′ over the perturbed parameters; descend along g′ − αg⊥.</summary>
    private float[][] GsamDirection(float[][] g, float[][] gp)
    {
        double dot = 0, gpgp = 0;
        for (int k = 0; k < g.Length; k++)
        {
            if (_perturbed[k])
            {
                for (int i = 0; i < g[k].Length; i++)
                {
                    dot += (double)g[k][i] * gp[k][i];
                    gpgp += (double)gp[k][i] * gp[k][i];
                }
            }
        }

        if (gpgp == 0)
        {
            return gp;
        }

        double c = dot / gpgp;
        var u = new float[g.Length][];
        for (int k = 0; k < g.Length; k++)
        {
            u[k] = (float[])gp[k].Clone();
            if (_perturbed[k])
            {
                for (int i = 0; i < g[k].Length; i++)
                {
                    double orthogonal = g[k][i] - (c * gp[k][i]);
                    u[k][i] = (float)(gp[k][i] - (_c.Alpha * orthogonal));
                }
            }
        }

        return u;
    }

    /// <summary>Clipping by global norm (PyTorch's clip_grad_norm_), the learning-rate schedule, then the base step.</summary>
    private void BaseStep(float[][] g)
    {
        float scale = 1;
        if (_c.MaxNorm > 0)
        {
            double sum = 0;
            foreach (float[] x in g)
            {
                foreach (float v in x)
                {
                    sum += (double)v * v;
                }
            }

            double clip = _c.MaxNorm / (Math.Sqrt(sum) + 1e-6);
            scale = clip < 1 ? (float)clip : 1f;
        }

        LastClipScale = scale;
        _base.Step(Weights, g, scale, _c.LearningRateAt?.Invoke(_t));
        _t++;
    }
}

/// <summary>The reference's SAM hyper-parameters.</summary>
public sealed record VariantConfig(
    SamVariant Variant,
    double Rho = 0.05,
    bool Normalize = true,
    double Eta = 0.01,
    double Theta = 0.4,
    double Lambda = 0.95,
    double Sigma = 1,
    double Alpha = 0.4,
    int Interval = 1,
    long BaseSteps = 0,
    double MaxNorm = 0,
    bool PerturbWeightDecay = false,
    bool AsamScaleBiases = false,
    double Beta = 0.5,
    long Seed = 0,
    SamStepPolicy Policy = SamStepPolicy.Periodic,
    double Delta = 0.9,
    double Lambda1 = -1,
    double Lambda2 = 1,
    long TotalSteps = 0,
    double Probability = 0.5,
    Func<long, double>? RhoAt = null,
    Func<long, double>? LearningRateAt = null)
{
    public SamSettings Settings(Schedule? rho = null, Schedule? lr = null) => new()
    {
        Variant = Variant,
        Rho = Rho,
        Normalize = Normalize,
        AsamEta = Eta,
        AsamScaleBiases = AsamScaleBiases,
        VassoTheta = Theta,
        FriendlyLambda = Lambda,
        FriendlySigma = Sigma,
        GsamAlpha = Alpha,
        LookSamAlpha = Alpha,
        EsamBeta = Beta,
        Seed = Seed,
        StepPolicy = Policy,
        AdaptiveDecay = Delta,
        AdaptiveThresholdStart = Lambda1,
        AdaptiveThresholdEnd = Lambda2,
        TotalSteps = TotalSteps,
        SamProbability = Probability,
        Interval = Interval,
        BaseOptimizerSteps = BaseSteps,
        MaxGradientNorm = MaxNorm,
        PerturbWeightDecay = PerturbWeightDecay,
        RhoSchedule = rho,
        LearningRateSchedule = lr,
    };
}

/// <summary>A base optimizer written element by element.</summary>
public interface IReferenceBase
{
    double WeightDecay { get; }

    double LearningRate { get; }

    /// <summary>Steps with the gradient times <paramref name="scale"/>; <paramref name="learningRate"/> overrides η when scheduled.</summary>
    void Step(float[][] w, float[][] g, float scale, double? learningRate);

    BaseOptimizer Create();
}

/// <summary>PyTorch's torch.optim.SGD.</summary>
public sealed class ReferenceSgd(ReferenceConfig c) : IReferenceBase
{
    private float[][]? _momentum;

    public double WeightDecay => c.WeightDecay;

    public double LearningRate => c.LearningRate;

    public BaseOptimizer Create() => c.CreateSgd();

    public void Step(float[][] weights, float[][] g, float scale, double? learningRate)
    {
        double lr = learningRate ?? c.LearningRate;
        bool first = _momentum is null;
        _momentum ??= Array.ConvertAll(weights, w => new float[w.Length]);
        for (int t = 0; t < weights.Length; t++)
        {
            float[] w = weights[t], m = _momentum[t];
            for (int i = 0; i < w.Length; i++)
            {
                float d = scale * g[t][i];
                if (c.WeightDecay != 0 && !c.Decoupled)
                {
                    d += (float)c.WeightDecay * w[i];
                }

                if (c.Momentum != 0)
                {
                    m[i] = first ? d : ((float)c.Momentum * m[i]) + ((float)(1 - c.Dampening) * d);
                    d = c.Nesterov ? d + ((float)c.Momentum * m[i]) : m[i];
                }

                if (c.Decoupled)
                {
                    w[i] *= (float)(1 - (lr * c.WeightDecay));
                }

                w[i] -= (float)lr * d;
            }
        }
    }
}

/// <summary>PyTorch's torch.optim.AdamW (Loshchilov &amp; Hutter 2019), with AMSGrad.</summary>
public sealed class ReferenceAdamW(double lr, double beta1, double beta2, double eps, double weightDecay, bool amsgrad) : IReferenceBase
{
    private float[][]? _m, _v, _vMax;
    private long _t;

    public double WeightDecay => weightDecay;

    public double LearningRate => lr;

    public BaseOptimizer Create() => new AdamW(lr, beta1, beta2, eps, weightDecay, amsgrad);

    public void Step(float[][] weights, float[][] g, float scale, double? learningRate)
    {
        double eta = learningRate ?? lr;
        _m ??= Array.ConvertAll(weights, w => new float[w.Length]);
        _v ??= Array.ConvertAll(weights, w => new float[w.Length]);
        _vMax ??= Array.ConvertAll(weights, w => new float[w.Length]);
        _t++;
        double bc1 = 1 - Math.Pow(beta1, _t), bc2 = 1 - Math.Pow(beta2, _t);
        for (int k = 0; k < weights.Length; k++)
        {
            float[] w = weights[k], m = _m[k], v = _v[k], vMax = _vMax[k];
            for (int i = 0; i < w.Length; i++)
            {
                float gi = scale * g[k][i];
                w[i] *= (float)(1 - (eta * weightDecay));
                m[i] = ((float)beta1 * m[i]) + ((float)(1 - beta1) * gi);
                v[i] = ((float)beta2 * v[i]) + ((float)(1 - beta2) * gi * gi);
                float second = v[i];
                if (amsgrad)
                {
                    vMax[i] = Math.Max(vMax[i], v[i]);
                    second = vMax[i];
                }

                double denom = (Math.Sqrt(second) / Math.Sqrt(bc2)) + eps;
                w[i] -= (float)(eta / bc1 * m[i] / denom);
            }
        }
    }
}
