using System;
using Sam.Native;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam;

/// <summary>
/// The device path's storage, for every parameter the fast path cannot take (CUDA, float64, bfloat16, float16,
/// non-contiguous): the runtime's fused kernels run on float32 host buffers this storage owns, and the parameter
/// is synchronised with them by one <c>copy_</c> per tensor per phase, so there is still one algorithm.
/// </summary>
/// <remarks>
/// <para>
/// Three host buffers, each a float32 CPU tensor of the parameter's shape (pinned when the parameter is on CUDA, so
/// the copies can be asynchronous) whose memory the kernels see as spans:
/// <see cref="Weights"/> is the master copy of the trained weights (for a bfloat16/float16 parameter it keeps the
/// bits the low-precision tensor rounds away; for float64 the kernels compute in float32, as they do everywhere);
/// <see cref="Gradient"/> receives <c>param.grad</c> (converted) before a phase reads it; <see cref="PerturbedWeights"/>
/// is written by the perturbation and copied into the parameter when shown.
/// </para>
/// <para>
/// The copies are driven in batches by <see cref="DeviceStaging"/> (gradients in before a checking pass, the shown
/// weights out before a forward pass and after a step); this class holds one parameter's side of them. The master
/// copy is authoritative between steps: weights written into the parameter by other means are read back by
/// <see cref="ReloadWeights"/> (what <c>LoadState</c> calls).
/// </para>
/// </remarks>
internal sealed unsafe class StagedParameterStorage : TorchTensorStorage
{
    private readonly TorchParameter _parameter; // the module's; not ours to dispose
    private readonly DeviceStaging _staging;
    private Tensor _weights;                    // float32 host master copy; ours
    private readonly Tensor _gradient;          // float32 host copy of param.grad; ours
    private float* _weightsData;
    private readonly float* _gradientData;
    private readonly int _deviceType;
    private Tensor? _perturbed;                 // float32 host perturbed weights; ours, created on first use
    private float* _perturbedData;
    private long _gradientStamp = -1;           // the clock's stamp when _gradient last equalled param.grad
    private bool _showingPerturbed;
    private bool _outPending;                   // the parameter does not hold the weights it should show
    private bool _disposed;

