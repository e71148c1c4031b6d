using System;
using System.Numerics;
using System.Runtime.InteropServices;
using Sam.Native;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam;

/// <summary>
/// The CPU fast path's storage: a contiguous float32 CPU TorchSharp parameter seen by the runtime's fused kernels
/// as spans over its own memory. The trained weights stay in the parameter's original storage (reached through a
/// detached alias, so they remain addressable while the parameter shows the other storage); the perturbed weights
/// live in a second tensor of the same shape, allocated once; perturb and restore re-seat the parameter
/// (<c>set_</c>) instead of copying. The gradient is looked up once per optimizer call and after each closure,
/// since autograd may create it anew.
/// </summary>
internal sealed unsafe class TorchParameterStorage : TorchTensorStorage
{
    private readonly TorchParameter _parameter; // the module's; not ours to dispose
    private readonly StepClock _clock;
    private readonly float* _capturedData;      // where the weights were when captured (the parameter's identity)
    private Tensor _trained;                    // a detached alias of the storage holding the trained weights; ours
    private float* _trainedData;
    private Tensor? _perturbed;                 // the second storage; ours, created on first use
    private float* _perturbedData;
    private float[]? _zeroGradient;             // stands in for an undefined gradient
    private float* _gradientData;               // param.grad's memory as last looked up; null when undefined
    private long _gradientStamp = -1;           // the clock's stamp of that look-up
    private long _liveStamp = -1;               // the clock's stamp of the prefetch pass that found the tensor current
    private bool _showingPerturbed;
    private readonly bool _copyFlip;            // a small tensor: perturb and restore copy instead of re-seating
    private bool _trainedInSecond;              // copy flip: the trained weights wait in the second storage
    private bool _restoreDeferred;              // copy flip: the step writes its new weights over the shown perturbation
    private float* _validatedGradient;          // the gradient memory last checked for type, device and layout
    private bool _disposed;

    private TorchParameterStorage(string name, TorchParameter parameter, StepClock clock, int length, int copyFlipMaxLength)
        : base(length)
    {
        Name = name;
        _parameter = parameter;
        _clock = clock;
        _copyFlip = length <= copyFlipMaxLength;
        _trained = parameter.detach().DetachFromDisposeScope();
        _trainedData = (float*)LibTorchSharp.THSTensor_data(_trained.Handle);
        _capturedData = _trainedData;
    }

    /// <summary>
    /// Tensors up to this many elements stay in their own memory instead of being re-seated (set_ goes through libtorch's
    /// dispatcher and costs microseconds, more than copying 64 KiB): the plain perturbation is written over that memory,
    /// the trained weights saved into the second storage in the same pass (a variant's, written into the second storage,
    /// is swapped in); RestoreAndStep's step reads the saved weights and writes the new ones over the perturbation; a
    /// restore without a step copies the saved weights back. A refused perturbation or a failed step copies them back
    /// too, so a failed phase leaves the trained weights shown.
    /// </summary>
    internal const int DefaultCopyFlipMaxLength = 16 * 1024;

    /// <summary>
    /// Weights moved by the copy flip (swaps and restore copies), over every instance: a SAM step writes its perturbation
    /// over the weights and its step over the perturbation, so a warm step moves none (FastPathMemoryTests).
    /// </summary>
    internal static long CopiedElements { get; private set; }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override TorchParameter Tensor => _parameter;

    /// <inheritdoc/>
    public override IntPtr Identity => (IntPtr)_capturedData;

    /// <inheritdoc/>
    /// <remarks>
    /// Read once per optimizer call for every parameter: what the prefetch pass found this span, when it found the
    /// tensor current (no user code runs inside a span, so it stays so), else one native call here.
    /// </remarks>
    public override bool IsCurrent
    {
        get
        {
            if (_clock.IsCurrent(_liveStamp))
            {
                return true;
            }

            CallingThreadLivenessChecks++;
            return PointsWhereExpected();
        }
    }

    /// <summary>Liveness checks <see cref="IsCurrent"/> made itself, the prefetch pass not having made them, over every instance (tests).</summary>
    internal static long CallingThreadLivenessChecks { get; private set; }

    // The data pointer alone: module.to(...) disposes the tensor it replaces, and set_ onto other memory moves the
    // pointer; memory this storage owns cannot change its type or device. Only reads: safe on a helper thread.
    private bool PointsWhereExpected()
    {
        float* expected = _showingPerturbed && !_copyFlip ? _perturbedData : _trainedData;
        return !_parameter.IsInvalid && (float*)LibTorchSharp.THSTensor_data(_parameter.Handle) == expected;
    }

    /// <inheritdoc/>
    public override Span<float> Weights => new(Live(_trainedInSecond ? _perturbedData : _trainedData), Length);

