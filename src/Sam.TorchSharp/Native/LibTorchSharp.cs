using System;
using System.Runtime.InteropServices;

namespace Sam.Native;

/// <summary>
/// The few LibTorchSharp exports the fast path calls directly. TorchSharp's managed API allocates a
/// <c>Tensor</c> wrapper on every <c>param.grad</c> read and a disposable guard for <c>torch.no_grad()</c>; a
/// step reads each gradient several times, so those would be the only managed allocations of a step. These
/// entry points are the ones TorchSharp itself calls (src/Native/LibTorchSharp/THSTensor.h, THSAutograd.h) and
/// are resolved from the same native library TorchSharp has already loaded.
/// </summary>
/// <remarks>
/// The accessors and the gradient look-up (a read of the autograd metadata and one small allocation or free of a
/// handle; the handle freed is never the tensor's last reference) skip the GC transition: the prefetch pass makes four
/// such calls per parameter and optimizer call, none blocks, calls back into .NET or runs longer than a garbage collection
/// can wait for. set_ and the autograd switches keep it (set_ goes through libtorch's dispatcher).
/// Native errors are stored by LibTorchSharp in a thread-local and read by <c>torch.CheckForErrors()</c>; every
/// call here that can fail is followed by that check, so no error is left for an unrelated TorchSharp call.
/// </remarks>
internal static partial class LibTorchSharp
{
    private const string Library = "LibTorchSharp";

    /// <summary>A new native handle to the tensor's gradient (the caller disposes it), or zero when undefined.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial IntPtr THSTensor_grad(IntPtr tensor);

    /// <summary>Frees a native tensor handle (one reference; the data lives on while others hold it).</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial void THSTensor_dispose(IntPtr tensor);

    /// <summary>The address of the tensor's first element (data_ptr()).</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial IntPtr THSTensor_data(IntPtr tensor);

    /// <summary>The element count.</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial long THSTensor_numel(IntPtr tensor);

    /// <summary>The scalar type (TorchSharp's <c>ScalarType</c> values).</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial sbyte THSTensor_type(IntPtr tensor);

    /// <summary>The device type (TorchSharp's <c>DeviceType</c> values).</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial int THSTensor_device_type(IntPtr tensor);

    /// <summary>Whether the tensor is contiguous (a C++ bool: one byte).</summary>
    [LibraryImport(Library)]
    [SuppressGCTransition]
    internal static partial byte THSTensor_is_contiguous(IntPtr tensor);

    /// <summary>Re-seats <paramref name="tensor"/> onto <paramref name="source"/>'s storage, offset, sizes and strides.</summary>
    [LibraryImport(Library)]
    internal static partial void THSTensor_set_(IntPtr tensor, IntPtr source);

    /// <summary>Whether autograd records operations on this thread.</summary>
    [LibraryImport(Library)]
    [return: MarshalAs(UnmanagedType.U1)]
    internal static partial bool THSAutograd_isGradEnabled();

    /// <summary>Turns autograd recording on or off for this thread (what <c>torch.no_grad()</c> does).</summary>
    [LibraryImport(Library)]
    internal static partial void THSAutograd_setGrad([MarshalAs(UnmanagedType.U1)] bool enabled);
}
