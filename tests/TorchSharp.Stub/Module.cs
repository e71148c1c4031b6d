using System;
using System.Collections.Generic;
using TorchSharp.Modules;

namespace TorchSharp
{
    public static partial class torch
    {
        public static partial class nn
        {
            /// <summary>Base class of all modules (src/TorchSharp/NN/Module.cs).</summary>
            public class Module : IDisposable
            {
                /// <summary>Constructor for custom modules.</summary>
                /// <param name="name">The module's name.</param>
                protected Module(string name)
                {
                }

                /// <summary>The parameters with their dotted names, in registration order.</summary>
                public virtual IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true) => throw Stub.Missing();

                /// <summary>The buffers with their dotted names, in registration order.</summary>
                public virtual IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true) => throw Stub.Missing();

                /// <summary>Registers the fields holding modules, parameters and buffers.</summary>
                protected virtual void RegisterComponents() => throw Stub.Missing();

                /// <inheritdoc/>
                public void Dispose() => throw Stub.Missing();
            }

            /// <summary>A module that accepts hooks.</summary>
            /// <typeparam name="TPreHook">Pre-hook type.</typeparam>
            /// <typeparam name="TPostHook">Post-hook type.</typeparam>
            public class HookableModule<TPreHook, TPostHook> : Module
            {
                /// <summary>Constructor for custom modules.</summary>
                /// <param name="name">The module's name.</param>
                protected HookableModule(string name)
                    : base(name)
                {
                }
            }

            /// <summary>A module whose forward() takes one argument.</summary>
            /// <typeparam name="T">The argument type.</typeparam>
            /// <typeparam name="TResult">The result type.</typeparam>
            public abstract class Module<T, TResult> : HookableModule<Func<Module<T, TResult>, T, T>, Func<Module<T, TResult>, T, TResult, TResult>>
            {
                /// <summary>Constructor for custom modules.</summary>
                /// <param name="name">The module's name.</param>
                protected Module(string name)
                    : base(name)
                {
                }

                /// <summary>The module's logic.</summary>
                /// <param name="input">The input.</param>
                /// <returns>The output.</returns>
                public abstract TResult forward(T input);
            }

            /// <summary>A linear layer (factory in src/TorchSharp/NN/Linear.cs).</summary>
            public static Linear Linear(long inputSize, long outputSize, bool hasBias = true, Device? device = null, ScalarType? dtype = null) => throw Stub.Missing();

            /// <summary>A 1-D batch norm (factory in src/TorchSharp/NN/Normalization/BatchNorm1D.cs).</summary>
            public static BatchNorm1d BatchNorm1d(long num_features, double eps = 1e-05, double momentum = 0.1, bool affine = true, bool track_running_stats = true, Device? device = null, ScalarType? dtype = null) => throw Stub.Missing();
        }
    }
}

namespace TorchSharp.Modules
{
    /// <summary>y = xWᵀ + b.</summary>
    public sealed class Linear : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
        internal Linear()
            : base("Linear")
        {
        }

        /// <inheritdoc/>
        public override torch.Tensor forward(torch.Tensor input) => throw Stub.Missing();
    }

    /// <summary>Base of the batch and instance norms (src/TorchSharp/NN/Normalization/NormBase.cs).</summary>
    public abstract class NormBase : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
        internal NormBase()
            : base("Norm")
        {
        }
    }

    /// <summary>Base of BatchNorm1d/2d/3d (src/TorchSharp/NN/Normalization/BatchNorm.cs).</summary>
    public abstract class BatchNorm : NormBase
    {
        internal BatchNorm()
        {
        }

        /// <inheritdoc/>
        public override torch.Tensor forward(torch.Tensor input) => throw Stub.Missing();
    }

    /// <summary>Batch norm over (N, C) or (N, C, L) input.</summary>
    public sealed class BatchNorm1d : BatchNorm
    {
        internal BatchNorm1d()
        {
        }
    }
}
