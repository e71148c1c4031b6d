using System;

namespace Sam;

/// <summary>
/// Keeps a parameter member (or every parameter under a sub-module member) out of the SAM perturbation:
/// it does not enter the gradient norm and is not moved to the perturbed point, but the base optimizer
/// still steps it. Typical use: biases and normalisation parameters, or SAM-ON style selection.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class ExcludeFromPerturbationAttribute : Attribute
{
}
