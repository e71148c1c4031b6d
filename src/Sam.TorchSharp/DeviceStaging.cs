using System;
using System.Collections.Generic;
using Sam.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Sam;

/// <summary>
/// The device path's phases over all of an optimizer's <see cref="StagedParameterStorage"/>s, each one batch of
/// copies: gradients in before the engine reads them, the shown weights out before a forward pass and after a step.
/// On CUDA the copies are queued asynchronously and the batch that the host then reads (gradients in) waits for
/// each device once: one host synchronisation per phase. Empty (and free) when every parameter is on the fast path.
/// </summary>
/// <remarks>
/// Host buffers are written by the kernels only after a gradients-in batch, whose synchronisation also waits for the
/// weights-out copies queued before it: an asynchronous copy never reads a buffer the kernels are writing.
/// Untested on CUDA (no GPU here); the same code runs synchronously on the CPU, where the tests run it.
/// </remarks>
internal sealed class DeviceStaging : IDisposable
{
    private StagedParameterStorage[] _storages = [];
    private int[] _cudaDevices = [];
    private IntPtr _zero; // a native scalar 0, for fill_

    /// <summary>Creates the staging of an optimizer whose calls open and close spans on <paramref name="clock"/>.</summary>
    /// <param name="clock">The optimizer's clock.</param>
    public DeviceStaging(StepClock clock) => Clock = clock;

    /// <summary>Whether a host gradient still equals <c>param.grad</c> (see <see cref="StepClock"/>).</summary>
    public StepClock Clock { get; }

    /// <summary>Whether any parameter is on the device path.</summary>
    public bool Active => _storages.Length != 0;

    /// <summary>Takes the staged storages among <paramref name="storages"/> (after capture or re-capture).</summary>
    /// <param name="storages">Every storage of the optimizer.</param>
    public void Track(IEnumerable<TorchTensorStorage> storages)
    {
        var staged = new List<StagedParameterStorage>();
        var devices = new SortedSet<int>();
        foreach (TorchTensorStorage s in storages)
        {
            if (s is StagedParameterStorage st)
            {
                staged.Add(st);
                if (st.OnCuda)
                {
                    devices.Add(st.DeviceIndex);
                }
            }
        }

        _storages = [.. staged];
        _cudaDevices = [.. devices];
        if (_storages.Length != 0)
        {
            if (_zero == IntPtr.Zero)
            {
                _zero = LibTorchSharp.THSTorch_float32_to_scalar(0f);
                torch.CheckForErrors();
            }
        }
    }

    /// <summary>Copies every <c>param.grad</c> into its host buffer, then waits once per CUDA device.</summary>
    public void GradientsIn()
    {
        if (_storages.Length == 0)
        {
            return;
        }

        bool recording = PauseAutograd();
        try
        {
            foreach (StagedParameterStorage s in _storages)
            {
                s.BeginGradientIn(nonBlocking: s.OnCuda);
            }
        }
        finally
        {
            ResumeAutograd(recording);
            Synchronize();
        }
    }

    /// <summary>
    /// Records that the host gradients equal <c>param.grad</c> without copying: for a step that zeroes both
    /// before anything reads them (the engine's whole steps start by zeroing).
    /// </summary>
    public void MarkGradientsCurrent()
    {
        foreach (StagedParameterStorage s in _storages)
        {
            s.MarkGradientCurrent();
        }
    }

    /// <summary>
    /// Zeroes every <c>param.grad</c> in place, for the engine's zeroing of the host copies (before each forward and
    /// backward pass of a whole step, and in <c>ZeroGradients</c>); the two are then equal.
    /// </summary>
    public void ZeroParameterGradients()
    {
        if (_storages.Length == 0)
        {
            return;
        }

        IntPtr zero = _zero;
        foreach (StagedParameterStorage s in _storages)
        {
            s.ZeroParameterGradient(zero);
            s.MarkGradientCurrent();
        }
    }

    /// <summary>Copies into each parameter the weights it should show and does not hold yet (asynchronous on CUDA).</summary>
    public void WeightsOut()
    {
        if (_storages.Length == 0)
        {
            return;
        }

        bool recording = PauseAutograd();
        try
        {
            foreach (StagedParameterStorage s in _storages)
            {
                s.BeginWeightsOut(nonBlocking: s.OnCuda);
            }
        }
        finally
        {
            ResumeAutograd(recording);
        }
    }

    /// <summary>Records that a step (or a failed step's restore) may have written the trained weights.</summary>
    public void TrainedWeightsChanged()
    {
        foreach (StagedParameterStorage s in _storages)
        {
            s.TrainedWeightsChanged();
        }
    }

    /// <summary>Reads every parameter's weights into its master copy (after the user loaded weights into the module).</summary>
    public void ReloadWeights()
    {
        foreach (StagedParameterStorage s in _storages)
        {
            s.ReloadWeights();
        }
    }

    /// <summary>Waits for queued copies (pinned buffers must outlive them) and frees the native zero.</summary>
    public void Dispose()
    {
        Synchronize();
        if (_zero != IntPtr.Zero)
        {
            LibTorchSharp.THSTorch_dispose_scalar(_zero);
            _zero = IntPtr.Zero;
        }
        _storages = [];
    }

    /// <summary><c>destination.copy_(source, non_blocking)</c> without a managed wrapper.</summary>
    /// <param name="destination">The tensor written.</param>
    /// <param name="source">The tensor read (converted to the destination's type and device).</param>
    /// <param name="nonBlocking">Whether the copy may complete after the call returns.</param>
    public static void Copy(IntPtr destination, IntPtr source, bool nonBlocking)
    {
        LibTorchSharp.THSTensor_copy_(destination, source, nonBlocking);
        torch.CheckForErrors();
    }

    /// <summary>Turns autograd recording off on this thread (as <c>torch.no_grad()</c>, without its guard object); returns whether it was on.</summary>
    /// <returns>The previous state, for <see cref="ResumeAutograd"/>.</returns>
    public static bool PauseAutograd()
    {
        bool recording = LibTorchSharp.THSAutograd_isGradEnabled();
        if (recording)
        {
            LibTorchSharp.THSAutograd_setGrad(false);
        }

        return recording;
    }

    /// <summary>Turns autograd recording back on if <see cref="PauseAutograd"/> turned it off.</summary>
    /// <param name="recording">What <see cref="PauseAutograd"/> returned.</param>
    public static void ResumeAutograd(bool recording)
    {
        if (recording)
        {
            LibTorchSharp.THSAutograd_setGrad(true);
        }
    }

    private void Synchronize()
    {
        foreach (int device in _cudaDevices)
        {
            LibTorchSharp.THSTorchCuda_synchronize(device);
            torch.CheckForErrors();
        }
    }
}
