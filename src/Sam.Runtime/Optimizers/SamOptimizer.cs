using System;
using System.Collections.Generic;

namespace Sam;

/// <summary>
/// SAM over an explicit list of parameters, without the source generator: for F#, for models whose parameters
/// are only known at run time, and as the oracle the generated code is tested against. It runs the same
/// fused kernels through the same <see cref="SamEngine"/> protocol as generated code.
/// </summary>
public sealed partial class SamOptimizer : ISamParameterSource
{
    private readonly Parameter[] _parameters;
    private readonly bool[] _perturbed;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">The trained parameters, in a fixed order (each at most once).</param>
    /// <param name="settings">The SAM hyper-parameters.</param>
    /// <param name="optimizer">The base optimizer.</param>
    /// <param name="perturb">Which parameters are perturbed (all when null); the others are only stepped.</param>
    public SamOptimizer(IEnumerable<Parameter> parameters, SamSettings settings, BaseOptimizer optimizer, Func<Parameter, bool>? perturb = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_parameters[i] is null)
            {
                throw new ArgumentException($"parameters[{i}] is null.", nameof(parameters));
            }

            if (!seen.Add(_parameters[i]))
            {
                throw new ArgumentException($"Parameter '{_parameters[i].Name}' appears more than once (at index {i}); it would be stepped twice.", nameof(parameters));
            }
        }

        _perturbed = new bool[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++)
        {
            _perturbed[i] = perturb?.Invoke(_parameters[i]) ?? true;
        }

        Engine = new SamEngine(settings, optimizer);
    }

    /// <summary>
    /// SAM-ON style selection made explicit: every parameter in <paramref name="parameters"/> is stepped, only those
    /// in <paramref name="perturbed"/> are perturbed (Mueller et al. 2023 perturb only the normalization layers).
    /// </summary>
    /// <param name="parameters">The trained parameters, in a fixed order.</param>
    /// <param name="perturbed">The subset to perturb (each must also be in <paramref name="parameters"/>).</param>
    /// <param name="settings">The SAM hyper-parameters.</param>
    /// <param name="optimizer">The base optimizer.</param>
    /// <returns>The optimizer.</returns>
    public static SamOptimizer PerturbingOnly(IEnumerable<Parameter> parameters, IEnumerable<Parameter> perturbed, SamSettings settings, BaseOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(perturbed);
        var subset = new HashSet<Parameter>(perturbed, ReferenceEqualityComparer.Instance);
        var result = new SamOptimizer(parameters, settings, optimizer, subset.Contains);
        foreach (Parameter p in subset)
        {
            if (Array.IndexOf(result._parameters, p) < 0)
            {
                throw new ArgumentException($"Parameter '{p.Name}' is to be perturbed but is not among the trained parameters.", nameof(perturbed));
            }
        }

        return result;
    }

    /// <summary>The engine: ρ, the base optimizer, telemetry and state.</summary>
    public SamEngine Engine { get; }

    /// <summary>Whether the parameter at <paramref name="index"/> (in <see cref="Parameters"/>) is perturbed.</summary>
    /// <param name="index">The position.</param>
    /// <returns>True when it is perturbed.</returns>
    public bool IsPerturbedParameter(int index) => _perturbed[index];

    /// <summary>The parameters, in stepping order.</summary>
    public IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Calls <paramref name="visitor"/> for every parameter, in stepping order, with its name as the path.</summary>
    /// <typeparam name="TVisitor">The visitor type.</typeparam>
    /// <param name="visitor">The visitor.</param>
    public void VisitParameters<TVisitor>(ref TVisitor visitor)
        where TVisitor : ISamParameterVisitor
    {
        foreach (Parameter p in _parameters)
        {
            visitor.Visit(p, p.Name, ReadOnlySpan<int>.Empty);
        }
    }

    /// <summary>Zeroes every parameter's gradient.</summary>
    public void ZeroGradients()
    {
        foreach (Parameter p in _parameters)
        {
            p.ZeroGradient();
        }
    }

    /// <summary>
    /// Moves the perturbed parameters to w + ρ_t·d/‖d‖ (or w + ρ_t·d without normalization), d being the
    /// variant's direction (the gradient for SAM).
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; nothing was changed.</exception>
    public void Perturb()
    {
        SamEngine e = Engine;
        e.BeginPerturb();
        double sumOfSquares = 0;
        int slot = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_perturbed[i])
            {
                sumOfSquares += e.PerturbationSumOfSquares(_parameters[i], slot++, _parameters[i].Name);
            }
        }

        float scale = e.PerturbationScale(sumOfSquares);
        slot = 0;
        for (int i = 0; i < _parameters.Length; i++)
        {
            if (_perturbed[i])
            {
                e.Perturb(_parameters[i], slot++, scale);
            }
        }

        e.EndPerturb();
    }

    /// <summary>Returns every parameter to its trained weights without stepping.</summary>
    public void Restore()
    {
        foreach (Parameter p in _parameters)
        {
            SamEngine.Restore(p);
        }

        Engine.EndRestore();
    }

    /// <summary>
    /// Restores the trained weights and takes the base optimizer's step with the gradients now held (those
    /// measured at the perturbed point), in one pass per parameter. Also a plain base step when not perturbed.
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; the weights were restored and not stepped.</exception>
    public void RestoreAndStep()
    {
        SamEngine e = Engine;
        e.BeginStep();
        double sumOfSquares = 0;
        try
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                sumOfSquares += e.StepSumOfSquares(_parameters[i], i, _parameters[i].Name);
            }
        }
        catch
        {
            Restore();
            throw;
        }

        float scale = e.StepScale(sumOfSquares);
        for (int i = 0; i < _parameters.Length; i++)
        {
            e.Step(_parameters[i], i, scale);
        }

        e.EndStep();
    }

    /// <summary>The base optimizer's step alone (warm-up, or the steps between periodic SAM steps).</summary>
    /// <exception cref="InvalidOperationException">The weights are perturbed.</exception>
    public void Step()
    {
        Engine.ThrowIfPerturbed(nameof(Step));
        RestoreAndStep();
    }

    /// <summary>
    /// One whole SAM step: zero gradients, compute them, perturb, zero, compute them at the perturbed point,
    /// restore and step. The callback computes the loss and accumulates gradients into the parameters.
    /// </summary>
    /// <param name="lossAndGradients">Computes the loss and the gradients at the weights the parameters show.</param>
    /// <returns>The loss at the trained weights.</returns>
    public float SharpnessAwareStep(Func<float> lossAndGradients)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        return SharpnessAwareStep(lossAndGradients, static f => f());
    }

    /// <summary>
    /// One whole SAM step with a state argument, so a static lambda avoids allocating a closure per step. When
    /// <see cref="SamEngine.SamStepDue"/> is false (periodic SAM between SAM steps, or switching's first steps)
    /// it takes the base optimizer's step instead and calls the callback once.
    /// </summary>
    /// <typeparam name="TState">The callback's state (a batch, say).</typeparam>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="lossAndGradients">Computes the loss and the gradients at the weights the parameters show.</param>
    /// <returns>The loss at the trained weights.</returns>
    public float SharpnessAwareStep<TState>(TState state, Func<TState, float> lossAndGradients)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        ZeroGradients();
        float loss = lossAndGradients(state);
        if (!Engine.SamStepDue)
        {
            RestoreAndStep();
            Engine.RecordLosses(loss, double.NaN);
            return loss;
        }

        Perturb();
        try
        {
            ZeroGradients();
            float perturbedLoss = lossAndGradients(state);
            RestoreAndStep();
            Engine.RecordLosses(loss, perturbedLoss);
        }
        catch
        {
            if (Engine.IsPerturbed)
            {
                Restore();
            }

            throw;
        }

        return loss;
    }
}
