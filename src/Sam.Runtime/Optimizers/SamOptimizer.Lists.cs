using System;
using System.Collections.Generic;

namespace Sam;

// What an optimizer built over an explicit parameter list adds: the list itself and SAM-ON style selection.
public sealed partial class SamOptimizer
{
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
        var all = new HashSet<Parameter>(result.Parameters, ReferenceEqualityComparer.Instance);
        foreach (Parameter p in subset)
        {
            if (!all.Contains(p))
            {
                throw new ArgumentException($"Parameter '{p.Name}' is to be perturbed but is not among the trained parameters.", nameof(perturbed));
            }
        }

        return result;
    }

    /// <summary>The parameters of an optimizer built from a list, in stepping order (empty for a generated model's optimizer).</summary>
    public IReadOnlyList<Parameter> Parameters => _source is ParameterList list ? list.Parameters : Array.Empty<Parameter>();

    /// <summary>Whether the parameter at <paramref name="index"/> in <see cref="Parameters"/> is perturbed.</summary>
    /// <param name="index">The position.</param>
    /// <returns>True when it is perturbed.</returns>
    /// <exception cref="InvalidOperationException">The optimizer belongs to a generated model, not a list.</exception>
    public bool IsPerturbedParameter(int index) => _source is ParameterList list
        ? list.IsPerturbed(index)
        : throw new InvalidOperationException("The optimizer walks a model, not a list: the model's members say which parameters are perturbed.");
}