    private StagedParameterStorage(string name, TorchParameter parameter, DeviceStaging staging, int length)
        : base(length)
    {
        Name = name;
        _parameter = parameter;
        _staging = staging;
        IntPtr handle = parameter.Handle;
        _deviceType = LibTorchSharp.THSTensor_device_type(handle);
        DeviceIndex = LibTorchSharp.THSTensor_device_index(handle);
        OnCuda = _deviceType == (int)DeviceType.CUDA;
        Identity = LibTorchSharp.THSTensor_data(handle);
        torch.CheckForErrors();

        long[] shape = parameter.shape;
        _weights = HostBuffer(shape, OnCuda, anchor: null, offset: 0);
        _weightsData = (float*)LibTorchSharp.THSTensor_data(_weights.Handle);
        _gradient = HostBuffer(shape, OnCuda, anchor: _weightsData, offset: 0);
        _gradientData = (float*)LibTorchSharp.THSTensor_data(_gradient.Handle);
        ReloadWeights();
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override TorchParameter Tensor => _parameter;

    /// <inheritdoc/>
    public override IntPtr Identity { get; }

    /// <summary>Whether the parameter lives on a CUDA device (its copies are asynchronous, then synchronised once).</summary>
    public bool OnCuda { get; }

    /// <summary>The parameter's device index (-1 on the CPU).</summary>
    public int DeviceIndex { get; }

    /// <inheritdoc/>
    public override bool IsCurrent =>
        !_parameter.IsInvalid
        && LibTorchSharp.THSTensor_numel(_parameter.Handle) == Length
        && LibTorchSharp.THSTensor_device_type(_parameter.Handle) == _deviceType;

    /// <inheritdoc/>
    public override Span<float> Weights => new(Live(_weightsData), Length);

    /// <inheritdoc/>
    /// <remarks>
    /// Normally <see cref="DeviceStaging.GradientsIn"/> has staged every gradient in one batch before the engine
    /// reads; a read outside an optimizer call copies this one synchronously.
    /// </remarks>
    public override Span<float> Gradient
    {
        get
        {
            float* data = Live(_gradientData);
            if (!_staging.Clock.IsCurrent(_gradientStamp))
            {
                BeginGradientIn(nonBlocking: false);
            }

            return new Span<float>(data, Length);
        }
    }

    /// <inheritdoc/>
    public override Span<float> PerturbedWeights
    {
        get
        {
            if (_perturbed is null)
            {
                _perturbed = HostBuffer(_weights.shape, OnCuda, anchor: _weightsData, offset: PagePlacement.HalfPage);
                _perturbedData = (float*)LibTorchSharp.THSTensor_data(_perturbed.Handle);
            }

            return new Span<float>(Live(_perturbedData), Length);
        }
    }

    /// <summary>
    /// Captures a floating-point parameter of any layout and device; throws <see cref="NotSupportedException"/>
    /// naming it for an integer or complex tensor or one of more than <see cref="Array.MaxLength"/> elements.
    /// </summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="parameter">The parameter.</param>
    /// <param name="staging">The phase state shared by the optimizer's staged storages.</param>
    /// <returns>The storage, its master copy read from the parameter.</returns>
    public static StagedParameterStorage Capture(string name, TorchParameter parameter, DeviceStaging staging)
    {
        IntPtr handle = parameter.Handle;
        var dtype = (ScalarType)LibTorchSharp.THSTensor_type(handle);
        long numel = LibTorchSharp.THSTensor_numel(handle);
        torch.CheckForErrors();
        if (dtype is not (ScalarType.Float32 or ScalarType.Float64 or ScalarType.BFloat16 or ScalarType.Float16))
        {
            throw new NotSupportedException($"Parameter '{name}' is {dtype}; the TorchSharp SAM optimizer trains float32, float64, bfloat16 and float16 parameters.");
        }

        if (numel > Array.MaxLength)
        {
            throw new NotSupportedException($"Parameter '{name}' has {numel} elements; the optimizer handles at most {Array.MaxLength} per tensor.");
        }

        return new StagedParameterStorage(name, parameter, staging, (int)numel);
    }

    /// <summary>
    /// Copies <c>param.grad</c> into the host gradient (zeros when undefined); asynchronous on CUDA when
    /// <paramref name="nonBlocking"/>, the caller then synchronises the device once for the whole batch.
    /// </summary>
    /// <param name="nonBlocking">Whether the copy may complete after the call returns.</param>
    public void BeginGradientIn(bool nonBlocking)
    {
        IntPtr grad = LibTorchSharp.THSTensor_grad(LiveHandle());
        if (grad == IntPtr.Zero)
        {
            torch.CheckForErrors();
            new Span<float>(_gradientData, Length).Clear(); // no backward reached it (or zero_grad set it to None)
        }
        else
        {
            try
            {
                DeviceStaging.Copy(_gradient.Handle, grad, nonBlocking);
            }
            finally
            {
                LibTorchSharp.THSTensor_dispose(grad);
            }
        }

        _gradientStamp = _staging.Clock.Stamp;
    }

    /// <summary>Records that the host gradient equals <c>param.grad</c> now (both were just zeroed).</summary>
    public void MarkGradientCurrent() => _gradientStamp = _staging.Clock.Stamp;

    /// <summary>Zeroes <c>param.grad</c> in place (an undefined gradient stays undefined).</summary>
    /// <param name="zero">A native scalar 0.</param>
    public void ZeroParameterGradient(IntPtr zero)
    {
        IntPtr grad = LibTorchSharp.THSTensor_grad(LiveHandle());
        if (grad == IntPtr.Zero)
        {
            torch.CheckForErrors();
            return;
        }

        try
        {
            LibTorchSharp.THSTensor_fill_(grad, zero);
            torch.CheckForErrors();
        }
        finally
        {
            LibTorchSharp.THSTensor_dispose(grad);
        }
    }

    /// <summary>
    /// Copies the weights the parameter should show (perturbed or trained) into it, if it does not hold them yet.
    /// Runs with autograd off (the caller's batch turns it off once): the parameter is a leaf that requires grad.
    /// </summary>
    /// <param name="nonBlocking">Whether the copy may complete after the call returns (CUDA, from pinned memory).</param>
    public void BeginWeightsOut(bool nonBlocking)
    {
        if (!_outPending || _parameter.IsInvalid)
        {
            return;
        }

        Tensor shown = _showingPerturbed ? _perturbed! : _weights;
        DeviceStaging.Copy(_parameter.Handle, shown.Handle, nonBlocking);
        _outPending = false;
    }

    /// <summary>Records that a step wrote the trained weights, which the parameter must show.</summary>
    public void TrainedWeightsChanged()
    {
        if (!_showingPerturbed)
        {
            _outPending = true;
        }
    }

    /// <summary>Reads the parameter's weights into the master copy (synchronously), at capture and when the user wrote them.</summary>
    public void ReloadWeights()
    {
        if (_showingPerturbed)
        {
            throw new InvalidOperationException($"Parameter '{Name}' is perturbed; restore it before reloading its weights.");
        }

        bool recording = DeviceStaging.PauseAutograd();
        try
        {
            DeviceStaging.Copy(_weights.Handle, LiveHandle(), nonBlocking: false);
        }
        finally
        {
            DeviceStaging.ResumeAutograd(recording);
        }

        _outPending = false;
    }

    /// <summary>Shows the trained weights in the parameter (synchronously) and frees the host buffers.</summary>
    public override void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (_showingPerturbed || _outPending)
        {
            ShowTrained();
            bool recording = DeviceStaging.PauseAutograd();
            try
            {
                BeginWeightsOut(nonBlocking: false);
            }
            finally
            {
                DeviceStaging.ResumeAutograd(recording);
            }
        }

        _disposed = true;
        _perturbed?.Dispose();
        _gradient.Dispose();
        _weights.Dispose();
    }

