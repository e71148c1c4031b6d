using System;
using Sam.Kernels;

namespace Sam;

/// <summary>
/// Where a <see cref="Parameter"/>'s floats live: its trained weights, its gradient, and the second buffer the
/// SAM perturbation is written into. The runtime owns arrays by default; a backend whose tensors live elsewhere
/// (user-owned memory, TorchSharp tensors) supplies its own storage so the same fused kernels run on that memory.
/// </summary>
/// <remarks>
/// The engine reads the spans afresh in every phase, so a storage may return spans over memory that moves between
/// steps (a framework that reallocates its gradient, say). <see cref="ShowPerturbed"/> and
/// <see cref="ShowTrained"/> are called after the perturbed buffer is written and when the trained weights are
/// visible again: a backend whose forward pass does not read <see cref="Parameter.Value"/> re-seats its tensor
/// there. Neither may allocate on a warm path: the step is allocation-free.
/// </remarks>
public abstract class ParameterStorage
{
    /// <summary>Creates a storage of <paramref name="length"/> floats.</summary>
    /// <param name="length">The element count (≥ 0).</param>
    protected ParameterStorage(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    /// <summary>The number of elements of each buffer.</summary>
    public int Length { get; }

    /// <summary>The trained weights, which the base optimizer steps in place.</summary>
    public abstract Span<float> Weights { get; }

    /// <summary>The gradient the backward pass accumulates into.</summary>
    public abstract Span<float> Gradient { get; }

    /// <summary>The buffer the perturbed weights w + e are written into; allocated on first use, then reused.</summary>
    public abstract Span<float> PerturbedWeights { get; }

    /// <summary>Called when the perturbed buffer has been written and becomes the weights the forward pass reads.</summary>
    protected internal virtual void ShowPerturbed()
    {
    }

    /// <summary>Called when the trained weights become the weights the forward pass reads again.</summary>
    protected internal virtual void ShowTrained()
    {
    }

    /// <summary>
    /// Called by each of the engine's checking passes (and m-sharpness's accumulation) once per parameter, after the
    /// backward passes and before <see cref="Gradient"/> is read: a storage whose gradient lives in another form
    /// (a bfloat16 tensor, say) converts it into the span here, in the walk that reads it. Default: nothing.
    /// </summary>
    protected internal virtual void LoadGradient()
    {
    }

    /// <summary>Sets the gradient to zero: <see cref="Gradient"/> cleared, and any other copy of it the backward pass adds into.</summary>
    protected internal virtual void ClearGradient() => Gradient.Clear();

    /// <summary>
    /// Called after the trained weights were written (a base step, once the step succeeded, or a load):
    /// a storage whose forward pass reads another copy (low-precision weights rounded from a float32 master) refreshes
    /// it here. Default: nothing.
    /// </summary>
    protected internal virtual void TrainedWeightsWritten()
    {
    }

    /// <summary>
    /// True when <see cref="Prefetch"/> has work to do. Read by the engine's step walk, which notes the storages that
    /// prefetch for the phases that follow. Default: false.
    /// </summary>
    protected internal virtual bool Prefetches => false;

    /// <summary>
    /// Looks up ahead of a phase's walk what the walk's reads would otherwise look up one parameter at a time on the
    /// calling thread (a framework's gradient address, say), so the lookups of a model of many parameters are spread over
    /// the helper threads. Called at the start of each phase that reads gradients, on any thread and concurrently with
    /// other storages' calls: it must touch only this storage's own state, and must not throw: a lookup that fails is
    /// left for the walk's reads, which report it on the calling thread. The storages are those of the previous step's
    /// walk, so a storage whose parameter left the model since may be called once more (and is referenced until the
    /// next step walk): it must stay safe to call for as long as the object lives. Default: nothing.
    /// </summary>
    protected internal virtual void Prefetch()
    {
    }

    /// <summary>
    /// The addresses of <see cref="Weights"/>, <see cref="Gradient"/> and <see cref="PerturbedWeights"/> (the last
    /// allocated here if needed), when all three are memory that neither moves nor goes away during one optimizer call
    /// (native memory, pinned arrays). The engine's phase jobs then run this parameter together with every other one,
    /// in blocks split over the helper threads; otherwise (the default, right for managed memory the collector may
    /// move) the parameter runs on the calling thread, pinned for the duration.
    /// </summary>
    /// <param name="weights">The address of the trained weights.</param>
    /// <param name="gradient">The address of the gradient; it must be the memory <see cref="Gradient"/> returns.</param>
    /// <param name="perturbed">The address of the second buffer.</param>
    /// <returns>True when the addresses are valid until the optimizer call returns.</returns>
    protected internal virtual bool TryGetFixedAddresses(out nint weights, out nint gradient, out nint perturbed)
    {
        weights = gradient = perturbed = 0;
        return false;
    }

    /// <summary>
    /// Makes <see cref="PerturbedWeights"/> (where a successful step wrote the new weights) the trained weights and the
    /// old trained weights the free buffer: a flip instead of a copy. Called only after a step succeeded, with the
    /// trained weights shown, or, after <see cref="TryDeferRestore"/> returned true, with the shown memory holding the
    /// new weights (the storage must then return true). Return false (the default) when the weights live at a fixed
    /// place; the engine then copies. A storage that flips re-seats whatever reads its weights (a tensor) here, and must
    /// not fail.
    /// </summary>
    /// <returns>True when the buffers were flipped.</returns>
    protected internal virtual bool TrySwapWeights() => false;

    /// <summary>
    /// Called instead of <see cref="ShowTrained"/> when the engine steps next in the same call (no user code runs
    /// between): a storage that copied the perturbed weights into the memory its forward pass reads may leave them
    /// there, with <see cref="Weights"/> now the buffer holding the trained weights and <see cref="PerturbedWeights"/>
    /// that shown memory, so the step writes the new weights straight where they are read: no restore copy before the
    /// step, no commit copy after it. Return true when deferred; the engine then calls <see cref="TrySwapWeights"/>
    /// after the step succeeded (it must return true) or <see cref="ShowTrained"/> when the step failed or stopped.
    /// Default: false (the engine calls <see cref="ShowTrained"/>).
    /// </summary>
    /// <returns>True when the restore is deferred to the step's outcome.</returns>
    protected internal virtual bool TryDeferRestore() => false;

    /// <summary>
    /// True when the forward pass reads the memory of <see cref="Weights"/> itself, so showing a perturbation means copying
    /// it there (a small TorchSharp tensor, copied rather than re-pointed). The engine's plain perturbation job (SAM, USAM)
    /// then writes the perturbation straight over <see cref="Weights"/>, saving the trained weights into
    /// <see cref="PerturbedWeights"/> in the same pass, and calls <see cref="ShowPerturbedOverWeights"/> instead of
    /// <see cref="ShowPerturbed"/>; a refused perturbation is undone by the engine (the saved weights copied back) before
    /// anything is shown. Read once per perturbation, after <see cref="TryGetFixedAddresses"/> returned true. Default: false.
    /// </summary>
    protected internal virtual bool PerturbsOverWeights => false;

    /// <summary>
    /// Called instead of <see cref="ShowPerturbed"/> when the engine wrote the perturbation over <see cref="Weights"/> and
    /// saved the trained weights in <see cref="PerturbedWeights"/> (<see cref="PerturbsOverWeights"/>): until
    /// <see cref="ShowTrained"/>, <see cref="Weights"/> must be the saved trained weights and <see cref="PerturbedWeights"/>
    /// the memory holding the perturbation.
    /// </summary>
    /// <exception cref="NotSupportedException">The storage does not perturb over its weights.</exception>
    protected internal virtual void ShowPerturbedOverWeights() =>
        throw new NotSupportedException($"{GetType().Name} does not perturb over its weights (PerturbsOverWeights is false).");
}

/// <summary>The default storage: three runtime-owned arrays, the perturbed one allocated on first use.</summary>
/// <remarks>The buffers live on the pinned heap, so the phase jobs can hand raw pointers to the helper threads.</remarks>
internal sealed class ArrayParameterStorage(int length) : ParameterStorage(length)
{
    private readonly AlignedBuffer _gradient = AlignedBuffer.Allocate(length, BufferPlace.First);
    private AlignedBuffer _weights = AlignedBuffer.Allocate(length, BufferPlace.First);
    private AlignedBuffer? _perturbed;

