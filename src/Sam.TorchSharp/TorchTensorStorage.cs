using System;
using Sam.Native;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam;

/// <summary>
/// What the optimizer needs of one captured TorchSharp parameter, whichever path serves it: the CPU fast path
/// (<see cref="TorchParameterStorage"/>, the kernels on the tensor's own memory) or the device path
/// (<see cref="StagedParameterStorage"/>, the kernels on a float32 host copy synchronised by one copy per phase).
/// </summary>
internal abstract class TorchTensorStorage : ParameterStorage, IDisposable
{
    /// <summary>Creates the storage of a parameter of <paramref name="length"/> elements.</summary>
    /// <param name="length">The element count.</param>
    protected TorchTensorStorage(int length)
        : base(length)
    {
    }

    /// <summary>The parameter's name in <c>named_parameters()</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The TorchSharp parameter (the module's; not the storage's to dispose).</summary>
    public abstract TorchParameter Tensor { get; }

    /// <summary>The address of the parameter's data when captured: recognises a parameter reached under two names.</summary>
    public abstract IntPtr Identity { get; }

    /// <summary>
    /// Whether the parameter still is the tensor this storage serves: false once <c>module.to(...)</c> disposed or
    /// replaced it, or (fast path) its memory, type or device changed. A few native calls, no allocation.
    /// </summary>
    public abstract bool IsCurrent { get; }

    /// <summary>
    /// Throws the product's <see cref="InvalidOperationException"/> when the parameter no longer is the tensor that
    /// was captured and the optimizer cannot re-capture it (no module to look it up in, or a step in progress).
    /// </summary>
    public void ThrowIfMoved()
    {
        if (!IsCurrent)
        {
            throw Moved(Name, Tensor.IsInvalid
                ? "its tensor was disposed (module.to(...) replaces a parameter converted to another type or device)"
                : "its memory, type or device is no longer what the optimizer captured (set_ or a load that replaced it)");
        }
    }

    /// <summary>Frees what the storage allocated (the parameter is left showing its trained weights).</summary>
    public abstract void Dispose();

    /// <summary>Runs the show hook for <see cref="TorchParameterSlot"/>, which cannot call it on another instance.</summary>
    /// <param name="perturbed">True to show the perturbed weights, false for the trained ones.</param>
    internal void Show(bool perturbed)
    {
        if (perturbed)
        {
            ShowPerturbed();
        }
        else
        {
            ShowTrained();
        }
    }

    /// <summary>Runs the gradient hooks for <see cref="TorchParameterSlot"/>, which cannot call them on another instance.</summary>
    internal void LoadGradientHook() => LoadGradient();

    /// <inheritdoc cref="LoadGradientHook"/>
    internal void ClearGradientHook() => ClearGradient();

    /// <summary>Runs the weights-written hook for <see cref="TorchParameterSlot"/>.</summary>
    internal void TrainedWeightsWrittenHook() => TrainedWeightsWritten();

    /// <summary>Runs <see cref="ParameterStorage.TryGetFixedAddresses"/> for <see cref="TorchParameterSlot"/>.</summary>
    internal bool FixedAddressesHook(out nint weights, out nint gradient, out nint perturbed) =>
        TryGetFixedAddresses(out weights, out gradient, out perturbed);

    /// <summary>Runs <see cref="ParameterStorage.TrySwapWeights"/> for <see cref="TorchParameterSlot"/>.</summary>
    internal bool SwapWeightsHook() => TrySwapWeights();

    /// <summary>Runs <see cref="ParameterStorage.TryDeferRestore"/> for <see cref="TorchParameterSlot"/>.</summary>
    internal bool DeferRestoreHook() => TryDeferRestore();

    /// <summary>Reads <see cref="ParameterStorage.PerturbsOverWeights"/> for <see cref="TorchParameterSlot"/>.</summary>
    internal bool PerturbsOverWeightsHook => PerturbsOverWeights;

    /// <summary>Runs <see cref="ParameterStorage.ShowPerturbedOverWeights"/> for <see cref="TorchParameterSlot"/>.</summary>
    internal void ShowPerturbedOverWeightsHook() => ShowPerturbedOverWeights();

    /// <summary>Reads <see cref="ParameterStorage.Prefetches"/> for <see cref="TorchParameterSlot"/>.</summary>
    internal bool PrefetchesHook => Prefetches;

    /// <summary>Runs <see cref="ParameterStorage.Prefetch"/> for <see cref="TorchParameterSlot"/>.</summary>
    internal void PrefetchHook() => Prefetch();

    /// <summary>
    /// Captures <paramref name="parameter"/> on a fast path when the options do not force the device path: a
    /// contiguous float32 CPU tensor on <see cref="TorchParameterStorage"/>, a contiguous bfloat16/float16 CPU tensor
    /// on <see cref="HalfParameterStorage"/> (float32 master weights, conversions fused into the engine's walks);
    /// anything else (CUDA, non-contiguous, float64) on the device path.
    /// </summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="parameter">The parameter.</param>
    /// <param name="staging">The device path's shared phase state.</param>
    /// <param name="options">The options (test-only: force the device path; the copy-flip size of the fast path).</param>
    /// <returns>The storage.</returns>
    public static TorchTensorStorage Capture(string name, TorchParameter parameter, DeviceStaging staging, TorchSamOptions options)
    {
        if (!options.ForceDevicePath && HalfParameterStorage.Accepts(parameter))
        {
            return HalfParameterStorage.Capture(name, parameter);
        }

        IntPtr handle = parameter.Handle;
        bool fast = !options.ForceDevicePath
            && LibTorchSharp.THSTensor_type(handle) == (sbyte)ScalarType.Float32
            && LibTorchSharp.THSTensor_device_type(handle) == (int)DeviceType.CPU
            && LibTorchSharp.THSTensor_is_contiguous(handle) != 0;
        torch.CheckForErrors();
        return fast ? TorchParameterStorage.Capture(name, parameter, staging.Clock, options.CopyFlipMaxLength) : StagedParameterStorage.Capture(name, parameter, staging);
    }

    /// <summary>The product's message for a parameter that changed under the optimizer and cannot be re-captured.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="why">What happened to it.</param>
    /// <returns>The exception to throw.</returns>
    public static InvalidOperationException Moved(string name, string why) =>
        new($"Parameter '{name}' changed after the TorchSamOptimizer was created: {why}. The optimizer works on the " +
            "memory it captured; create a new TorchSamOptimizer after moving or converting the model (SaveState before " +
            "and LoadState after keeps the optimizer state).");
}