    /// <inheritdoc/>
    protected override void ShowPerturbed()
    {
        _showingPerturbed = true;
        _outPending = true;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The three host buffers are libtorch memory that stays put: the parameter joins the engine's one job per phase,
    /// its blocks split over the helper threads with every other parameter's.
    /// </remarks>
    protected override bool TryGetFixedAddresses(out nint weights, out nint gradient, out nint perturbed)
    {
        _ = Gradient; // staged for this optimizer call
        _ = PerturbedWeights; // allocated on first use
        weights = (nint)_weightsData;
        gradient = (nint)_gradientData;
        perturbed = (nint)_perturbedData;
        return true;
    }

    /// <inheritdoc/>
    /// <remarks>The step wrote the new master weights into the second host buffer: the two swap roles instead of a copy back.</remarks>
    protected override bool TrySwapWeights()
    {
        if (_perturbed is null || _showingPerturbed)
        {
            return false;
        }

        (_weights, _perturbed) = (_perturbed, _weights);
        float* oldWeights = _weightsData;
        _weightsData = _perturbedData;
        _perturbedData = oldWeights;
        _outPending = true;
        return true;
    }

    /// <inheritdoc/>
    protected override void ShowTrained()
    {
        _showingPerturbed = false;
        _outPending = true;
    }

    // A float32 host buffer of the shape; with an anchor, `offset` bytes past the anchor's place in a 4 KiB page
    // (PagePlacement): the step reads the master copy and writes the second buffer, swapping their roles every step;
    // the gradient starts at the first master's offset, so 0 or half a page from whichever buffer is the master.
    private static Tensor HostBuffer(long[] shape, bool pinned, float* anchor, int offset)
    {
        long numel = 1;
        foreach (long d in shape)
        {
            numel *= d;
        }

        Tensor raw = torch.empty(anchor == null ? numel : numel + (PagePlacement.Page / sizeof(float)), ScalarType.Float32, torch.CPU);
        if (pinned)
        {
            // Page-locked, so the device copies are real asynchronous DMA (pageable memory would make each one wait).
            Tensor page = raw.pin_memory();
            raw.Dispose();
            raw = page;
        }

        if (anchor == null)
        {
            using (raw)
            {
                return raw.view(shape).DetachFromDisposeScope();
            }
        }

        using (raw)
        {
            return PagePlacement.Window(raw, shape, numel, anchor, offset);
        }
    }

    private float* Live(float* data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return data;
    }

    private IntPtr LiveHandle() =>
        _parameter.IsInvalid
            ? throw Moved(Name, "its tensor was disposed (module.to(...) replaces a parameter converted to another type or device)")
            : _parameter.Handle;
}
