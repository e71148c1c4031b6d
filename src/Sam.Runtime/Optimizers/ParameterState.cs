namespace Sam;

/// <summary>
/// What a base optimizer keeps for one parameter (momentum, Adam moments). Created on the parameter's first
/// step and reused; it remembers its parameter so a changed parameter set is detected instead of silently
/// stepping one parameter with another's momentum.
/// </summary>
internal sealed class ParameterState
{
    public ParameterState(Parameter owner) => Owner = owner;

    public Parameter Owner { get; }

    /// <summary>First state buffer (SGD momentum), allocated by the optimizer when it needs one.</summary>
    public float[]? Buffer1 { get; set; }

    /// <summary>Steps this parameter has taken with this state.</summary>
    public long Steps { get; set; }
}
