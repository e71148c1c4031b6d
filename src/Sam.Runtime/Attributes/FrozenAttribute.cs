using System;

namespace Sam;

/// <summary>
/// Excludes a parameter member (or a whole sub-module member) from SAM entirely: it is neither perturbed
/// nor stepped, and its gradient is not zeroed by the generated <c>ZeroGradients()</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class FrozenAttribute : Attribute
{
}
