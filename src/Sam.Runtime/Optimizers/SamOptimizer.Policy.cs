using System;

namespace Sam;

// Which steps are SAM steps: the periodic/switching rule, AE-SAM's adaptive policy and randomized switching, and the
// count of SAM steps taken. AE-SAM's moving averages change only when a step completes: the decision's values are
// pending until then, and an abandoned step drops them, like every other piece of state.
public sealed partial class SamOptimizer
{
    private long _samSteps;
    private double _adaptiveMean;
    private double _adaptiveVariance;
    private double _pendingMean;
    private double _pendingVariance;
    private bool _policyPending;

    /// <summary>SAM steps completed so far (steps that computed a second gradient at a perturbed point); checkpointed.</summary>
    public long SamStepCount => _samSteps;

    /// <summary>Whether the step in progress is an m-sharpness SAM step (its gradient is an average of perturbed ones).</summary>
    internal bool AccumulatedSamStep => _accumulatedSamStep;

    /// <summary>AE-SAM's running mean μ of ‖g‖² (0 until the first decision).</summary>
    public double AdaptiveMean => _adaptiveMean;

    /// <summary>AE-SAM's running variance σ² of ‖g‖² (0 until the first decision).</summary>
    public double AdaptiveVariance => _adaptiveVariance;

    /// <summary>
    /// A uniform number in [0, 1) that depends on (seed, counter, stream) only: SplitMix64's finalizer over the three
    /// mixed together. Counter-based, so the generator's state is the step count the checkpoint already holds, and an
    /// abandoned step draws the same number again when it is retried.
    /// </summary>
    internal static double Uniform(long seed, long counter, long stream)
    {
        ulong z = unchecked((ulong)seed + ((ulong)counter * 0x9E3779B97F4A7C15UL) + ((ulong)stream * 0xD1B54A32D192ED03UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>The probability p_t of a randomized SAM step at step t, in [0, 1].</summary>
    internal double SamProbabilityAt(long step)
    {
        double p = _settings.SamProbabilitySchedule is { } s ? s.Evaluate(_settings.SamProbability, step) : _settings.SamProbability;
        return Math.Clamp(p, 0, 1);
    }

    /// <summary>AE-SAM's threshold c_t: linear from λ₁ at step 0 to λ₂ at TotalSteps, then λ₂.</summary>
    internal double AdaptiveThresholdAt(long step)
    {
        double progress = Math.Min(1.0, (double)step / _settings.TotalSteps);
        return _settings.AdaptiveThresholdStart + ((_settings.AdaptiveThresholdEnd - _settings.AdaptiveThresholdStart) * progress);
    }

    // Decided before any gradient exists: true for the periodic and adaptive policies (the adaptive one decides in
    // the perturbation), a draw for the random one.
    private bool PolicyDue(long step) =>
        _settings.StepPolicy != SamStepPolicy.Random || Uniform(_settings.Seed, step, 0) < SamProbabilityAt(step);

    /// <summary>
    /// AE-SAM's decision from ‖g‖², which the perturbation's norm pass has just computed (no extra pass):
    /// μ_t = δμ + (1 − δ)‖g‖², σ²_t = δσ² + (1 − δ)(‖g‖² − μ_t)², SAM when ‖g‖² ≥ μ_t + c_t·σ_t. The new averages
    /// are pending until the step completes. Other policies always accept.
    /// </summary>
    private bool AcceptPerturbation(double gradientSumOfSquares)
    {
        if (_settings.StepPolicy != SamStepPolicy.Adaptive)
        {
            return true;
        }

        double delta = _settings.AdaptiveDecay;
        double mean = (delta * _adaptiveMean) + ((1 - delta) * gradientSumOfSquares);
        double deviation = gradientSumOfSquares - mean;
        double variance = (delta * _adaptiveVariance) + ((1 - delta) * deviation * deviation);
        _pendingMean = mean;
        _pendingVariance = variance;
        _policyPending = true;
        return gradientSumOfSquares >= mean + (AdaptiveThresholdAt(StepCount) * Math.Sqrt(variance));
    }

    /// <summary>The step completed: AE-SAM's pending averages become the state, and a SAM step is counted.</summary>
    private void CommitPolicy(bool samStep)
    {
        if (_policyPending)
        {
            _adaptiveMean = _pendingMean;
            _adaptiveVariance = _pendingVariance;
            _policyPending = false;
        }

        if (samStep)
        {
            _samSteps++;
        }
    }

    /// <summary>The step was abandoned: AE-SAM's averages stay as they were.</summary>
    private void DiscardPolicy() => _policyPending = false;

    /// <summary>
    /// AE-SAM decides after the perturbation's reduction; on a declined step the base step would reduce the same
    /// gradient a second time, which a summing reducer would get wrong. Refused, before any collective runs.
    /// </summary>
    private void ThrowIfPolicyCannotReduce()
    {
        if (_settings.StepPolicy == SamStepPolicy.Adaptive && _reducer is not null)
        {
            throw new InvalidOperationException("The adaptive SAM policy (AE-SAM) does not support a GradientReducer yet: a declined SAM step would reduce its gradient twice. Use the periodic or random policy for data-parallel training.");
        }
    }

    /// <summary>Checks the settings the policies need at construction (named after the setting, like the setters).</summary>
    private static void ValidatePolicy(SamSettings settings)
    {
        if (settings.StepPolicy == SamStepPolicy.Adaptive && settings.TotalSteps == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SamSettings.TotalSteps), settings.TotalSteps, "The adaptive SAM policy (AE-SAM) needs TotalSteps > 0 for its threshold schedule c_t.");
        }
    }
}
