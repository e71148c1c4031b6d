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
    /// The runtime's own pinned arrays behind <see cref="Weights"/>, <see cref="Gradient"/> and
    /// <see cref="PerturbedWeights"/> (the last allocated here if needed), when this storage keeps them: a phase job
    /// then reaches them through raw pointers from any thread. False for memory the runtime does not own.
    /// </summary>
    internal virtual bool TryGetPinnedArrays(out float[] weights, out float[] gradient, out float[] perturbed)
    {
        weights = gradient = perturbed = null!;
        return false;
    }

    /// <summary>
    /// Makes <see cref="PerturbedWeights"/> (where a step wrote the new weights) the trained weights and the old
    /// trained weights the free buffer: a flip instead of a copy. False when the storage cannot (its weights live at
    /// a fixed place); the engine then copies.
    /// </summary>
    internal virtual bool TrySwapWeights() => false;
}

/// <summary>The default storage: three runtime-owned arrays, the perturbed one allocated on first use.</summary>
/// <remarks>The arrays live on the pinned heap, so the phase jobs can hand raw pointers to the helper threads.</remarks>
internal sealed class ArrayParameterStorage(int length) : ParameterStorage(length)
{
    private readonly float[] _gradient = GC.AllocateArray<float>(length, pinned: true);
    private float[] _weights = PinnedArrays.Allocate(length);
    private float[]? _perturbed;

    public override Span<float> Weights => _weights;

    public override Span<float> Gradient => _gradient;

    public override Span<float> PerturbedWeights => _perturbed ??= PinnedArrays.Allocate(_weights.Length);

    internal override bool TryGetPinnedArrays(out float[] weights, out float[] gradient, out float[] perturbed)
    {
        weights = _weights;
        gradient = _gradient;
        perturbed = _perturbed ??= PinnedArrays.Allocate(_weights.Length);
        return true;
    }

    internal override bool TrySwapWeights()
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
