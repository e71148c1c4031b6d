using System;

namespace Sam;

/// <summary>
/// The storage the runtime's <see cref="Parameter"/> holds for a TorchSharp parameter: it forwards to the path that
/// serves the tensor now, so when <c>module.to(...)</c> replaces or converts the tensor the optimizer captures the
/// new one behind the same <see cref="Parameter"/>, and the optimizer state (keyed by that object) carries over.
/// </summary>
internal sealed class TorchParameterSlot(TorchTensorStorage backing) : ParameterStorage(backing.Length)
{
    /// <summary>The storage serving the tensor now.</summary>
    public TorchTensorStorage Backing { get; private set; } = backing;

    /// <inheritdoc/>
    public override Span<float> Weights => Backing.Weights;

    /// <inheritdoc/>
    public override Span<float> Gradient => Backing.Gradient;

    /// <inheritdoc/>
    public override Span<float> PerturbedWeights => Backing.PerturbedWeights;

    /// <summary>
    /// Serves the parameter from <paramref name="next"/> (of the same length) and frees the previous storage. Only
    /// between steps, while the trained weights are shown.
    /// </summary>
    /// <param name="next">The storage over the re-captured tensor.</param>
    public void Replace(TorchTensorStorage next)
    {
        if (next.Length != Length)
        {
            throw new InvalidOperationException($"Parameter '{next.Name}' now has {next.Length} elements, not {Length}.");
        }

        Backing.Dispose();
        Backing = next;
    }

    /// <inheritdoc/>
    protected override bool TryGetFixedAddresses(out nint weights, out nint gradient, out nint perturbed) =>
        Backing.FixedAddressesHook(out weights, out gradient, out perturbed);

    /// <inheritdoc/>
    protected override bool TrySwapWeights() => Backing.SwapWeightsHook();

    /// <inheritdoc/>
    protected override bool TryDeferRestore() => Backing.DeferRestoreHook();

    /// <inheritdoc/>
    protected override bool PerturbsOverWeights => Backing.PerturbsOverWeightsHook;

    /// <inheritdoc/>
    protected override void ShowPerturbedOverWeights() => Backing.ShowPerturbedOverWeightsHook();

    /// <inheritdoc/>
    protected override bool Prefetches => Backing.PrefetchesHook;

    /// <inheritdoc/>
    /// <remarks>Reads <see cref="Backing"/> once: it changes only between steps, on the calling thread.</remarks>
    protected override void Prefetch() => Backing.PrefetchHook();

    /// <inheritdoc/>
    protected override void ShowPerturbed() => Backing.Show(perturbed: true);

    /// <inheritdoc/>
    protected override void ShowTrained() => Backing.Show(perturbed: false);

    // The low-precision storage converts its gradient in and its weights out in these hooks (HalfParameterStorage).

    /// <inheritdoc/>
    protected override void LoadGradient() => Backing.LoadGradientHook();

    /// <inheritdoc/>
    protected override void ClearGradient() => Backing.ClearGradientHook();

    /// <inheritdoc/>
    protected override void TrainedWeightsWritten() => Backing.TrainedWeightsWrittenHook();
}
