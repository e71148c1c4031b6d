using System;
using System.Linq;

namespace TorchSharp
{
    public static partial class torch
    {
        /// <summary>
        /// TorchSharp's tensor (src/TorchSharp/Tensor/Tensor.cs and partial files). The stub keeps a flat array of
        /// values and does the arithmetic in double, rounding to float after every operation on a float32 tensor.
        /// </summary>
        public partial class Tensor : IDisposable
        {
            internal Tensor(double[] values, ScalarType dtype)
            {
                DType = dtype;
                Values = values.Select(v => Round(v, dtype)).ToArray();
            }

            internal double[] Values { get; }

            internal ScalarType DType { get; }

            internal virtual bool RequiresGradLeaf => false;

            /// <summary>The gradient, null until a backward pass computes one (a property since TorchSharp 0.102.5).</summary>
            public Tensor? grad { get; set; }

            /// <summary>Element-wise product.</summary>
            /// <param name="target">The other operand (same size, or one element).</param>
            /// <returns>A new tensor.</returns>
            public Tensor mul(Tensor target) => Zip(target, (a, b) => a * b);

            /// <summary>Product with a scalar.</summary>
            /// <param name="target">The scalar.</param>
            /// <returns>A new tensor.</returns>
            public Tensor mul(Scalar target) => Map(a => a * target.Value);

            /// <summary>In-place product with a scalar.</summary>
            /// <param name="target">The scalar.</param>
            /// <returns>This tensor.</returns>
            public Tensor mul_(Scalar target) => Set(Map(a => a * target.Value));

            /// <summary>In-place element-wise product (a real overload that competes with <see cref="mul_(Scalar)"/>).</summary>
            /// <param name="target">The other operand.</param>
            /// <returns>This tensor.</returns>
            public Tensor mul_(Tensor target) => Set(mul(target));

            /// <summary>this + target.</summary>
            /// <param name="target">The other operand.</param>
            /// <returns>A new tensor.</returns>
            public Tensor add(Tensor target) => add(target, 1);

            /// <summary>this + alpha·target.</summary>
            /// <param name="target">The other operand.</param>
            /// <param name="alpha">Its factor.</param>
            /// <returns>A new tensor.</returns>
            public Tensor add(Tensor target, Scalar alpha) => Zip(target, (a, b) => a + alpha.Value * b);

            /// <summary>this + scalar.</summary>
            /// <param name="scalar">The scalar.</param>
            /// <returns>A new tensor.</returns>
            public Tensor add(Scalar scalar) => add(scalar, 1);

            /// <summary>this + alpha·scalar.</summary>
            /// <param name="scalar">The scalar.</param>
            /// <param name="alpha">Its factor.</param>
            /// <returns>A new tensor.</returns>
            public Tensor add(Scalar scalar, Scalar alpha) => Map(a => a + alpha.Value * scalar.Value);

            /// <summary>In place: this += target.</summary>
            /// <param name="target">The other operand.</param>
            /// <returns>This tensor.</returns>
            public Tensor add_(Tensor target) => add_(target, 1);

            /// <summary>In place: this += alpha·target.</summary>
            /// <param name="target">The other operand.</param>
            /// <param name="alpha">Its factor.</param>
            /// <returns>This tensor.</returns>
            public Tensor add_(Tensor target, Scalar alpha) => Set(add(target, alpha));

            /// <summary>In place: this += scalar.</summary>
            /// <param name="scalar">The scalar.</param>
            /// <returns>This tensor.</returns>
            public Tensor add_(Scalar scalar) => add_(scalar, 1);

            /// <summary>In place: this += alpha·scalar.</summary>
            /// <param name="scalar">The scalar.</param>
            /// <param name="alpha">Its factor.</param>
            /// <returns>This tensor.</returns>
            public Tensor add_(Scalar scalar, Scalar alpha) => Set(add(scalar, alpha));

            /// <summary>In place: this /= target, element-wise (a real overload that competes with <see cref="div_(Scalar, RoundingMode)"/>).</summary>
            /// <param name="target">The denominator.</param>
            /// <param name="rounding_mode">Only <see cref="RoundingMode.None"/> in the stub.</param>
            /// <returns>This tensor.</returns>
            public Tensor div_(Tensor target, RoundingMode rounding_mode = RoundingMode.None) => Set(NoRounding(Zip(target, (a, b) => a / b), rounding_mode));

