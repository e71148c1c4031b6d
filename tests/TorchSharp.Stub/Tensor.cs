using System;

namespace TorchSharp
{
    public static partial class torch
    {
        /// <summary>TorchSharp's tensor (src/TorchSharp/Tensor/Tensor.cs and partial files).</summary>
        public partial class Tensor : IDisposable
        {
            internal Tensor()
            {
            }

            /// <summary>The gradient, null until a backward pass computes one (a property since TorchSharp 0.102.5).</summary>
            public Tensor? grad { get => throw Stub.Missing(); set => throw Stub.Missing(); }

            /// <summary>Element-wise product.</summary>
            public Tensor mul(Tensor target) => throw Stub.Missing();

            /// <summary>Product with a scalar.</summary>
            public Tensor mul(Scalar target) => throw Stub.Missing();

            /// <summary>In-place product with a scalar.</summary>
            public Tensor mul_(Scalar target) => throw Stub.Missing();

            /// <summary>this + alpha·target.</summary>
            public Tensor add(Tensor target, Scalar alpha) => throw Stub.Missing();

            /// <summary>In place: this += alpha·target.</summary>
            public Tensor add_(Tensor target, Scalar alpha) => throw Stub.Missing();

            /// <summary>In place: this += scalar.</summary>
            public Tensor add_(Scalar scalar) => throw Stub.Missing();

            /// <summary>In place: this /= scalar.</summary>
            public Tensor div_(Scalar target) => throw Stub.Missing();

            /// <summary>In place: this += value·tensor1·tensor2.</summary>
            public Tensor addcmul_(Tensor tensor1, Tensor tensor2, Scalar value) => throw Stub.Missing();

            /// <summary>In place: this += value·tensor1/tensor2.</summary>
            public Tensor addcdiv_(Tensor tensor1, Tensor tensor2, Scalar value) => throw Stub.Missing();

            /// <summary>Element-wise square root.</summary>
            public Tensor sqrt() => throw Stub.Missing();

            /// <summary>The sum of all elements.</summary>
            public Tensor sum(ScalarType? type = null) => throw Stub.Missing();

            /// <summary>Copies <paramref name="source"/> into this tensor.</summary>
            public Tensor copy_(Tensor source, bool nonBlocking = false) => throw Stub.Missing();

            /// <summary>Fills with zeros.</summary>
            public Tensor zero_() => throw Stub.Missing();

            /// <summary>Casts to another element type.</summary>
            public Tensor to_type(ScalarType type, bool copy = false) => throw Stub.Missing();

            /// <summary>The value of a one-element tensor.</summary>
            public T item<T>()
                where T : unmanaged => throw Stub.Missing();

            /// <summary>A view or copy with another shape.</summary>
            public Tensor reshape(params long[] shape) => throw Stub.Missing();

            /// <summary>This tensor on the CPU.</summary>
            public Tensor cpu() => throw Stub.Missing();

            /// <summary>Element access on the CPU.</summary>
            public Utils.TensorAccessor<T> data<T>()
                where T : unmanaged => throw Stub.Missing();

            /// <summary>Removes the tensor from the dispose scope it was created in.</summary>
            public Tensor DetachFromDisposeScope() => throw Stub.Missing();

            /// <inheritdoc/>
            public void Dispose() => throw Stub.Missing();
        }
    }
}

namespace TorchSharp.Utils
{
    /// <summary>CPU element access (src/TorchSharp/Utils/TensorAccessor.cs).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    public sealed class TensorAccessor<T> : IDisposable
        where T : unmanaged
    {
        internal TensorAccessor()
        {
        }

        /// <summary>The elements, copied.</summary>
        public T[] ToArray() => throw Stub.Missing();

        /// <inheritdoc/>
        public void Dispose() => throw Stub.Missing();
    }
}

namespace TorchSharp.Modules
{
    /// <summary>A tensor registered as a module parameter (src/TorchSharp/NN/Parameter.cs).</summary>
    public class Parameter : torch.Tensor
    {
        internal Parameter()
        {
        }
    }
}