    /// <inheritdoc/>
    /// <remarks>
    /// Looked up (and checked) once per span of the optimizer's <see cref="StepClock"/>: inside one optimizer call no
    /// user code runs, so the gradient tensor cannot change however often the engine reads it.
    /// </remarks>
    public override Span<float> Gradient
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_clock.IsCurrent(_gradientStamp))
            {
                _gradientData = LookUpGradient();
                _gradientStamp = _clock.Stamp;
            }

            if (_gradientData == null)
            {
                // No backward has reached this parameter yet (or zero_grad set it to None): a zero gradient. Cleared
                // on every read, since a consumer may write through the span it was given.
                Span<float> zeros = _zeroGradient ??= new float[Length];
                zeros.Clear();
                return zeros;
            }

            return new Span<float>(_gradientData, Length);
        }
    }

    /// <inheritdoc/>
    public override Span<float> PerturbedWeights
    {
        get
        {
            if (_perturbed is null)
            {
                _perturbed = NewSecondStorage();
                _perturbedData = (float*)LibTorchSharp.THSTensor_data(_perturbed.Handle);
            }

            // Copy flip, while shown: the perturbation sits in the parameter's memory (Parameter.Value reads it here).
            return new Span<float>(Live(_trainedInSecond ? _trainedData : _perturbedData), Length);
        }
    }

    /// <summary>
    /// Captures a parameter, or throws <see cref="NotSupportedException"/> naming it when it is not a contiguous
    /// float32 CPU tensor of at most <see cref="Array.MaxLength"/> elements (the only layout of this fast path).
    /// </summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="parameter">The parameter.</param>
    /// <param name="clock">The optimizer's clock, which tells how long a gradient look-up holds.</param>
    /// <param name="copyFlipMaxLength">Up to this many elements, perturb and restore copy instead of re-seating.</param>
    /// <returns>The storage.</returns>
    public static TorchParameterStorage Capture(string name, TorchParameter parameter, StepClock clock, int copyFlipMaxLength = DefaultCopyFlipMaxLength)
    {
        long numel = ThrowIfNotCpuFloat32(parameter.Handle, name, gradient: false, expectedLength: -1);
        if (numel > Array.MaxLength)
        {
            throw new NotSupportedException($"Parameter '{name}' has {numel} elements; the CPU fast path handles at most {Array.MaxLength} per tensor.");
        }

        return new TorchParameterStorage(name, parameter, clock, (int)numel, copyFlipMaxLength);
    }

    // The second storage starts half a 4 KiB page from the first (PagePlacement: without it, two storages a few bytes
    // apart modulo 4 KiB made every other step wait on 4K aliasing). Small tensors, which are copied rather than
    // re-seated, keep an exact-size storage.
    private Tensor NewSecondStorage()
    {
        if (_copyFlip)
        {
            return torch.empty_like(_trained).DetachFromDisposeScope();
        }

        using Tensor raw = torch.empty(Length + (PagePlacement.Page / sizeof(float)), ScalarType.Float32);
        return PagePlacement.Window(raw, _trained.shape, Length, _trainedData, PagePlacement.HalfPage);
    }

    /// <inheritdoc/>
    protected override void ShowPerturbed()
    {
        if (_copyFlip)
        {
            // The perturbation was written into the second storage (so a failed perturbation never touched what the
            // module shows); swapping the two puts it in the parameter's memory and the trained weights aside.
            Swap(new Span<float>(_trainedData, Length), new Span<float>(_perturbedData, Length));
            CopiedElements += Length;
            _trainedInSecond = true;
            _showingPerturbed = true;
            return;
        }

        Reseat(_perturbed ?? throw new InvalidOperationException($"Parameter '{Name}': the perturbed weights were never written."));
        _showingPerturbed = true;
    }

    /// <inheritdoc/>
    /// <remarks>A small tensor: the engine writes the perturbation over the parameter's own memory, saving the trained weights in the second storage, in one pass.</remarks>
    protected override bool PerturbsOverWeights => _copyFlip && !_trainedInSecond;

    /// <inheritdoc/>
    protected override void ShowPerturbedOverWeights()
    {
        if (!PerturbsOverWeights)
        {
            throw new InvalidOperationException($"Parameter '{Name}' was not perturbed over its weights.");
        }

        _trainedInSecond = true; // the trained weights wait in the second storage, as after the swap of ShowPerturbed
        _showingPerturbed = true;
    }

    /// <inheritdoc/>
    protected override void ShowTrained()
    {
        // A restore must not throw: a parameter that module.to(...) disposed has nothing to re-seat.
        if (_copyFlip)
        {
            if (_trainedInSecond && !_parameter.IsInvalid)
            {
                new ReadOnlySpan<float>(_perturbedData, Length).CopyTo(new Span<float>(_trainedData, Length));
                CopiedElements += Length;
            }

            _trainedInSecond = false;
            _restoreDeferred = false;
        }
        else if (_showingPerturbed && !_parameter.IsInvalid)
        {
            Reseat(_trained);
        }

        _showingPerturbed = false;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// All three are native memory that stays put while the optimizer runs (no user code runs inside an optimizer
    /// call, so autograd cannot replace the gradient), so the parameter joins the engine's phase jobs. An undefined
    /// gradient is stood in for by a managed array of zeros, which may move: such a parameter runs alone.
    /// </remarks>
    protected override bool TryGetFixedAddresses(out nint weights, out nint gradient, out nint perturbed)
    {
        _ = Gradient; // looks the gradient up for this optimizer call
        _ = PerturbedWeights; // allocates the second storage on first use
        weights = gradient = perturbed = 0;
        if (_gradientData == null)
        {
            return false;
        }

        weights = (nint)Live(_trainedInSecond ? _perturbedData : _trainedData);
        gradient = (nint)_gradientData;
        perturbed = (nint)(_trainedInSecond ? _trainedData : _perturbedData);
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The step wrote the new weights into the second storage: the parameter is re-seated there and the old trained
    /// storage becomes the second one, so a step moves no weights twice (a copy back would add 8 B per parameter).
    /// A small tensor flips without a re-seat when the step wrote over its shown perturbation (TryDeferRestore); a base
    /// step on it copies (a re-seat costs more than copying it); a failed re-seat falls back to the copy.
    /// </remarks>
    protected override bool TrySwapWeights()
    {
        if (_restoreDeferred)
        {
            // The step wrote the new weights into the parameter's own memory (TryDeferRestore): they are the trained weights.
            _restoreDeferred = false;
            _trainedInSecond = false;
            return true;
        }

        if (_copyFlip || _perturbed is null || _parameter.IsInvalid || _showingPerturbed)
        {
            return false;
        }

        try
        {
            Reseat(_perturbed);
        }
        catch (System.Runtime.InteropServices.ExternalException)
        {
            return false; // the parameter still shows the trained storage: the engine copies
        }

        (_trained, _perturbed) = (_perturbed, _trained);
        float* oldTrained = _trainedData;
        _trainedData = _perturbedData;
        _perturbedData = oldTrained;
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A small tensor, copied rather than re-seated, shows the perturbation in its own memory while the trained weights
    /// wait in the second storage: the step reads them there and writes the new weights over the perturbation, which
    /// saves the restore's copy and the commit's copy (16 B per element). A failed step copies the trained weights back
    /// (<see cref="ShowTrained"/>).
    /// </remarks>
    protected override bool TryDeferRestore()
    {
        if (!_copyFlip || !_trainedInSecond || _parameter.IsInvalid)
        {
            return false;
        }

        _showingPerturbed = false;
        _restoreDeferred = true;
        return true;
    }

    /// <summary>Re-seats the parameter on its trained weights and frees the second storage and the alias.</summary>
    public override void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        ShowTrained();
        _perturbed?.Dispose();
        _trained.Dispose();
    }

    // set_ is an in-place operation on a leaf that requires grad, which autograd refuses while recording: it
    // runs with grad mode off, as under torch.no_grad() (without the guard object that would allocate).
    private void Reseat(Tensor source)
    {
        bool recording = LibTorchSharp.THSAutograd_isGradEnabled();
        if (recording)
        {
            LibTorchSharp.THSAutograd_setGrad(false);
        }

        try
        {
            LibTorchSharp.THSTensor_set_(LiveHandle(), source.Handle);
            torch.CheckForErrors();
        }
        finally
        {
            if (recording)
            {
                LibTorchSharp.THSAutograd_setGrad(true);
            }
        }
    }

    // One pass over both (16 B per element), not three copies through a temporary.
    private static void Swap(Span<float> a, Span<float> b)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            ref float ra = ref MemoryMarshal.GetReference(a);
            ref float rb = ref MemoryMarshal.GetReference(b);
            for (int width = Vector<float>.Count; i <= a.Length - width; i += width)
            {
                var x = Vector.LoadUnsafe(ref ra, (nuint)i);
                Vector.LoadUnsafe(ref rb, (nuint)i).StoreUnsafe(ref ra, (nuint)i);
                x.StoreUnsafe(ref rb, (nuint)i);
            }
        }

        for (; i < a.Length; i++)
        {
            (a[i], b[i]) = (b[i], a[i]);
        }
    }

    /// <inheritdoc/>
    protected override bool Prefetches => true;

    /// <inheritdoc/>
    /// <remarks>
    /// The liveness check of <see cref="IsCurrent"/> (the optimizer runs this pass before checking every parameter at
    /// each call's entry, so the check is spread over the helpers and shares the look-up's cache misses on the tensor),
    /// then the gradient's address: three native calls that only read this parameter's autograd data, safe beside other
    /// parameters' calls on other threads; a gradient tensor not seen before (the first backward, or one after
    /// <c>zero_grad</c> set it to None, as PyTorch 2's default does every step) is checked here too, as
    /// <see cref="Gradient"/> would. Anything else (a moved tensor, no gradient, a tensor that fails the check, an error)
    /// is left to <see cref="IsCurrent"/> and <see cref="Gradient"/>, which report it by name on the calling thread.
    /// </remarks>
    protected override void Prefetch()
    {
        if (_disposed || _parameter.IsInvalid)
        {
            return;
        }

        if (!_clock.IsCurrent(_liveStamp) && PointsWhereExpected())
        {
            _liveStamp = _clock.Stamp;
        }

        if (_clock.IsCurrent(_gradientStamp))
        {
            return;
        }

        IntPtr grad = LibTorchSharp.THSTensor_grad(_parameter.Handle);
        if (grad == IntPtr.Zero)
        {
            return;
        }

        try
        {
            var data = (float*)LibTorchSharp.THSTensor_data(grad);
            if (data == null || (data != _validatedGradient && !IsCpuFloat32(grad, Length)))
            {
                return;
            }

            _validatedGradient = data;
            _gradientData = data;
            _gradientStamp = _clock.Stamp;
        }
        finally
        {
            LibTorchSharp.THSTensor_dispose(grad);
        }
    }

    /// <summary>Gradient look-ups made by the engine's walks on the calling thread, over every instance (tests: a warm step prefetches them all).</summary>
    internal static long WalkLookUps { get; private set; }

    // param.grad's memory, checked to be a contiguous float32 CPU tensor of the parameter's length; null when undefined.
    private float* LookUpGradient()
    {
        WalkLookUps++;
        IntPtr grad = LibTorchSharp.THSTensor_grad(LiveHandle());
        if (grad == IntPtr.Zero)
        {
            torch.CheckForErrors();
            return null;
        }

        try
        {
            // The gradient found at the address checked last time is that tensor still (autograd accumulates in
            // place); a new one (first backward, or after zero_grad set it to None) is checked once.
            var data = (float*)LibTorchSharp.THSTensor_data(grad);
            if (data == null || data != _validatedGradient)
            {
                torch.CheckForErrors();
                ThrowIfNotCpuFloat32(grad, Name, gradient: true, Length);
                _validatedGradient = data;
            }

            return data;
        }
        finally
        {
            // Only our reference goes: the parameter keeps its gradient, so the memory stays valid.
            LibTorchSharp.THSTensor_dispose(grad);
        }
    }

    // After Dispose the alias and the second storage are gone: a Parameter kept by the caller must not reach them.
    private float* Live(float* data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return data;
    }

    private IntPtr LiveHandle() =>
        _parameter.IsInvalid
            ? throw Moved("its tensor was disposed (module.to(...) replaces a parameter converted to another type or device)")
            : _parameter.Handle;

    private InvalidOperationException Moved(string why) => Moved(Name, why);

    // ThrowIfNotCpuFloat32's test without the exception (a helper thread has no caller to report to).
    private static bool IsCpuFloat32(IntPtr handle, int expectedLength) =>
        (ScalarType)LibTorchSharp.THSTensor_type(handle) == ScalarType.Float32
        && (DeviceType)LibTorchSharp.THSTensor_device_type(handle) == DeviceType.CPU
        && LibTorchSharp.THSTensor_is_contiguous(handle) != 0
        && LibTorchSharp.THSTensor_numel(handle) == expectedLength;

    // Returns the element count; expectedLength < 0 skips the length check. The tensor's name is only built for
    // the message: this runs on every gradient read.
    private static long ThrowIfNotCpuFloat32(IntPtr handle, string parameterName, bool gradient, int expectedLength)
    {
        var dtype = (ScalarType)LibTorchSharp.THSTensor_type(handle);
        var device = (DeviceType)LibTorchSharp.THSTensor_device_type(handle);
        bool contiguous = LibTorchSharp.THSTensor_is_contiguous(handle) != 0;
        torch.CheckForErrors();
        if (dtype != ScalarType.Float32 || device != DeviceType.CPU || !contiguous)
        {
            string name = gradient ? parameterName + ".grad" : parameterName;
            throw new NotSupportedException(
                $"Tensor '{name}' is {(contiguous ? "contiguous" : "non-contiguous")} {dtype} on {device}; the TorchSharp SAM optimizer " +
                "supports contiguous float32 CPU parameters and gradients for now (see docs/torchsharp.md).");
        }

        long numel = LibTorchSharp.THSTensor_numel(handle);
        if (expectedLength >= 0 && numel != expectedLength)
        {
            string name = gradient ? parameterName + ".grad" : parameterName;
            throw new InvalidOperationException($"Tensor '{name}' has {numel} elements but its parameter has {expectedLength}.");
        }

        return numel;
    }
}
