using System;

namespace Sam;

/// <summary>
/// Marks a <c>partial</c> model class for Sharpness-Aware Minimization. The Sam.Dsl generator finds the
/// class's <see cref="Parameter"/> members (recursively through sub-modules) and emits
/// <c>Perturb()</c>, <c>Restore()</c>, <c>RestoreAndStep()</c>, <c>Step()</c>, <c>ZeroGradients()</c> and
/// <c>SharpnessAwareStep(...)</c> that call the runtime's fused kernels on each parameter.
/// </summary>
/// <remarks>
/// SAM (Foret et al., ICLR 2021) takes the base optimizer's step from the gradient at the perturbed point
/// <c>w + ρ·g/‖g‖</c>. Pair this attribute with a base-optimizer attribute such as <see cref="SgdAttribute"/>;
/// without one, plain SGD with learning rate 0.01 is used.
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class SharpnessAwareAttribute : Attribute
{
    /// <summary>Perturbation radius ρ (≥ 0, finite). Default 0.05. ρ = 0 reduces SAM to the base optimizer exactly.</summary>
    public double Rho { get; set; } = 0.05;

    /// <summary>
    /// Normalize the perturbation by the global gradient norm (<c>ρ·g/‖g‖</c>, the SAM of Foret et al.).
    /// <see langword="false"/> gives unnormalized SAM (USAM, <c>ρ·g</c>; Andriushchenko &amp; Flammarion 2022). Default true.
    /// </summary>
    public bool Normalize { get; set; } = true;
}