            /// <summary>In place: this /= scalar.</summary>
            /// <param name="target">The scalar.</param>
            /// <param name="rounding_mode">Only <see cref="RoundingMode.None"/> in the stub.</param>
            /// <returns>This tensor.</returns>
            public Tensor div_(Scalar target, RoundingMode rounding_mode = RoundingMode.None) => Set(NoRounding(Map(a => a / target.Value), rounding_mode));

            /// <summary>In place: this += value·tensor1·tensor2.</summary>
            /// <param name="tensor1">First factor.</param>
            /// <param name="tensor2">Second factor.</param>
            /// <param name="value">Scale.</param>
            /// <returns>This tensor.</returns>
            public Tensor addcmul_(Tensor tensor1, Tensor tensor2, Scalar value) => Set(add(tensor1.mul(tensor2), value));

            /// <summary>In place: this += value·tensor1/tensor2.</summary>
            /// <param name="tensor1">Numerator.</param>
            /// <param name="tensor2">Denominator.</param>
            /// <param name="value">Scale.</param>
            /// <returns>This tensor.</returns>
            public Tensor addcdiv_(Tensor tensor1, Tensor tensor2, Scalar value) => Set(add(tensor1.Zip(tensor2, (a, b) => a / b), value));

            /// <summary>In place: this += tensor1/tensor2.</summary>
            /// <param name="tensor1">Numerator.</param>
            /// <param name="tensor2">Denominator.</param>
            /// <returns>This tensor.</returns>
            public Tensor addcdiv_(Tensor tensor1, Tensor tensor2) => addcdiv_(tensor1, tensor2, 1);

            /// <summary>Element-wise square root.</summary>
            /// <returns>A new tensor.</returns>
            public Tensor sqrt() => Map(Math.Sqrt);

            /// <summary>In-place square root.</summary>
            /// <returns>This tensor.</returns>
            public Tensor sqrt_() => Set(sqrt());

            /// <summary>Element-wise maximum (the instance form; <c>torch.maximum</c> calls it).</summary>
            /// <param name="other">The other operand.</param>
            /// <returns>A new tensor.</returns>
            public Tensor maximum(Tensor other) => Zip(other, Math.Max);

            /// <summary>The sum of all elements.</summary>
            /// <param name="type">The result's element type (this tensor's when null).</param>
            /// <returns>A one-element tensor.</returns>
            public Tensor sum(ScalarType? type = null) => new(new[] { Values.Sum() }, type ?? DType);

            /// <summary>The sum along dimensions (the stub is flat: only a full reduction).</summary>
            /// <param name="dim">The dimensions.</param>
            /// <param name="keepdim">Ignored by the stub.</param>
            /// <param name="type">The result's element type.</param>
            /// <returns>The tensor.</returns>
            public Tensor sum(long[] dim, bool keepdim = false, ScalarType? type = null) => sum(type);

            /// <summary>The sum along dimensions (the stub is flat: only a full reduction).</summary>
            /// <param name="dim">The dimensions.</param>
            /// <param name="keepdim">Ignored by the stub.</param>
            /// <param name="type">The result's element type.</param>
            /// <returns>The tensor.</returns>
            public Tensor sum(ReadOnlySpan<long> dim, bool keepdim = false, ScalarType? type = null) => sum(type);

            /// <summary>The sum along a dimension (the stub is flat: only a full reduction).</summary>
            /// <param name="dim">The dimension.</param>
            /// <param name="keepdim">Ignored by the stub.</param>
            /// <param name="type">The result's element type.</param>
            /// <returns>The tensor.</returns>
            public Tensor sum(long dim, bool keepdim = false, ScalarType? type = null) => sum(type);

            /// <summary>The sum along two dimensions (the stub is flat: only a full reduction).</summary>
            /// <param name="dim0">The first dimension.</param>
            /// <param name="dim1">The second dimension.</param>
            /// <param name="keepdim">Ignored by the stub.</param>
            /// <param name="type">The result's element type.</param>
            /// <returns>The tensor.</returns>
            public Tensor sum(long dim0, long dim1, bool keepdim = false, ScalarType? type = null) => sum(type);

