using System;
using System.Runtime.InteropServices;

namespace Sam.Native;

// The exports the device path adds: copies between a parameter and its float32 host copy, zeroing a gradient in
// place and waiting for a CUDA device. Called directly for the same reason as the fast path's (no Tensor wrapper
// per call, so a step allocates nothing). Signatures checked against TorchSharp 0.107's LibTorchSharp, where the
// in-place operations return void.
internal static partial class LibTorchSharp
{
    /// <summary>
    /// <c>tensor.copy_(source, non_blocking)</c>: converts dtype, follows strides, crosses devices. Returns nothing
    /// in this TorchSharp (in-place operations stopped returning a handle); errors go to <c>CheckForErrors</c>.
    /// </summary>
    [LibraryImport(Library)]
    internal static partial void THSTensor_copy_(IntPtr tensor, IntPtr source, [MarshalAs(UnmanagedType.U1)] bool nonBlocking);

    /// <summary><c>tensor.fill_(value)</c>; returns nothing, errors go to <c>CheckForErrors</c>.</summary>
    [LibraryImport(Library)]
    internal static partial void THSTensor_fill_(IntPtr tensor, IntPtr scalar);

    /// <summary>The device index (-1 for the CPU).</summary>
    [LibraryImport(Library)]
    internal static partial int THSTensor_device_index(IntPtr tensor);

    /// <summary>Waits until every queued operation on the CUDA device has finished (<c>torch.cuda.synchronize</c>).</summary>
    [LibraryImport(Library)]
    internal static partial void THSTorchCuda_synchronize(long deviceIndex);

    /// <summary>A new native scalar holding <paramref name="value"/> (free it with <see cref="THSTorch_dispose_scalar"/>).</summary>
    [LibraryImport(Library)]
    internal static partial IntPtr THSTorch_float32_to_scalar(float value);

    /// <summary>Frees a native scalar.</summary>
    [LibraryImport(Library)]
    internal static partial void THSTorch_dispose_scalar(IntPtr scalar);
}
