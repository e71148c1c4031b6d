using System;
using System.ComponentModel;
using Sam.Kernels;

namespace Sam;

// m-sharpness (Foret et al. 2021, §4.1) as engine protocol, so MSharpness over SamOptimizer and the generated
// MSharpnessStep share one accumulation: part 0's gradient is copied into a per-parameter running sum, later parts
// are added in part order, and the sum times 1/m becomes the gradient the base step uses. The same float operations
// in the same order make both paths bit-identical.
public sealed partial class SamEngine
{
    /// <summary>
    /// Starts an m-sharpness step (protocol member): checks m and that the weights are not perturbed, and returns
    /// whether the parts are perturbed (<see cref="SamStepDue"/>).
    /// </summary>
    /// <param name="parts">m ≥ 1.</param>
    /// <param name="operation">The calling member, for the error message.</param>
    /// <returns>Whether this is a SAM step.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parts"/> is below 1.</exception>
    /// <exception cref="InvalidOperationException">The weights are perturbed.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public bool BeginParts(int parts, string operation)
    {
        if (parts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(parts), parts, "m-sharpness needs at least one part.");
        }

        ThrowIfPerturbed(operation);
        return SamStepDue;
    }

    /// <summary>
    /// Adds one parameter's gradient (part <paramref name="part"/>'s, measured at its perturbed point on a SAM step)
    /// to the parameter's running sum (protocol member); part 0 starts the sum. The buffer is allocated on first use.
    /// </summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="slot">The parameter's position among the trained parameters.</param>
    /// <param name="part">The part index, 0 … m − 1, in order.</param>
    /// <param name="memberPath">The member, for error messages.</param>
    /// <param name="index">Collection index, or −1.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void AccumulatePart(Parameter parameter, int slot, int part, string memberPath, int index = -1)
    {
        Required(parameter, memberPath, index);
        ParameterState state = StateFor(parameter, slot);
        float[]? sum = state.PartSum;
        if (sum is null || sum.Length != parameter.Length)
        {
            state.PartSum = sum = new float[parameter.Length];
        }

        if (part == 0)
        {
            parameter.Gradient.CopyTo(sum);
        }
        else
        {
            SamKernels.AddScaled(sum, parameter.Gradient, 1f, sum);
        }
    }

    /// <summary>Writes the mean of the parts' gradients, sum × (1/m), into the parameter's gradient (protocol member).</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="slot">The parameter's position among the trained parameters.</param>
    /// <param name="parts">m.</param>
    /// <exception cref="InvalidOperationException">No part was accumulated for the parameter.</exception>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void AverageParts(Parameter parameter, int slot, int parts)
    {
        float[] sum = StateFor(parameter, slot).PartSum
            ?? throw new InvalidOperationException($"Parameter '{parameter.Name}' has no accumulated part gradients: call AccumulatePart first.");
        VariantKernels.ScaleInto(sum, 1f / parts, parameter.Gradient);
    }

    /// <summary>
    /// Marks the next step as a SAM step (or not) although the weights are not perturbed (protocol member): the
    /// averaged gradients are the parts' perturbed gradients. Call <see cref="EndAccumulatedStep"/> after the step.
    /// </summary>
    /// <param name="samStep">Whether the parts were perturbed.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void BeginAccumulatedStep(bool samStep) => _accumulatedSamStep = samStep;

    /// <summary>Ends the step begun by <see cref="BeginAccumulatedStep"/> (protocol member; safe in a finally).</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void EndAccumulatedStep() => _accumulatedSamStep = false;
}
