using System;
using System.Collections.Generic;
using Sam.Native;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Sam;

/// <summary>
/// The running statistics of every normalization layer that tracks them (BatchNorm1d/2d/3d, InstanceNorm with
/// track_running_stats), wherever it sits in the module tree: saved when the weights are perturbed and put back
/// when they are restored, so the forward pass at the perturbed point leaves running_mean, running_var and
/// num_batches_tracked exactly as the forward pass at the trained weights left them (one update per SAM step).
/// </summary>
/// <remarks>
/// Saving and restoring the bytes is exact whatever the momentum (including momentum = null, the cumulative
/// average, where the common "set momentum to 0" trick still moves the statistics) and costs two copies of a few
/// floats per channel. One backing array, allocated at capture; no allocation per step.
/// </remarks>
internal sealed unsafe class RunningStatistics : IDisposable
{
    private readonly Buffer[] _buffers;
    private readonly byte[] _saved;
    private bool _holding;

    private RunningStatistics(Buffer[] buffers, int bytes)
    {
        _buffers = buffers;
        _saved = new byte[bytes];
    }

    /// <summary>The number of buffers followed (three per layer).</summary>
    public int Count => _buffers.Length;

    /// <summary>Finds every normalization layer with running statistics under <paramref name="module"/> (itself included).</summary>
    /// <param name="module">The model.</param>
    /// <param name="copyOnDevice">Test-only: keep CPU buffers the way CUDA buffers are kept (copy_ into a saved tensor).</param>
    /// <returns>The statistics to follow (possibly none).</returns>
    public static RunningStatistics Capture(nn.Module module, bool copyOnDevice = false)
    {
        var buffers = new List<Buffer>();
        int offset = 0;
        void Add(string owner, NormBase norm)
        {
            if (!norm.track_running_stats)
            {
                return;
            }

            foreach ((string name, Tensor? tensor) in new[] { ("running_mean", norm.running_mean), ("running_var", norm.running_var), ("num_batches_tracked", norm.num_batches_tracked) })
            {
                if (tensor is null)
                {
                    continue;
                }

                string full = owner.Length == 0 ? name : owner + "." + name;
                if (copyOnDevice || tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
                {
                    // A CUDA (or non-contiguous) buffer is kept where it lives: a saved tensor of its own, one copy_ each way.
                    Tensor saved = tensor.detach().clone().DetachFromDisposeScope();
                    buffers.Add(new Buffer(full, tensor, LibTorchSharp.THSTensor_data(tensor.Handle), 0, 0, saved));
                    continue;
                }

                long bytes = tensor.NumberOfElements * tensor.ElementSize;
                buffers.Add(new Buffer(full, tensor, LibTorchSharp.THSTensor_data(tensor.Handle), (int)bytes, offset));
                offset = checked(offset + (int)bytes);
            }
        }

        if (module is NormBase self)
        {
            Add("", self);
        }

        foreach ((string name, nn.Module child) in module.named_modules())
        {
            if (child is NormBase norm)
            {
                Add(name, norm);
            }
        }

        return new RunningStatistics([.. buffers], offset);
    }

    /// <summary>Throws the product's message when a buffer was replaced or moved (module.to(...)).</summary>
    public void ThrowIfMoved()
    {
        foreach (Buffer b in _buffers)
        {
            if (!IsLive(b))
            {
                throw new InvalidOperationException(
                    $"Buffer '{b.Name}' changed after the TorchSamOptimizer was created (module.to(...) replaces converted or moved buffers). " +
                    "Create a new TorchSamOptimizer after moving or converting the model (SaveState before and LoadState after keeps the optimizer state).");
            }
        }
    }

    /// <summary>Whether every buffer is still the memory captured (false after module.to(...) replaced one).</summary>
    public bool IsCurrent
    {
        get
        {
            foreach (Buffer b in _buffers)
            {
                if (!IsLive(b))
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Copies the statistics aside (at the perturbation, before the forward pass at the perturbed point).</summary>
    public void Save()
    {
        foreach (Buffer b in _buffers)
        {
            if (b.Saved is not null)
            {
                DeviceStaging.Copy(b.Saved.Handle, b.Tensor.Handle, nonBlocking: false);
                continue;
            }

            new ReadOnlySpan<byte>((void*)b.Data, b.Bytes).CopyTo(_saved.AsSpan(b.Offset, b.Bytes));
        }

        _holding = true;
    }

    /// <summary>Puts the saved statistics back, if any were saved since the last restore.</summary>
    public void Restore()
    {
        if (!_holding)
        {
            return;
        }

        _holding = false;
        foreach (Buffer b in _buffers)
        {
            // A buffer module.to(...) disposed meanwhile has nothing to restore into (and a restore must not throw).
            if (IsLive(b))
            {
                if (b.Saved is not null)
                {
                    DeviceStaging.Copy(b.Tensor.Handle, b.Saved.Handle, nonBlocking: false);
                    continue;
                }

                _saved.AsSpan(b.Offset, b.Bytes).CopyTo(new Span<byte>((void*)b.Data, b.Bytes));
            }
        }
    }

    private static bool IsLive(Buffer b) => !b.Tensor.IsInvalid && LibTorchSharp.THSTensor_data(b.Tensor.Handle) == b.Data;

    /// <summary>Frees the saved tensors of buffers kept on their device.</summary>
    public void Dispose()
    {
        foreach (Buffer b in _buffers)
        {
            b.Saved?.Dispose();
        }
    }

    private readonly record struct Buffer(string Name, Tensor Tensor, IntPtr Data, int Bytes, int Offset, Tensor? Saved = null);
}
