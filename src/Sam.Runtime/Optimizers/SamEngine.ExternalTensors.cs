using System.ComponentModel;

namespace Sam;

/// <summary>
/// Protocol members for backends whose tensors the runtime cannot read (the generated TorchSharp backend keeps
/// libtorch tensors and computes the norms on the device).
/// </summary>
public sealed partial class SamEngine
{
    /// <summary>
    /// Records ‖g‖² of the gradients at the trained weights, measured by the caller, for the step's telemetry
    /// (<see cref="SamStepInfo"/>); call it between <c>BeginPerturb</c> and <c>PerturbationScale</c> (protocol member).
    /// </summary>
    /// <param name="sumOfSquares">‖g‖² over the perturbed parameters.</param>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void RecordGradientSumOfSquares(double sumOfSquares) => _gradientSumOfSquares = sumOfSquares;
}
