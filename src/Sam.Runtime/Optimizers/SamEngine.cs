using System;
using System.Collections.Generic;
using System.ComponentModel;
using Sam.Kernels;

namespace Sam;

/// <summary>
/// The state and hyper-parameters of one SAM optimizer: ρ, the base optimizer, per-parameter state, the SAM
/// phase and telemetry. Generated model code and <see cref="SamOptimizer"/> drive it through the same
/// per-parameter protocol, so both compute the same step.
/// </summary>
/// <remarks>
/// <para>
/// The protocol members (hidden from IntelliSense) are called in this order by the generated code:
/// <c>BeginPerturb</c>, <c>PerturbationSumOfSquares</c> for every perturbed parameter (slot = its position among
/// the perturbed parameters), <c>PerturbationScale</c>, <c>Perturb</c> for each, <c>EndPerturb</c>; then
/// <c>BeginStep</c>, <c>StepSumOfSquares</c> for every trained parameter (slot = its position among the trained
/// parameters), <c>StepScale</c>, <c>Step</c> for each, <c>EndStep</c>. Nothing is written to the weights or to
/// the optimizer state until every gradient involved has been checked, so a failure leaves them as they were.
/// </para>
/// <para>
/// The variant (<see cref="SamSettings.Variant"/>), the schedules, periodic SAM and switching
/// (<see cref="SamStepDue"/>), clipping and weight decay in the perturbation are all applied here, so generated
/// code and <see cref="SamOptimizer"/> share them. docs/variants.md has the formulas.
/// </para>
/// </remarks>
public sealed partial class SamEngine
{
    private readonly SamSettings _settings;
    private ParameterState?[] _slots = Array.Empty<ParameterState?>();
    private ParameterState?[] _perturbSlots = Array.Empty<ParameterState?>();
    private Dictionary<Parameter, ParameterState>? _byParameter;
    private string _phase = "perturbation";
    private double _baseLearningRate;
    private long _pass;

    // The perturbation in progress or last applied.
    private long _perturbationId;
    private double _currentRho;
    private double _gradientSumOfSquares;
    private double _gradientNorm;
    private double _perturbationNorm;
    private double _lastRho;
    private float _perturbScale;

    // The step in progress.
    private bool _accumulatedSamStep;
    private double _gsamDot;
    private double _gsamPerturbedSumOfSquares;
    private bool _gsamActive;
    private float _gsamGain;
    private float _gsamAlpha;