            /// <summary>Copies <paramref name="source"/> into this tensor.</summary>
            /// <param name="source">Same size, or one element.</param>
            /// <param name="nonBlocking">Ignored by the stub.</param>
            /// <returns>This tensor.</returns>
            public Tensor copy_(Tensor source, bool nonBlocking = false) => Set(Zip(source, (_, b) => b));

            /// <summary>Fills with zeros.</summary>
            /// <returns>This tensor.</returns>
            public Tensor zero_() => Set(Map(_ => 0));

            /// <summary>Casts to another element type.</summary>
            /// <param name="type">The element type.</param>
            /// <param name="copy">Ignored by the stub (always a new tensor).</param>
            /// <returns>The tensor.</returns>
            public Tensor to_type(ScalarType type, bool copy = false) => new(Values, type);

            /// <summary>Casts to another element type (alias of <see cref="to_type"/>).</summary>
            /// <param name="type">The element type.</param>
            /// <returns>The tensor.</returns>
            public Tensor to(ScalarType type) => to_type(type);

            /// <summary>Zeros shaped like this tensor (the instance form; <c>torch.zeros_like</c> calls it).</summary>
            /// <param name="dtype">The element type (this tensor's when null).</param>
            /// <param name="device">Ignored by the stub.</param>
            /// <param name="requires_grad">Ignored by the stub.</param>
            /// <returns>The tensor.</returns>
            public Tensor zeros_like(ScalarType? dtype = null, Device? device = null, bool requires_grad = false) => new(new double[Values.Length], dtype ?? DType);

            /// <summary>The value of a one-element tensor.</summary>
            /// <typeparam name="T">The .NET type matching the element type.</typeparam>
            /// <returns>The value.</returns>
            public T item<T>()
                where T : unmanaged
            {
                if (Values.Length != 1)
                {
                    throw new ArgumentException("Number of elements in the tensor must be 1");
                }

                return data<T>().ToArray()[0];
            }

            /// <summary>A view or copy with another shape (the stub is flat).</summary>
            /// <param name="shape">Ignored by the stub.</param>
            /// <returns>The tensor.</returns>
            public Tensor reshape(params long[] shape) => new(Values, DType);

            /// <summary>This tensor on the CPU.</summary>
            /// <returns>The tensor.</returns>
            public Tensor cpu() => this;

            /// <summary>Element access on the CPU.</summary>
            /// <typeparam name="T">The .NET type matching the element type.</typeparam>
            /// <returns>The accessor.</returns>
            public Utils.TensorAccessor<T> data<T>()
                where T : unmanaged
            {
                // As TorchSharp's ValidateType: the .NET type must match the element type.
                bool ok = DType switch
                {
                    ScalarType.Float32 => typeof(T) == typeof(float),
                    ScalarType.Float64 => typeof(T) == typeof(double),
                    ScalarType.Int64 => typeof(T) == typeof(long),
                    _ => false,
                };
                if (!ok)
                {
                    throw new ArgumentException($"{typeof(T).Name} is not compatible with {DType}");
                }

                return new Utils.TensorAccessor<T>(Values);
            }

            /// <summary>Removes the tensor from the dispose scope it was created in.</summary>
            /// <returns>This tensor.</returns>
            public Tensor DetachFromDisposeScope() => this;

            // TorchSharp converts .NET numbers implicitly to both Tensor (here) and Scalar, so an untyped number passed
            // where a method is overloaded on Tensor and Scalar (mul, add_, div_, ...) is ambiguous (CS0121); the
            // generated code passes typed Scalars. Tensor(Scalar) exists only to steer overload resolution and throws.

            /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(byte value) => Of(value, ScalarType.Byte);

            /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(sbyte value) => Of(value, ScalarType.Int8);

            /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(short value) => Of(value, ScalarType.Int16);

            /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(int value) => Of(value, ScalarType.Int32);

            /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(long value) => Of(value, ScalarType.Int64);

            /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(float value) => Of(value, ScalarType.Float32);

            /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(double value) => Of(value, ScalarType.Float64);

            /// <summary>A 0-d tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(bool value) => Of(value ? 1 : 0, ScalarType.Bool);

            /// <summary>A 0-d complex tensor; the stub keeps the real part.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor((float, float) value) => Of(value.Item1, ScalarType.ComplexFloat32);

