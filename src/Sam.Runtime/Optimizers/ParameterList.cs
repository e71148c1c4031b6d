using System;
using System.Collections.Generic;

namespace Sam;

/// <summary>
/// An explicit list of parameters as a parameter source: what <see cref="SamOptimizer"/> walks when it is built
/// from a list instead of a generated model. The path of each parameter is its name.
/// </summary>
internal sealed class ParameterList : ISamParameterSource
{
    private readonly Parameter[] _parameters;
    private readonly bool[] _perturbed;

    public ParameterList(IEnumerable<Parameter> parameters, Func<Parameter, bool>? perturb)
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
    }

    public IReadOnlyList<Parameter> Parameters => _parameters;

    public bool IsPerturbed(int index) => _perturbed[index];

    public void VisitParameters<TVisitor>(ref TVisitor visitor)
        where TVisitor : ISamParameterVisitor
    {
        for (int i = 0; i < _parameters.Length; i++)
        {
            visitor.Visit(_parameters[i], _parameters[i].Name, ReadOnlySpan<int>.Empty, _perturbed[i]);
        }
    }
}
