using System;
using System.Collections.Generic;
using System.Linq;

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

        /// <summary>How <c>div</c>/<c>div_</c> round (src/TorchSharp/Tensor/Tensor.Math.cs).</summary>
        public enum RoundingMode
        {
            /// <summary>True division.</summary>
            None,

            /// <summary>Rounds towards zero.</summary>
            trunc,

            /// <summary>Rounds down.</summary>
            floor,
        }

        /// <summary>Disables gradient recording until disposed.</summary>
        /// <returns>The scope.</returns>
        public static IDisposable no_grad() => new GradMode();

        /// <summary>Collects the tensors created until disposed, then disposes them.</summary>
        /// <returns>The scope.</returns>
        public static DisposeScope NewDisposeScope() => new();

        /// <summary>A 1-D float32 tensor holding <paramref name="rawArray"/>.</summary>
        /// <param name="rawArray">The values.</param>
        /// <param name="dtype">The element type (float32 when null).</param>
        /// <param name="device">Ignored by the stub.</param>
        /// <param name="requires_grad">Ignored by the stub.</param>
        /// <returns>The tensor.</returns>
        public static Tensor tensor(float[] rawArray, ScalarType? dtype = null, Device? device = null, bool requires_grad = false) =>
            new(rawArray.Select(v => (double)v).ToArray(), dtype ?? ScalarType.Float32);

        /// <summary>A tensor of zeros shaped like <paramref name="input"/>.</summary>
        /// <param name="input">The template.</param>
        /// <param name="dtype">The element type (the input's when null).</param>
        /// <param name="device">Ignored by the stub.</param>
        /// <param name="requires_grad">Ignored by the stub.</param>
        /// <param name="names">Ignored by the stub (named dimensions).</param>
        /// <returns>The tensor.</returns>
        public static Tensor zeros_like(Tensor input, ScalarType? dtype = null, Device? device = null, bool requires_grad = false, string[]? names = null) =>
            input.zeros_like(dtype, device, requires_grad);

        /// <summary>Concatenates tensors along a new dimension (the stub flattens).</summary>
        /// <param name="tensors">The tensors.</param>
        /// <param name="dim">Ignored by the stub.</param>
        /// <returns>The tensor.</returns>
        public static Tensor stack(IEnumerable<Tensor> tensors, long dim = 0)
        {
            List<Tensor> list = tensors.ToList();
            return new Tensor(list.SelectMany(t => t.Values).ToArray(), list[0].DType);
        }

        /// <summary>Element-wise maximum.</summary>
        /// <param name="input">One operand.</param>
        /// <param name="other">The other.</param>
        /// <returns>The tensor.</returns>
        public static Tensor maximum(Tensor input, Tensor other) => input.maximum(other);

        /// <summary>A device (cpu, cuda:0, ...).</summary>
        public class Device
        {
        }

        /// <summary>Whether operations are recorded for autograd (false inside <see cref="no_grad"/>).</summary>
        /// <returns>The thread's grad mode.</returns>
        public static bool is_grad_enabled() => GradMode.Enabled;

        // As TorchSharp's AutoGradMode: thread-local, restoring the previous mode when disposed.
        private sealed class GradMode : IDisposable
        {
            [ThreadStatic]
            private static bool s_disabled;

            private readonly bool _previousDisabled;

            public GradMode()
            {
                _previousDisabled = s_disabled;
                s_disabled = true;
            }

            public static bool Enabled => !s_disabled;

            public void Dispose() => s_disabled = _previousDisabled;
        }
    }

    /// <summary>TorchSharp's scope that disposes the tensors created inside it (src/TorchSharp/DisposeScope.cs).</summary>
    public sealed class DisposeScope : IDisposable
    {
        /// <inheritdoc/>
        public void Dispose()
        {
        }
    }

    /// <summary>A scalar argument (src/TorchSharp/Scalar.cs).</summary>
    public sealed class Scalar : IDisposable
    {
        private Scalar(double value)
        {
            Value = value;
        }

        internal double Value { get; }

        /// <summary>From a double.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(double value) => new(value);

        /// <summary>From a float.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(float value) => new(value);

        /// <summary>From a byte.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(byte value) => new(value);

        /// <summary>From an sbyte.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(sbyte value) => new(value);

        /// <summary>From a short.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(short value) => new(value);

        /// <summary>From an int.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(int value) => new(value);

        /// <summary>From a long.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(long value) => new(value);

        /// <summary>From a bool.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(bool value) => new(value ? 1 : 0);

        /// <summary>From a complex (real, imaginary) pair; the stub keeps the real part.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar((float, float) value) => new(value.Item1);

        /// <summary>From a complex number; the stub keeps the real part.</summary>
        /// <param name="value">The value.</param>
        public static implicit operator Scalar(System.Numerics.Complex value) => new(value.Real);

        /// <inheritdoc/>
        public void Dispose()
        {
        }
    }
}
