using System;
using Sam.Native;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam;

/// <summary>
/// The low-precision fast path: a contiguous bfloat16 or float16 CPU parameter trained with float32 master weights.
/// The engine's kernels see float32 spans (the master weights, the gradient, the perturbed weights) and keep every
/// optimizer state in float32; the tensors the forward and backward passes use stay in the parameter's type, and
/// the conversions happen inside the engine's own walks, per parameter while it is in cache: the half gradient is
/// widened into the float32 span by the checking pass that reads it (<see cref="LoadGradient"/>), the perturbed
/// weights are rounded into a second half tensor when shown (<see cref="ShowPerturbed"/>), and the stepped master is
/// rounded into the parameter's own memory by the stepping walk (<see cref="TrainedWeightsWritten"/>).
/// </summary>
/// <remarks>
/// As on the float32 fast path, perturb and restore re-seat the parameter (<c>set_</c>) between its original storage,
/// which always holds round(master), and the perturbed one: a restore returns exactly to round(master). The master
/// copy is authoritative: weights written into the module by other means (module.load) are read back by
/// <see cref="ReloadWeights"/>, which <c>TorchSamOptimizer.LoadState</c> and <c>ReloadWeights</c> call.
/// Bytes per parameter: 2 (weights) + 2 (gradient) + 2 (perturbed) in the parameter's type, 4 (master) + 4 (gradient)
/// + 4 (perturbed) in float32, plus the base optimizer's state.
/// </remarks>
internal sealed unsafe class HalfParameterStorage : TorchTensorStorage
{
    private readonly TorchParameter _parameter; // the module's; not ours to dispose
    private readonly Tensor _trained;           // a detached alias of the original storage: round(master); ours
    private readonly ushort* _trainedData;
    private readonly ScalarType _dtype;
    private readonly bool _bfloat16;
    private readonly float[] _master;
    private readonly float[] _gradient;
    private Tensor? _perturbed;                 // the second half storage; ours, created on first use
    private ushort* _perturbedData;
    private float[]? _perturbedSingle;
    private bool _showingPerturbed;
    private bool _disposed;

    private HalfParameterStorage(string name, TorchParameter parameter, ScalarType dtype, int length)
        : base(length)
    {
        Name = name;
        _parameter = parameter;
        _dtype = dtype;
        _bfloat16 = dtype == ScalarType.BFloat16;
        _trained = parameter.detach().DetachFromDisposeScope();
        _trainedData = (ushort*)LibTorchSharp.THSTensor_data(_trained.Handle);
        _master = new float[length];
        _gradient = new float[length];
        ReloadWeights();
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override TorchParameter Tensor => _parameter;

    /// <summary>The address of the parameter's own memory (to recognise a parameter reached under two names).</summary>
    public override IntPtr Identity => (IntPtr)_trainedData;

    /// <inheritdoc/>
    /// <remarks>The data pointer, as on the float32 fast path: memory this storage owns cannot change type or device.</remarks>
    public override bool IsCurrent
    {
        get
        {
            ushort* expected = _showingPerturbed ? _perturbedData : _trainedData;
            return !_parameter.IsInvalid && (ushort*)LibTorchSharp.THSTensor_data(_parameter.Handle) == expected;
        }
    }

    /// <summary>The float32 master weights the base optimizer steps.</summary>
    public override Span<float> Weights => Live(_master);

    /// <summary>The float32 gradient, as the last checking pass widened it from <c>param.grad</c>.</summary>
    public override Span<float> Gradient => Live(_gradient);

    /// <inheritdoc/>
    public override Span<float> PerturbedWeights => Live(_perturbedSingle ??= new float[Length]);

    /// <summary>Whether <paramref name="parameter"/> is a tensor this path takes: contiguous bfloat16 or float16 on the CPU.</summary>
    public static bool Accepts(TorchParameter parameter)
    {
        IntPtr handle = parameter.Handle;
        var dtype = (ScalarType)LibTorchSharp.THSTensor_type(handle);
        bool accepted = dtype is ScalarType.BFloat16 or ScalarType.Float16
            && LibTorchSharp.THSTensor_device_type(handle) == (int)DeviceType.CPU
            && LibTorchSharp.THSTensor_is_contiguous(handle) != 0;
        torch.CheckForErrors();
        return accepted;
    }

    /// <summary>Captures a parameter <see cref="Accepts"/> took; its master copy is read from it.</summary>
    public static HalfParameterStorage Capture(string name, TorchParameter parameter)
    {
        long numel = LibTorchSharp.THSTensor_numel(parameter.Handle);
        if (numel > Array.MaxLength)
        {
            throw new NotSupportedException($"Parameter '{name}' has {numel} elements; the CPU fast path handles at most {Array.MaxLength} per tensor.");
        }

        return new HalfParameterStorage(name, parameter, (ScalarType)LibTorchSharp.THSTensor_type(parameter.Handle), (int)numel);
    }

    /// <summary>Reads the parameter's weights into the master copy (at capture, and after the user wrote them).</summary>
    public void ReloadWeights()
    {
        if (_showingPerturbed)
        {
            throw new InvalidOperationException($"Parameter '{Name}' is perturbed; restore it before reloading its weights.");
        }

        HalfConversions.ToSingle(new ReadOnlySpan<ushort>(_trainedData, Length), _bfloat16, _master);
    }

    /// <inheritdoc/>
    protected override void LoadGradient()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        IntPtr grad = LibTorchSharp.THSTensor_grad(LiveHandle());
        if (grad == IntPtr.Zero)
        {
            torch.CheckForErrors();
            _gradient.AsSpan().Clear(); // no backward reached it (or zero_grad set it to None)
            return;
        }

        try
        {
            HalfConversions.ToSingle(GradientBits(grad), _bfloat16, _gradient);
        }
        finally
        {
            LibTorchSharp.THSTensor_dispose(grad); // the parameter keeps its gradient
        }
    }

