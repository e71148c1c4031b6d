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
/// The protocol members (hidden from IntelliSense) are called in this order by the generated code:
/// <c>BeginPerturb</c>, <c>GradientSumOfSquares</c> for every perturbed parameter, <c>PerturbationScale</c>,
/// <c>Perturb</c> for each, <c>EndPerturb</c>; then <c>BeginStep</c>, <c>GradientSumOfSquares</c> for every
/// trained parameter, <c>StepScale</c>, <c>Step</c> for each, <c>EndStep</c>. Nothing is written to the weights
/// until every gradient involved has been checked, so a failure leaves the weights as they were.
/// </remarks>
public sealed class SamEngine
{
    private readonly SamSettings _settings;
    private ParameterState?[] _slots = Array.Empty<ParameterState?>();
    private Dictionary<Parameter, ParameterState>? _byParameter;
    private string _phase = "perturb";
    private double _gradientNorm;
    private double _perturbationNorm;
    private double _lastRho;
    private long _pass;

    /// <summary>Creates an engine.</summary>
    /// <param name="settings">The SAM hyper-parameters (copied).</param>
    /// <param name="optimizer">The base optimizer.</param>
    public SamEngine(SamSettings settings, BaseOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(optimizer);
        _settings = new SamSettings { Rho = settings.Rho, Normalize = settings.Normalize };
        BaseOptimizer = optimizer;
        LastStep = new SamStepInfo(0, settings.Rho, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
    }

    /// <summary>The perturbation radius ρ (≥ 0, finite); settable between steps, for schedules.</summary>
    public double Rho
    {
        get => _settings.Rho;
        set => _settings.Rho = value;
    }

    /// <summary>Whether the perturbation is normalized by the gradient norm (SAM) or not (USAM).</summary>
    public bool Normalize => _settings.Normalize;

    /// <summary>The base optimizer that takes the step from the gradient at the perturbed point.</summary>
    public BaseOptimizer BaseOptimizer { get; }

    /// <summary>The base optimizer's learning rate η; settable between steps, for schedules.</summary>
    public double LearningRate
    {
        get => BaseOptimizer.LearningRate;
        set => BaseOptimizer.LearningRate = value;
    }

    /// <summary>Base-optimizer steps completed.</summary>
    public long StepCount { get; private set; }

    /// <summary>Whether the weights are currently at the perturbed point.</summary>
    public bool IsPerturbed { get; private set; }

    /// <summary>Telemetry of the last completed step.</summary>
    public SamStepInfo LastStep { get; private set; }

    /// <summary>Forgets every parameter's optimizer state (momentum) and the step count.</summary>
    /// <exception cref="InvalidOperationException">The weights are perturbed.</exception>
    public void ResetState()
    {
        ThrowIfPerturbed("ResetState");
        Array.Clear(_slots);
        _byParameter?.Clear();
        StepCount = 0;
    }

    /// <summary>Records the losses the step's callback returned, for the sharpness estimate in <see cref="LastStep"/>.</summary>
    /// <param name="loss">L(w).</param>
    /// <param name="perturbedLoss">L(w + e).</param>
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

    /// <summary>Starts a perturbation (protocol member).</summary>
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
    }

    /// <summary>Starts a base-optimizer step (protocol member).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void BeginStep()
    {
        _phase = "step";
        _pass++;
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
            int at = SamKernels.IndexOfNonFinite(parameter.Gradient);
            throw new NonFiniteGradientException(FormatPath(memberPath, index), parameter.Name, at, parameter.Gradient[at], _phase);
        }

        return s;
    }

    /// <summary>The factor a with e = a·g (protocol member): ρ/‖g‖ when normalized (0 for a zero gradient), ρ otherwise.</summary>
    /// <param name="sumOfSquares">‖g‖² over the perturbed parameters.</param>
    /// <returns>The factor.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public float PerturbationScale(double sumOfSquares)
    {
        double norm = Math.Sqrt(sumOfSquares);
        double rho = _settings.Rho;
        double scale = Normalize ? (norm > 0 ? rho / norm : 0) : rho;

        // A gradient so small that ρ/‖g‖ overflows float carries no direction worth following: do not move.
        if (!float.IsFinite((float)scale))
        {
            scale = 0;
        }

        _gradientNorm = norm;
        _perturbationNorm = scale * norm;
        _lastRho = rho;
        return (float)scale;
    }

    /// <summary>Moves one parameter to w + a·g, written to its second buffer (protocol member).</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="scale">The factor from <see cref="PerturbationScale"/>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Perturb(Parameter parameter, float scale)
    {
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

    /// <summary>The gradient multiplier of this step (protocol member); 1 unless clipping applies.</summary>
    /// <param name="sumOfSquares">‖g′‖² over the trained parameters.</param>
    /// <returns>The multiplier.</returns>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public float StepScale(double sumOfSquares)
    {
        bool samStep = IsPerturbed;
        LastStep = new SamStepInfo(
            StepCount + 1,
            samStep ? _lastRho : 0,
            samStep ? _gradientNorm : double.NaN,
            samStep ? _perturbationNorm : 0,
            Math.Sqrt(sumOfSquares),
            double.NaN,
            double.NaN);
        return 1f;
    }

    /// <summary>Restores one parameter (if perturbed) and takes the base optimizer's step with its gradient (protocol member).</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="slot">The parameter's position in the model's visiting order.</param>
    /// <param name="gradientScale">The multiplier from <see cref="StepScale"/>.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Step(Parameter parameter, int slot, float gradientScale)
    {
        parameter.ShowTrained();
        BaseOptimizer.Step(parameter, StateFor(parameter, slot), gradientScale);
    }

    /// <summary>Marks the step complete (protocol member).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndStep()
    {
        IsPerturbed = false;
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

    // The visiting order gives each parameter a slot, so the usual lookup is one array read and a reference
    // check. If a model's parameter set changes (an optional module appears, a list is reordered), the state
    // follows the parameter through a dictionary instead of being attached to the wrong one.
    private ParameterState StateFor(Parameter parameter, int slot)
    {
        if ((uint)slot < (uint)_slots.Length && _slots[slot] is { } cached && ReferenceEquals(cached.Owner, parameter))
        {
            return cached;
        }

        if (slot >= _slots.Length)
        {
            Array.Resize(ref _slots, Math.Max(slot + 1, _slots.Length * 2));
        }

        _byParameter ??= new Dictionary<Parameter, ParameterState>(ReferenceEqualityComparer.Instance);
        if (!_byParameter.TryGetValue(parameter, out ParameterState? state))
        {
            state = new ParameterState(parameter);
            _byParameter.Add(parameter, state);
        }

        _slots[slot] = state;
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
