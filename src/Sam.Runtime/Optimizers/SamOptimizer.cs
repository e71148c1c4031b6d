using System;
using System.Collections.Generic;

namespace Sam;

/// <summary>
/// The SAM optimizer: ρ, the variant, the base optimizer, per-parameter state, the SAM phase and telemetry. It
/// drives every phase (norm, perturb, restore, step, m-sharpness parts, periodic and switching decisions,
/// clipping, telemetry) over a parameter source: a generated model's parameter walk, or an explicit list of
/// <see cref="Parameter"/>s. Generated models expose it as their <c>Optimizer</c> property and forward their
/// phase members to it; there is no other implementation of the algorithm.
/// </summary>
/// <remarks>
/// Nothing is written to the weights or to any optimizer state until every gradient involved has been checked, so
/// a failed call leaves them as they were. docs/variants.md has the formulas.
/// </remarks>
public sealed partial class SamOptimizer : ISamParameterSource
{
    private readonly SamSettings _settings;
    private readonly ISamParameterSource _source;
    private readonly VariantRule _rule;
    private ParameterState?[] _slots = Array.Empty<ParameterState?>();
    private ParameterState?[] _perturbSlots = Array.Empty<ParameterState?>();
    private Parameter?[] _perturbedParameters = Array.Empty<Parameter?>();
    private int _perturbedCount;
    private Dictionary<Parameter, ParameterState>? _byParameter;
    private double _baseLearningRate;
    private long _pass;
    private bool _busy;

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

    /// <summary>Creates the optimizer over an explicit list of parameters (F#, models known only at run time).</summary>
    /// <param name="parameters">The trained parameters, in a fixed order (each at most once).</param>
    /// <param name="settings">The SAM hyper-parameters (copied).</param>
    /// <param name="optimizer">The base optimizer.</param>
    /// <param name="perturb">Which parameters are perturbed (all when null); the others are only stepped.</param>
    /// <exception cref="ArgumentException">A parameter is null or appears twice.</exception>
    public SamOptimizer(IEnumerable<Parameter> parameters, SamSettings settings, BaseOptimizer optimizer, Func<Parameter, bool>? perturb = null)
        : this(new ParameterList(parameters, perturb), settings, optimizer)
    {
    }

    /// <summary>
    /// Creates the optimizer over a parameter source: what a generated model's <c>Optimizer</c> property does with
    /// the model itself, or any <see cref="ISamParameterSource"/> of your own.
    /// </summary>
    /// <param name="source">Enumerates the parameters, in the same order every time.</param>
    /// <param name="settings">The SAM hyper-parameters (copied).</param>
    /// <param name="optimizer">The base optimizer.</param>
    /// <exception cref="ArgumentOutOfRangeException">
    /// <see cref="SamSettings.BaseOptimizerFraction"/> is set without <see cref="SamSettings.TotalSteps"/>.
    /// </exception>
    public SamOptimizer(ISamParameterSource source, SamSettings settings, BaseOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (settings.BaseOptimizerFraction > 0 && settings.TotalSteps == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(SamSettings.BaseOptimizerFraction), settings.BaseOptimizerFraction, "A base-optimizer fraction needs TotalSteps > 0.");
        }

        ValidatePolicy(settings);
        _source = source;
        _settings = settings.Clone();
        _rule = VariantRule.For(_settings);
        BaseOptimizer = optimizer;
        _baseLearningRate = optimizer.LearningRate;
        LastStep = new SamStepInfo
        {
            Rho = settings.Rho,
            GradientNorm = double.NaN,
            PerturbationNorm = double.NaN,
            PerturbedGradientNorm = double.NaN,
            Loss = double.NaN,
            PerturbedLoss = double.NaN,
            LearningRate = optimizer.LearningRate,
            GradientScale = 1,
            LossScale = 1,
            MicroBatches = 1,
        };
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

    /// <summary>Which steps are SAM steps.</summary>
    public SamStepPolicy StepPolicy => _settings.StepPolicy;

    /// <summary>The base optimizer that takes the step from the trained weights with the gradient measured at the perturbed point.</summary>
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
    /// Whether the next step should be a SAM step: false during switching's first base-optimizer steps, with
    /// periodic SAM (interval k) on the k − 1 steps between two SAM steps, and with the random policy when the step's
    /// draw says so. <see cref="SharpnessAwareStep(Func{float})"/> then takes a base step and skips the second
    /// gradient; a hand-written loop can test it the same way. With the adaptive policy (AE-SAM) true means "let the
    /// perturbation decide": <see cref="Perturb"/> then leaves the weights unperturbed (<see cref="IsPerturbed"/>
    /// false) when ‖g‖² is below its threshold, and the loop takes the base step with the gradient it has.
    /// </summary>
    public bool SamStepDue
    {
        get
        {
            long first = _settings.SwitchStep;
            return StepCount >= first && (StepCount - first) % _settings.Interval == 0 && PolicyDue(StepCount);
        }
    }

    /// <summary>Whether the weights are currently at the perturbed point.</summary>
    public bool IsPerturbed { get; private set; }

    /// <summary>Telemetry of the last completed step.</summary>
    public SamStepInfo LastStep { get; private set; }

    /// <summary>Forgets every parameter's optimizer and variant state (momentum, moments, d, m, LookSAM's g_v, AE-SAM's averages, the SAM-step count), any loaded state not yet attached, and the step count.</summary>
    /// <exception cref="InvalidOperationException">The weights are perturbed.</exception>
    public void ResetState()
    {
        ThrowIfPerturbed(nameof(ResetState));
        Array.Clear(_slots);
        Array.Clear(_perturbSlots);
        _byParameter?.Clear();
        _pending = null;
        StepCount = 0;
        _samSteps = 0;
        _adaptiveMean = 0;
        _adaptiveVariance = 0;
        _policyPending = false;
        _rule.Reset();
    }