    /// <inheritdoc/>
    protected override void ClearGradient()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _gradient.AsSpan().Clear();
        IntPtr grad = LibTorchSharp.THSTensor_grad(LiveHandle());
        if (grad == IntPtr.Zero)
        {
            torch.CheckForErrors();
            return;
        }

        try
        {
            GradientBits(grad).Clear(); // all-zero bits are +0 in both formats
        }
        finally
        {
            LibTorchSharp.THSTensor_dispose(grad);
        }
    }

    /// <inheritdoc/>
    protected override void ShowPerturbed()
    {
        if (_perturbed is null)
        {
            _perturbed = torch.empty_like(_trained).DetachFromDisposeScope();
            _perturbedData = (ushort*)LibTorchSharp.THSTensor_data(_perturbed.Handle);
        }

        HalfConversions.FromSingle(PerturbedWeights, _bfloat16, new Span<ushort>(_perturbedData, Length));
        Reseat(_perturbed);
        _showingPerturbed = true;
    }

    /// <inheritdoc/>
    protected override void ShowTrained()
    {
        if (_showingPerturbed && !_parameter.IsInvalid)
        {
            Reseat(_trained);
        }

        _showingPerturbed = false;
    }

    /// <inheritdoc/>
    protected override void TrainedWeightsWritten() =>
        HalfConversions.FromSingle(Live(_master), _bfloat16, new Span<ushort>(_trainedData, Length));

    /// <summary>Re-seats the parameter on its own memory and frees the second storage and the alias.</summary>
    public override void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        ShowTrained();
        _disposed = true;
        _perturbed?.Dispose();
        _trained.Dispose();
    }

    private Span<ushort> GradientBits(IntPtr grad)
    {
        var dtype = (ScalarType)LibTorchSharp.THSTensor_type(grad);
        bool ok = dtype == _dtype
            && LibTorchSharp.THSTensor_device_type(grad) == (int)DeviceType.CPU
            && LibTorchSharp.THSTensor_is_contiguous(grad) != 0
            && LibTorchSharp.THSTensor_numel(grad) == Length;
        torch.CheckForErrors();
        if (!ok)
        {
            throw new NotSupportedException($"Tensor '{Name}.grad' is not a contiguous {_dtype} CPU tensor of {Length} elements like its parameter.");
        }

        return new Span<ushort>((void*)LibTorchSharp.THSTensor_data(grad), Length);
    }

    // set_ on a leaf that requires grad runs with grad mode off, as in TorchParameterStorage.
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

    private Span<float> Live(float[] data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return data;
    }

    private IntPtr LiveHandle() =>
        _parameter.IsInvalid
            ? throw Moved("its tensor was disposed (module.to(...) replaces a parameter converted to another type or device)")
            : _parameter.Handle;

    private InvalidOperationException Moved(string why) => Moved(Name, why);
}
