using System;

namespace Sam;

// The data-parallel hook: one optional reducer the phases call before they read gradients (PerturbCore and
// StepCore each call it once, first). The communication itself lives in the reducer's package (Sam.Dsl.Mpi).
public sealed partial class SamOptimizer
{
    private IGradientReducer? _reducer;

    /// <summary>
    /// Combines the gradients across workers before each phase reads them (null, the default: the gradients are
    /// used as computed). Settable between steps.
    /// </summary>
    /// <exception cref="InvalidOperationException">Set while the weights are perturbed or a step is running.</exception>
    public IGradientReducer? GradientReducer
    {
        get => _reducer;
        set
        {
            ThrowIfBusy(nameof(GradientReducer));
            ThrowIfPerturbed(nameof(GradientReducer));
            _reducer = value;
        }
    }
}
