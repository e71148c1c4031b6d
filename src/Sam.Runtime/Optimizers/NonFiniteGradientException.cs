using System;

namespace Sam;

/// <summary>
/// A gradient held NaN or ±∞ when a SAM phase needed it. The weights are left exactly as they were before the
/// call that threw (unperturbed, not stepped), and the optimizer state is unchanged.
/// </summary>
public sealed class NonFiniteGradientException : ArithmeticException
{
    /// <summary>Creates the exception with a generic message.</summary>
    public NonFiniteGradientException()
        : this("A gradient holds NaN or ±∞.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public NonFiniteGradientException(string? message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public NonFiniteGradientException(string? message, Exception? innerException)
        : base(message, innerException)
    {
        MemberPath = "";
        ParameterName = "";
        ElementIndex = -1;
        Value = float.NaN;
    }

    /// <summary>Creates the exception for one parameter's gradient.</summary>
    /// <param name="memberPath">Where the parameter was found in the model, e.g. "Head.W" or "Layers[3].W".</param>
    /// <param name="parameterName">The <see cref="Parameter.Name"/>.</param>
    /// <param name="elementIndex">The first non-finite element, or −1 when every element is finite but a value derived from them overflowed.</param>
    /// <param name="value">That element's value.</param>
    /// <param name="phase">The phase that read the gradient.</param>
    /// <param name="cause">What overflowed, when <paramref name="elementIndex"/> is −1.</param>
    public NonFiniteGradientException(string memberPath, string parameterName, int elementIndex, float value, SamPhase phase, string? cause = null)
        : base(Describe(memberPath, parameterName, elementIndex, value, phase, cause))
    {
        MemberPath = memberPath;
        ParameterName = parameterName;
        ElementIndex = elementIndex;
        Value = value;
        Phase = phase;
    }

    /// <summary>Where the parameter was found in the model (empty when not given).</summary>
    public string MemberPath { get; }

    /// <summary>The parameter's name (empty when not given).</summary>
    public string ParameterName { get; }

    /// <summary>The first non-finite element, or −1.</summary>
    public int ElementIndex { get; }

    /// <summary>That element's value.</summary>
    public float Value { get; }

    /// <summary>The phase that read the gradient.</summary>
    public SamPhase Phase { get; }

    private static string Describe(string memberPath, string parameterName, int elementIndex, float value, SamPhase phase, string? cause)
    {
        string when = phase == SamPhase.Perturbation ? "before the SAM perturbation" : "before the base step";
        string what = elementIndex >= 0
            ? $"The gradient of parameter '{parameterName}' (member {memberPath}) has {value} at element {elementIndex} {when}"
            : $"Parameter '{parameterName}' (member {memberPath}): {cause ?? "a value derived from its gradient overflowed"} {when}";
        return what + "; the weights were left unperturbed and not stepped, and the optimizer state is unchanged.";
    }
}
