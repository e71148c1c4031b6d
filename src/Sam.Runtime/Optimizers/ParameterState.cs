namespace Sam;

/// <summary>
/// What the base optimizer and the SAM variant keep for one parameter (momentum, Adam moments, VaSSO's d,
/// Friendly SAM's m, GSAM's gradient at the weights, GCSAM's row means). Created on the parameter's first use
/// and reused; every buffer is allocated on first need, so a plain SAM + SGD model carries none of them. It
/// remembers its parameter so a changed parameter set is detected instead of silently stepping one parameter
/// with another's state.
/// </summary>
internal sealed class ParameterState
{
    public ParameterState(Parameter owner) => Owner = owner;

    public Parameter Owner { get; }

    /// <summary>First state buffer (SGD momentum, Adam's first moment m), allocated by the optimizer when it needs one.</summary>
    public float[]? Buffer1 { get; set; }

    /// <summary>Second state buffer (Adam's second moment v).</summary>
    public float[]? Buffer2 { get; set; }

    /// <summary>Third state buffer (AMSGrad's running maximum of v).</summary>
    public float[]? Buffer3 { get; set; }

    /// <summary>The variant's per-element state: VaSSO's d, Friendly SAM's m, LookSAM's g_v, or GSAM's gradient at the trained weights.</summary>
    public float[]? VariantBuffer { get; set; }

    /// <summary>VaSSO's d or Friendly SAM's m as it was before the step in progress, to put back if the step is abandoned.</summary>
    public float[]? VariantBackup { get; set; }

    /// <summary>Whether <see cref="VariantBackup"/> holds the value to put back.</summary>
    public bool VariantBackupValid { get; set; }

    /// <summary>
    /// Whether VaSSO's d or Friendly SAM's m has been started by a perturbation (the authors' code starts it with
    /// the first gradient). Checkpointed as the presence of the saved average.
    /// </summary>
    public bool VariantStarted { get; set; }

    /// <summary><see cref="VariantStarted"/> as it was before the step in progress (valid with <see cref="VariantBackupValid"/>).</summary>
    public bool VariantStartedBackup { get; set; }

    /// <summary>GCSAM's scratch: the mean of the perturbation gradient per output unit (first-dimension row).</summary>
    public float[]? RowMeans { get; set; }

    /// <summary>m-sharpness: the running sum of the parts' gradients (scratch, not checkpointed).</summary>
    public float[]? PartSum { get; set; }

    /// <summary>GSAM: the perturbation whose gradient <see cref="VariantBuffer"/> holds (0 = none).</summary>
    public long GsamPerturbation { get; set; }

    /// <summary>LookSAM's scratch: g at the trained weights on a SAM step, g + α·(‖g‖/‖g_v‖)·g_v between them.</summary>
    public float[]? Scratch { get; set; }

    /// <summary>LookSAM: the perturbation whose g <see cref="Scratch"/> holds (0 = none).</summary>
    public long ScratchPerturbation { get; set; }

    /// <summary>Steps this parameter has taken with this state.</summary>
    public long Steps { get; set; }
}