    /// <summary>Creates an engine.</summary>
    /// <param name="settings">The SAM hyper-parameters (copied).</param>
    /// <param name="optimizer">The base optimizer.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="SamSettings.BaseOptimizerFraction"/> is set without <see cref="SamSettings.TotalSteps"/>.
    /// </exception>
    public SamEngine(SamSettings settings, BaseOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (settings.BaseOptimizerFraction > 0 && settings.TotalSteps == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SamSettings.BaseOptimizerFraction), settings.BaseOptimizerFraction, "A base-optimizer fraction needs TotalSteps > 0.");
        }

        _settings = settings.Clone();
        BaseOptimizer = optimizer;
        _baseLearningRate = optimizer.LearningRate;
        LastStep = new SamStepInfo(0, settings.Rho, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, optimizer.LearningRate);
    }

    /// <summary>The perturbation radius ρ (ρ₀ when scheduled; ≥ 0, finite); settable between steps.</summary>
    public double Rho
    {
        get => _settings.Rho;
        set => _settings.Rho = value;
    }

    /// <summary>The radius the next perturbation uses: ρ₀ through the ρ schedule at step <see cref="StepCount"/>.</summary>
    public double CurrentRho => _settings.RhoSchedule is { } s ? s.Evaluate(_settings.Rho, StepCount) : _settings.Rho;

    /// <summary>Whether the perturbation is normalized by the direction's norm (SAM) or not (USAM).</summary>
    public bool Normalize => _settings.Normalize;

    /// <summary>The perturbation rule.</summary>
    public SamVariant Variant => _settings.Variant;

    /// <summary>The base optimizer that takes the step from the gradient at the perturbed point.</summary>
    public BaseOptimizer BaseOptimizer { get; }

    /// <summary>
    /// The base optimizer's learning rate. With a learning-rate schedule the getter returns the rate of the last
    /// step (η_t) and the setter sets the schedule's base value η₀; settable between steps.
    /// </summary>
    public double LearningRate
    {
        get => BaseOptimizer.LearningRate;
        set
        {
            BaseOptimizer.LearningRate = value;
            _baseLearningRate = value;
        }
    }

    /// <summary>Base-optimizer steps completed (SAM or not); the t of the schedules, from 0.</summary>
    public long StepCount { get; private set; }

    /// <summary>
    /// Whether the next step should be a SAM step: false during switching's first base-optimizer steps and, with
    /// periodic SAM (interval k), on the k − 1 steps between two SAM steps. <c>SharpnessAwareStep</c> then takes
    /// a base step and skips the second gradient; a hand-written loop can test it the same way.
    /// </summary>
    public bool SamStepDue
    {
        get
        {
            long first = _settings.SwitchStep;
            return StepCount >= first && (StepCount - first) % _settings.Interval == 0;
        }
    }

    /// <summary>Whether the weights are currently at the perturbed point.</summary>
    public bool IsPerturbed { get; private set; }

    /// <summary>Telemetry of the last completed step.</summary>
    public SamStepInfo LastStep { get; private set; }

    /// <summary>Forgets every parameter's optimizer and variant state (momentum, moments, d, m), any loaded state not yet attached, and the step count.</summary>
    /// <exception cref="InvalidOperationException">The weights are perturbed.</exception>
    public void ResetState()
    {
        ThrowIfPerturbed("ResetState");
        Array.Clear(_slots);
        Array.Clear(_perturbSlots);
        _byParameter?.Clear();
        _pending = null;
        StepCount = 0;
    }

    /// <summary>Records the losses the step's callback returned, for the sharpness estimate in <see cref="LastStep"/>.</summary>
    /// <param name="loss">L(w).</param>
    /// <param name="perturbedLoss">L(w + e) (NaN on a base-optimizer step).</param>
    public void RecordLosses(double loss, double perturbedLoss) =>
        LastStep = LastStep with { Loss = loss, PerturbedLoss = perturbedLoss };

    /// <summary>Returns <paramref name="value"/>, or throws an exception naming the model member when it is null.</summary>
    /// <typeparam name="T">The member's type.</typeparam>
    /// <param name="value">The member's value.</param>
    /// <param name="memberPath">The member, for the message.</param>
    /// <param name="index">The element index when the member is an element of a collection, else −1.</param>
    /// <returns>The non-null value.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static T Required<T>(T? value, string memberPath, int index = -1)
        where T : class =>
        value ?? throw new InvalidOperationException($"Model member {FormatPath(memberPath, index)} is null; SAM needs every non-nullable parameter member to be set (annotate it as nullable to make it optional).");

    /// <summary>Zeroes one parameter's gradient (protocol member used by generated code).</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="memberPath">The member, for error messages.</param>
    /// <param name="index">Collection index, or −1.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void ZeroGradient(Parameter parameter, string memberPath, int index = -1) =>
        Required(parameter, memberPath, index).ZeroGradient();

    /// <summary>Starts a perturbation (protocol member): fixes ρ_t for this step.</summary>
    /// <exception cref="InvalidOperationException">The weights are already perturbed.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void BeginPerturb()
    {
        if (IsPerturbed)
        {
            throw new InvalidOperationException("The weights are already perturbed: call Restore() or RestoreAndStep() before perturbing again.");
        }

        _phase = "perturbation";
        _pass++;
        _currentRho = CurrentRho;
        _gradientSumOfSquares = 0;
        _perturbationId++;
    }

    /// <summary>Starts a base-optimizer step (protocol member).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void BeginStep()
    {
        _phase = "step";
        _pass++;
        _gsamDot = 0;
        _gsamPerturbedSumOfSquares = 0;
        _gsamActive = false;
    }

    /// <summary>
    /// ‖g‖² of one parameter's gradient in double precision (protocol member). Throws, naming the parameter,
    /// when the gradient holds NaN or ±∞; nothing has been written at that point.
    /// </summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="memberPath">The member, for error messages.</param>
    /// <param name="index">Collection index, or −1.</param>
    /// <returns>The sum of squares.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public double GradientSumOfSquares(Parameter parameter, string memberPath, int index = -1)
    {
        Required(parameter, memberPath, index);
        Stamp(parameter, memberPath, index);
        double s = SamKernels.SumOfSquares(parameter.Gradient);
        if (!double.IsFinite(s))
        {
            ThrowNonFinite(parameter, memberPath, index);
        }

        if (_phase == "perturbation")
        {
            _gradientSumOfSquares += s;
        }

        return s;
    }

    /// <summary>The factor a with e = a·direction (protocol member): ρ_t/‖direction‖ when normalized (0 for a zero direction), ρ_t otherwise.</summary>
    /// <param name="sumOfSquares">‖direction‖² over the perturbed parameters (from <c>PerturbationSumOfSquares</c>).</param>
    /// <returns>The factor.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public float PerturbationScale(double sumOfSquares)
    {
        double norm = Math.Sqrt(sumOfSquares);
        double rho = _currentRho;
        double scale = Normalize ? (norm > 0 ? rho / norm : 0) : rho;

        // A direction so small that ρ/‖d‖ overflows float carries no direction worth following: do not move.
        if (!float.IsFinite((float)scale))
        {
            scale = 0;
        }

        _gradientNorm = Math.Sqrt(_gradientSumOfSquares);
        _perturbationNorm = scale * norm;
        _lastRho = rho;
        _perturbScale = (float)scale;
        return (float)scale;
    }

    /// <summary>
    /// Moves one parameter to w + a·g, written to its second buffer: the plain SAM rule without variant state
    /// (protocol member kept for callers of the slot-less protocol; generated code calls the slot overload).
    /// </summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="scale">The factor from <see cref="PerturbationScale"/>.</param>
    /// <exception cref="InvalidOperationException">The variant or weight decay in the perturbation needs the slot overload.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Perturb(Parameter parameter, float scale)
    {
        if (Variant != SamVariant.Sam || PerturbationDecay != 0)
        {
            throw new InvalidOperationException($"The {Variant} perturbation needs Perturb(parameter, slot, scale).");
        }

        SamKernels.AddScaled(parameter.TrainedSpan, parameter.Gradient, scale, parameter.ShadowForWrite());
        parameter.ShowPerturbed();
    }

    /// <summary>Marks the perturbation complete (protocol member).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndPerturb() => IsPerturbed = true;

    /// <summary>Shows one parameter's trained weights again; a flip, not a copy (protocol member).</summary>
    /// <param name="parameter">The parameter; null is ignored so a restore after a failure never throws.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static void Restore(Parameter? parameter) => parameter?.ShowTrained();

    /// <summary>Marks the restore complete (protocol member).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndRestore() => IsPerturbed = false;

    /// <summary>
    /// The gradient multiplier of this step (protocol member): applies the learning-rate schedule, completes
    /// GSAM's global products, and returns the clipping factor min(1, MaxGradientNorm/(‖u‖ + 1e-6)) where u is
    /// the gradient the base step uses (g′, or GSAM's g′ − α·g⊥); 1 without clipping.
    /// </summary>
    /// <param name="sumOfSquares">‖g′‖² over the trained parameters (from <c>StepSumOfSquares</c>).</param>
    /// <returns>The multiplier.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public float StepScale(double sumOfSquares)
    {
        double lr = BaseOptimizer.LearningRate;
        if (_settings.LearningRateSchedule is { } schedule)
        {
            lr = schedule.Evaluate(_baseLearningRate, StepCount);
            BaseOptimizer.SetScheduledLearningRate(lr);
        }

        double usedSumOfSquares = sumOfSquares + GsamCoefficients();
        double scale = 1;
        if (_settings.MaxGradientNorm > 0)
        {
            // PyTorch's clip_grad_norm_: scale by max/(‖u‖ + 1e-6) when that is below 1.
            double clip = _settings.MaxGradientNorm / (Math.Sqrt(usedSumOfSquares) + 1e-6);
            scale = clip < 1 ? clip : 1;
        }

        bool samStep = IsPerturbed || _accumulatedSamStep;
        LastStep = new SamStepInfo(
            StepCount + 1,
            samStep ? _lastRho : 0,
            samStep ? _gradientNorm : double.NaN,
            samStep ? _perturbationNorm : 0,
            Math.Sqrt(sumOfSquares),
            double.NaN,
            double.NaN,
            lr,
            samStep,
            (float)scale);
        return (float)scale;
    }

    /// <summary>Restores one parameter (if perturbed) and takes the base optimizer's step with its gradient (protocol member).</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="slot">The parameter's position in the model's visiting order.</param>
    /// <param name="gradientScale">The multiplier from <see cref="StepScale"/>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Step(Parameter parameter, int slot, float gradientScale)
    {
        parameter.ShowTrained();
        ParameterState state = StateFor(parameter, slot);
        if (_gsamActive && state.GsamPerturbation == _perturbationId && state.VariantBuffer is { } saved)
        {
            // GSAM: the saved g becomes (1 + αc)·g′ − α·g = g′ − α·g⊥, and the base optimizer steps along it.
            VariantKernels.CombineInPlace(saved, parameter.Gradient, _gsamGain, _gsamAlpha);
            state.GsamPerturbation = 0;
            BaseOptimizer.Step(parameter.TrainedSpan, saved, state, gradientScale);
            return;
        }

        BaseOptimizer.Step(parameter.TrainedSpan, parameter.Gradient, state, gradientScale);
    }

    /// <summary>Marks the step complete (protocol member).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndStep()
    {
        IsPerturbed = false;
        _gsamActive = false;
        StepCount++;
    }

    /// <summary>Throws when the weights are perturbed (protocol member guarding base-only calls).</summary>
    /// <param name="operation">The member that needs unperturbed weights.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void ThrowIfPerturbed(string operation)
    {
        if (IsPerturbed)
        {
            throw new InvalidOperationException($"{operation} needs the trained weights, but they are perturbed: call Restore() or RestoreAndStep() first.");
        }
    }

    /// <summary>λ added to the perturbation gradient (0 unless <see cref="SamSettings.PerturbWeightDecay"/>).</summary>
    private float PerturbationDecay => _settings.PerturbWeightDecay ? (float)BaseOptimizer.WeightDecay : 0f;

    // The visiting order gives each parameter a slot, so the usual lookup is one array read and a reference
    // check. If a model's parameter set changes (an optional module appears, a list is reordered), the state
    // follows the parameter through a dictionary instead of being attached to the wrong one. The perturbed
    // parameters are numbered separately (they are a subset), but both tables lead to the same state object.
    private ParameterState StateFor(Parameter parameter, int slot) => StateFor(ref _slots, parameter, slot);

    private ParameterState PerturbStateFor(Parameter parameter, int slot) => StateFor(ref _perturbSlots, parameter, slot);

    private ParameterState StateFor(ref ParameterState?[] slots, Parameter parameter, int slot)
    {
        if ((uint)slot < (uint)slots.Length && slots[slot] is { } cached && ReferenceEquals(cached.Owner, parameter))
        {
            return cached;
        }

        if (slot < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), slot, "Slots are non-negative positions in the visiting order.");
        }

        if (slot >= slots.Length)
        {
            Array.Resize(ref slots, Math.Max(slot + 1, slots.Length * 2));
        }

        _byParameter ??= new Dictionary<Parameter, ParameterState>(ReferenceEqualityComparer.Instance);
        if (!_byParameter.TryGetValue(parameter, out ParameterState? state))
        {
            state = new ParameterState(parameter);
            BindPending(state); // throws on a length mismatch before anything is recorded
            _byParameter.Add(parameter, state);
        }

        slots[slot] = state;
        return state;
    }

    // Every checked pass stamps each parameter it reaches; a second stamp in the same pass means the model
    // reaches one parameter through two members, which would perturb and step it twice. Nothing has been
    // written yet when this throws.
    private void Stamp(Parameter parameter, string memberPath, int index)
    {
        if (parameter.VisitPass == _pass && ReferenceEquals(parameter.VisitOwner, this))
        {
            throw new InvalidOperationException(
                $"Parameter '{parameter.Name}' is reached twice, through {FormatPath(parameter.VisitPath ?? "?", parameter.VisitIndex)} and {FormatPath(memberPath, index)}; " +
                "it would be perturbed and stepped twice. Mark the alias member [SamIgnore] (or tie weights by sharing one member).");
        }

        parameter.VisitPass = _pass;
        parameter.VisitOwner = this;
        parameter.VisitPath = memberPath;
        parameter.VisitIndex = index;
    }

    private void ThrowNonFinite(Parameter parameter, string memberPath, int index)
    {
        int at = SamKernels.IndexOfNonFinite(parameter.Gradient);
        throw at >= 0
            ? new NonFiniteGradientException(FormatPath(memberPath, index), parameter.Name, at, parameter.Gradient[at], _phase)
            : new NonFiniteGradientException(FormatPath(memberPath, index), parameter.Name, -1, float.PositiveInfinity, _phase + " (the variant's direction overflowed)");
    }

    private static string FormatPath(string memberPath, int index)
    {
        if (index < 0)
        {
            return memberPath;
        }

        int at = memberPath.LastIndexOf("[]", StringComparison.Ordinal);
        return at < 0 ? $"{memberPath}[{index}]" : $"{memberPath[..at]}[{index}]{memberPath[(at + 2)..]}";
    }
}