            /// <summary>A 0-d complex tensor; the stub keeps the real part.</summary>
            /// <param name="value">The value.</param>
            public static implicit operator Tensor(System.Numerics.Complex value) => Of(value.Real, ScalarType.ComplexFloat64);

            /// <summary>A 1-D tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The values.</param>
            public static implicit operator Tensor(float[] value) => new(value.Select(v => (double)v).ToArray(), ScalarType.Float32);

            /// <summary>A 1-D tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The values.</param>
            public static implicit operator Tensor(double[] value) => new(value, ScalarType.Float64);

            /// <summary>A 1-D tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The values.</param>
            public static implicit operator Tensor(long[] value) => new(value.Select(v => (double)v).ToArray(), ScalarType.Int64);

            /// <summary>A 1-D tensor holding <paramref name="value"/>.</summary>
            /// <param name="value">The values.</param>
            public static implicit operator Tensor(int[] value) => new(value.Select(v => (double)v).ToArray(), ScalarType.Int32);

            /// <summary>Only guides overload resolution, as in TorchSharp; never to be invoked.</summary>
            /// <param name="scalar">The scalar.</param>
            public static implicit operator Tensor(Scalar scalar) =>
                throw new InvalidOperationException("Implicit conversion from Scalar to Tensor -- this should never be invoked, the operator is only here to guide the compiler's overload resolution.");

            /// <inheritdoc/>
            public void Dispose()
            {
            }

            private static Tensor Of(double value, ScalarType dtype) => new(new[] { value }, dtype);

            private static Tensor NoRounding(Tensor result, RoundingMode mode) =>
                mode == RoundingMode.None ? result : throw new NotSupportedException("The TorchSharp stub only divides without rounding.");

            internal Tensor Zip(Tensor other, Func<double, double, double> f)
            {
                if (other.Values.Length != Values.Length && other.Values.Length != 1)
                {
                    throw new ArgumentException($"Sizes {Values.Length} and {other.Values.Length} do not broadcast.");
                }

                return new Tensor(Values.Select((a, i) => f(a, other.Values[other.Values.Length == 1 ? 0 : i])).ToArray(), DType);
            }

            private Tensor Map(Func<double, double> f) => new(Values.Select(f).ToArray(), DType);

            private Tensor Set(Tensor result)
            {
                // As libtorch: an in-place write to a leaf that requires grad is an error unless grad mode is off,
                // so a generated phase that writes a parameter outside torch.no_grad() fails here as it would for real.
                if (RequiresGradLeaf && is_grad_enabled())
                {
                    throw new InvalidOperationException("a leaf Variable that requires grad is being used in an in-place operation.");
                }

                Array.Copy(result.Values, Values, Values.Length);
                return this;
            }

            private static double Round(double v, ScalarType dtype) => dtype switch
            {
                ScalarType.Float32 => (float)v,
                ScalarType.Int64 => Math.Truncate(v),
                _ => v,
            };
        }
    }
}

namespace TorchSharp.Utils
{
    /// <summary>CPU element access (src/TorchSharp/Utils/TensorAccessor.cs).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    public sealed class TensorAccessor<T> : IDisposable, System.Collections.Generic.IEnumerable<T>
        where T : unmanaged
    {
        private readonly double[] _values;

        internal TensorAccessor(double[] values)
        {
            _values = values;
        }

        /// <summary>The elements, copied.</summary>
        /// <returns>The array.</returns>
        public T[] ToArray() => _values.Select(v => (T)Convert.ChangeType(v, typeof(T), System.Globalization.CultureInfo.InvariantCulture)).ToArray();

        /// <inheritdoc/>
        public System.Collections.Generic.IEnumerator<T> GetEnumerator() => ((System.Collections.Generic.IEnumerable<T>)ToArray()).GetEnumerator();

        /// <inheritdoc/>
        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        /// <inheritdoc/>
        public void Dispose()
        {
        }
    }
}

namespace TorchSharp.Modules
{
    /// <summary>A tensor registered as a module parameter (src/TorchSharp/NN/Parameter.cs).</summary>
    public class Parameter : torch.Tensor
    {
        private readonly bool _requiresGrad;

        internal Parameter(torch.Tensor data, bool requiresGrad = true)
            : base(data.Values, data.DType)
        {
            _requiresGrad = requiresGrad;
        }

        internal override bool RequiresGradLeaf => _requiresGrad;
    }
}
