using System;
using System.Collections.Generic;

namespace TorchSharp
{
    /// <summary>TorchSharp's <c>torch</c> static class (src/TorchSharp/Tensor/*.cs, torch.LocallyDisablingGradientComputation.cs).</summary>
    public static partial class torch
    {
        /// <summary>Element types (TorchSharp numbers them as libtorch does).</summary>
        public enum ScalarType : sbyte
        {
            Byte = 0,
            Int8 = 1,
            Int16 = 2,
            Int32 = 3,
            Int64 = 4,
            Float16 = 5,
            Float32 = 6,
            Float64 = 7,
            ComplexFloat32 = 9,
            ComplexFloat64 = 10,
            Bool = 11,
            BFloat16 = 15,
        }

        /// <summary>Disables gradient recording until disposed.</summary>
        public static IDisposable no_grad() => throw Stub.Missing();

        /// <summary>Collects the tensors created until disposed, then disposes them.</summary>
        public static DisposeScope NewDisposeScope() => throw Stub.Missing();

        /// <summary>A tensor of zeros shaped like <paramref name="input"/>.</summary>
        public static Tensor zeros_like(Tensor input, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => throw Stub.Missing();

        /// <summary>Concatenates tensors along a new dimension.</summary>
        public static Tensor stack(IEnumerable<Tensor> tensors, long dim = 0) => throw Stub.Missing();

        /// <summary>Element-wise maximum.</summary>
        public static Tensor maximum(Tensor input, Tensor other) => throw Stub.Missing();

        /// <summary>A device (cpu, cuda:0, ...).</summary>
        public class Device
        {
        }
    }

    /// <summary>TorchSharp's scope that disposes the tensors created inside it (src/TorchSharp/DisposeScope.cs).</summary>
    public sealed class DisposeScope : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose() => throw Stub.Missing();
    }

    /// <summary>A scalar argument (src/TorchSharp/Scalar.cs).</summary>
    public sealed class Scalar : IDisposable
    {
        private Scalar()
        {
        }

        /// <summary>From a double.</summary>
        public static implicit operator Scalar(double value) => throw Stub.Missing();

        /// <inheritdoc/>
        public void Dispose() => throw Stub.Missing();
    }

    internal static class Stub
    {
        public static NotImplementedException Missing() =>
            new("TorchSharp.Stub only lets code compile; run against the real TorchSharp (set TORCHSHARP_DIR for the tests).");
    }
}