    public override Span<float> Weights => _weights.Span;

    public override Span<float> Gradient => _gradient.Span;

    public override Span<float> PerturbedWeights => Perturbed.Span;

    private AlignedBuffer Perturbed => _perturbed ??= AlignedBuffer.Allocate(Length, BufferPlace.Second);

    protected internal override unsafe bool TryGetFixedAddresses(out nint weights, out nint gradient, out nint perturbed)
    {
        weights = (nint)_weights.Pointer;
        gradient = (nint)_gradient.Pointer;
        perturbed = (nint)Perturbed.Pointer;
        return true;
    }

    protected internal override bool TrySwapWeights()
    {
        (_weights, _perturbed) = (_perturbed!, _weights);
        return true;
    }
}

/// <summary>Storage over memory the user owns (a model that already keeps its weights and gradients in arrays).</summary>
internal sealed class MemoryParameterStorage : ParameterStorage
{
    private readonly Memory<float> _weights;
    private readonly Memory<float> _gradient;
    private float[]? _perturbed;

    public MemoryParameterStorage(Memory<float> weights, Memory<float> gradient)
        : base(weights.Length)
    {
        if (gradient.Length != weights.Length)
        {
            throw new ArgumentException($"The gradient has {gradient.Length} elements but the weights have {weights.Length}.", nameof(gradient));
        }

        _weights = weights;
        _gradient = gradient;
    }

    public override Span<float> Weights => _weights.Span;

    public override Span<float> Gradient => _gradient.Span;

    public override Span<float> PerturbedWeights => _perturbed ??= new float[_weights.Length];
}
