using System;

namespace Sam;

/// <summary>
/// A gradient held NaN or ±∞ when a SAM phase needed it. The weights are left exactly as they were before the
/// call that threw (unperturbed, not stepped), and the optimizer state is unchanged.
/// </summary>
public sealed class NonFiniteGradientException : ArithmeticException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="memberPath">Where the parameter was found in the model, e.g. "Head.W" or "Layers[3].W".</param>
    /// <param name="parameterName">The <see cref="Parameter.Name"/>.</param>
    /// <param name="elementIndex">The first non-finite element.</param>
    /// <param name="value">That element's value.</param>
    /// <param name="phase">"perturbation" (gradient at the weights) or "step" (gradient at the perturbed point, or at the weights on a base step).</param>
    public NonFiniteGradientException(string memberPath, string parameterName, int elementIndex, float value, string phase)
        : base($"The gradient of parameter '{parameterName}' (member {memberPath}) has {value} at element {elementIndex} before the SAM {phase}; the weights were left unperturbed and not stepped.")
    {
        MemberPath = memberPath;
        ParameterName = parameterName;
        ElementIndex = elementIndex;
    }

    /// <summary>Where the parameter was found in the model.</summary>
    public string MemberPath { get; }

    /// <summary>The parameter's name.</summary>
    public string ParameterName { get; }

    /// <summary>The first non-finite element.</summary>
    public int ElementIndex { get; }
}