    /// <summary>Calls <paramref name="visitor"/> once per parameter of the source, in its visiting order.</summary>
    /// <typeparam name="TVisitor">The visitor type; a struct is called without boxing.</typeparam>
    /// <param name="visitor">The visitor.</param>
    public void VisitParameters<TVisitor>(ref TVisitor visitor)
        where TVisitor : ISamParameterVisitor =>
        _source.VisitParameters(ref visitor);

    /// <summary>Records the losses the step's callback returned, for the sharpness estimate in <see cref="LastStep"/>.</summary>
    private void RecordLosses(double loss, double perturbedLoss) =>
        LastStep = LastStep with { Loss = loss, PerturbedLoss = perturbedLoss };

    internal void ThrowIfPerturbed(string operation)
    {
        if (IsPerturbed)
        {
            throw new InvalidOperationException($"{operation} needs the trained weights, but they are perturbed: call Restore() or RestoreAndStep() first.");
        }
    }

    /// <summary>λ added to the perturbation gradient (0 unless <see cref="SamSettings.PerturbWeightDecay"/>).</summary>
    // Whether any parameter's perturbation may add λ·w: a parameter group can have its own λ even when the base
    // optimizer's is 0, so only the option decides (the groups are not known without a walk).
    internal bool MayPerturbWithDecay => _settings.PerturbWeightDecay;

    internal float PerturbationDecayFor(Parameter parameter) =>
        _settings.PerturbWeightDecay ? (float)(parameter.Group?.WeightDecay ?? BaseOptimizer.WeightDecay) : 0f;

    /// <summary>
    /// The learning rate and weight decay <paramref name="parameter"/> steps with, given the base optimizer's
    /// scheduled rate: a group's own rate follows the same schedule from its own base value.
    /// </summary>
    private StepRates RatesFor(Parameter parameter, double learningRate)
    {
        if (parameter.Group is not { } group)
        {
            return new StepRates(learningRate, BaseOptimizer.WeightDecay);
        }

        double lr = group.LearningRate is { } own
            ? _settings.LearningRateSchedule is { } schedule ? schedule.Evaluate(own, StepCount) : own
            : learningRate;
        return new StepRates(lr, group.WeightDecay ?? BaseOptimizer.WeightDecay);
    }

    // The visiting order gives each parameter a slot, so the usual lookup is one array read and a reference
    // check. If a model's parameter set changes (an optional module appears, a list is reordered), the state
    // follows the parameter through a dictionary instead of being attached to the wrong one. The perturbed
    // parameters are numbered separately (they are a subset), but both tables lead to the same state object.
    internal ParameterState StateFor(Parameter parameter, int slot) => StateFor(ref _slots, parameter, slot);

    internal ParameterState PerturbStateFor(Parameter parameter, int slot) => StateFor(ref _perturbSlots, parameter, slot);

    private ParameterState StateFor(ref ParameterState?[] slots, Parameter parameter, int slot)
    {
        if ((uint)slot < (uint)slots.Length && slots[slot] is { } cached && ReferenceEquals(cached.Owner, parameter))
        {
            return cached;
        }

        if (slot >= slots.Length)
        {
            Array.Resize(ref slots, Math.Max(slot + 1, slots.Length * 2));
        }

        _byParameter ??= new Dictionary<Parameter, ParameterState>(ReferenceEqualityComparer.Instance);
        if (!_byParameter.TryGetValue(parameter, out ParameterState? state))
        {
            state = new ParameterState(parameter);
            _byParameter.Add(parameter, state);
        }

        slots[slot] = state;
        return state;
    }

    // Every checked pass stamps each parameter it reaches; a second stamp in the same pass means the model
    // reaches one parameter through two members, which would perturb and step it twice. Nothing has been
    // written yet when this throws.
    private void Stamp(Parameter parameter, string memberPath, ReadOnlySpan<int> indices)
    {
        if (parameter.VisitPass == _pass && ReferenceEquals(parameter.VisitOwner, this))
        {
            throw new InvalidOperationException(
                $"Parameter '{parameter.Name}' is reached twice, through {parameter.VisitedPath} and {SamCheckpoint.FormatPath(memberPath, indices)}; " +
                "it would be perturbed and stepped twice. Mark the alias member [SamIgnore] (or tie weights by sharing one member).");
        }

        // The first path is formatted only when a second visit is found: the visit keeps the constant template
        // and copies the indices into a buffer the parameter reuses, so a pass allocates nothing.
        parameter.VisitPass = _pass;
        parameter.VisitOwner = this;
        parameter.RecordVisit(memberPath, indices);
    }

    private static NonFiniteGradientException NonFinite(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, SamPhase phase, string? cause = null) =>
        NonFinite(parameter, SamCheckpoint.FormatPath(memberPath, indices), phase, cause);

    // A job's sums are checked after the walk: the path is the one the walk recorded (Parameter.VisitedPath).
    private static NonFiniteGradientException NonFinite(Parameter parameter, SamPhase phase) => NonFinite(parameter, parameter.VisitedPath, phase, null);

    private static NonFiniteGradientException NonFinite(Parameter parameter, string path, SamPhase phase, string? cause)
    {
        ReadOnlySpan<float> g = parameter.Gradient;
        int at = Kernels.SamKernels.IndexOfNonFinite(g);
        return at >= 0
            ? new NonFiniteGradientException(path, parameter.Name, at, g[at], phase)
            : new NonFiniteGradientException(path, parameter.Name, -1, float.PositiveInfinity, phase, cause ?? "the variant's direction overflowed although the gradient is finite");
    }
}
