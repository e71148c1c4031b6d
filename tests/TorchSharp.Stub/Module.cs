using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using TorchSharp.Modules;

namespace TorchSharp
{
    public static partial class torch
    {
        public static partial class nn
        {
            /// <summary>Base class of all modules (src/TorchSharp/NN/Module.cs); the stub keeps the registrations in lists.</summary>
            public class Module : IDisposable
            {
                private readonly List<(string Name, Parameter Value)> _parameters = new();
                private readonly List<(string Name, Tensor Value)> _buffers = new();
                private readonly List<(string Name, Module Value)> _modules = new();

                /// <summary>Constructor for custom modules.</summary>
                /// <param name="name">The module's name.</param>
                protected Module(string name)
                {
                }

                /// <summary>The parameters with their dotted names, in registration order.</summary>
                /// <param name="recurse">Include the sub-modules' parameters.</param>
                /// <returns>(name, parameter) pairs.</returns>
                public virtual IEnumerable<(string name, Parameter parameter)> named_parameters(bool recurse = true) =>
                    _parameters.Concat(recurse ? _modules.SelectMany(m => m.Value.named_parameters().Select(p => (m.Name + "." + p.name, p.parameter))) : []);

                /// <summary>The buffers with their dotted names, in registration order.</summary>
                /// <param name="recurse">Include the sub-modules' buffers.</param>
                /// <param name="include_nonpersistent">Include buffers registered with persistent: false (TorchSharp 0.101.2+); the stub keeps no such flag.</param>
                /// <returns>(name, buffer) pairs.</returns>
                public virtual IEnumerable<(string name, Tensor buffer)> named_buffers(bool recurse = true, bool include_nonpersistent = true) =>
                    _buffers.Concat(recurse ? _modules.SelectMany(m => m.Value.named_buffers().Select(b => (m.Name + "." + b.name, b.buffer))) : []);

                /// <summary>Adds a parameter.</summary>
                /// <param name="name">Its name.</param>
                /// <param name="param">The parameter.</param>
                public virtual void register_parameter(string name, Parameter param) => _parameters.Add((name, param));

                /// <summary>Adds a buffer (state that is not a parameter, e.g. running statistics).</summary>
                /// <param name="name">Its name.</param>
                /// <param name="tensor">The buffer.</param>
                /// <param name="persistent">Whether state_dict() includes it (TorchSharp 0.101.2+); ignored by the stub.</param>
                public virtual void register_buffer(string name, Tensor tensor, bool persistent = true) => _buffers.Add((name, tensor));

                /// <summary>Adds a sub-module.</summary>
                /// <param name="name">Its name.</param>
                /// <param name="submodule">The module.</param>
                public virtual void register_module(string name, Module submodule) => _modules.Add((name, submodule));

                /// <summary>Registers the fields holding modules, parameters and buffers, as TorchSharp does by reflection.</summary>
                protected virtual void RegisterComponents()
                {
                    foreach (FieldInfo field in GetType().GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
                    {
                        string name = field.Name;
                        if (_parameters.Any(p => p.Name == name) || _buffers.Any(b => b.Name == name) || _modules.Any(m => m.Name == name))
                        {
                            continue;
                        }

                        switch (field.GetValue(this))
                        {
                            case Module module:
                                register_module(name, module);
                                break;
                            case Parameter parameter:
                                register_parameter(name, parameter);
                                break;
                            case Tensor tensor:
                                register_buffer(name, tensor);
                                break;
                        }
                    }
                }

                /// <inheritdoc/>
                public void Dispose()
                {
                }
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

            /// <summary>Wraps a tensor as a parameter (src/TorchSharp/NN/Parameter.cs).</summary>
            /// <param name="data">The values.</param>
            /// <param name="requires_grad">Whether it is a leaf that requires grad: in-place writes to it then need torch.no_grad() (a frozen parameter also never gets a gradient).</param>
            /// <returns>The parameter.</returns>
            public static Parameter Parameter(Tensor data, bool requires_grad = true) => new(data, requires_grad);

            /// <summary>A linear layer (factory in src/TorchSharp/NN/Linear.cs); the stub's weights are deterministic.</summary>
            /// <param name="inputSize">Input features.</param>
            /// <param name="outputSize">Output features.</param>
            /// <param name="hasBias">With a bias.</param>
            /// <param name="device">Ignored by the stub.</param>
            /// <param name="dtype">Ignored by the stub.</param>
            /// <returns>The layer.</returns>
            public static Linear Linear(long inputSize, long outputSize, bool hasBias = true, Device? device = null, ScalarType? dtype = null) =>
                new(inputSize, outputSize, hasBias);

            /// <summary>A 1-D batch norm (factory in src/TorchSharp/NN/Normalization/BatchNorm1D.cs).</summary>
            /// <param name="num_features">Channels.</param>
            /// <param name="eps">Ignored by the stub.</param>
            /// <param name="momentum">Ignored by the stub.</param>
            /// <param name="affine">Ignored by the stub.</param>
            /// <param name="track_running_stats">Ignored by the stub.</param>
            /// <param name="device">Ignored by the stub.</param>
            /// <param name="dtype">Ignored by the stub.</param>
            /// <returns>The layer.</returns>
            public static BatchNorm1d BatchNorm1d(long num_features, double eps = 1e-05, double momentum = 0.1, bool affine = true, bool track_running_stats = true, Device? device = null, ScalarType? dtype = null) =>
                new(num_features);
        }
    }
}

namespace TorchSharp.Modules
{
    /// <summary>y = xWᵀ + b.</summary>
    public sealed class Linear : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
        internal Linear(long inputSize, long outputSize, bool hasBias)
            : base("Linear")
        {
            int n = checked((int)(inputSize * outputSize));
            register_parameter("weight", torch.nn.Parameter(torch.tensor(Enumerable.Range(0, n).Select(i => (float)Math.Sin(i + 1) * 0.5f).ToArray())));
            if (hasBias)
            {
                register_parameter("bias", torch.nn.Parameter(torch.tensor(Enumerable.Range(0, (int)outputSize).Select(i => 0.1f * (i + 1)).ToArray())));
            }
        }

        /// <inheritdoc/>
        public override torch.Tensor forward(torch.Tensor input) => throw new NotSupportedException("The TorchSharp stub has no forward passes.");
    }

    /// <summary>Base of the batch and instance norms (src/TorchSharp/NN/Normalization/NormBase.cs).</summary>
    public abstract class NormBase : torch.nn.Module<torch.Tensor, torch.Tensor>
    {
        internal NormBase(long numFeatures)
            : base("Norm")
        {
            int n = checked((int)numFeatures);
            register_parameter("weight", torch.nn.Parameter(torch.tensor(Enumerable.Repeat(1f, n).ToArray())));
            register_parameter("bias", torch.nn.Parameter(torch.tensor(new float[n])));
            register_buffer("running_mean", torch.tensor(new float[n]));
            register_buffer("running_var", torch.tensor(Enumerable.Repeat(1f, n).ToArray()));
            register_buffer("num_batches_tracked", torch.tensor(new float[1], torch.ScalarType.Int64));
        }
    }

    /// <summary>Base of BatchNorm1d/2d/3d (src/TorchSharp/NN/Normalization/BatchNorm.cs).</summary>
    public abstract class BatchNorm : NormBase
    {
        internal BatchNorm(long numFeatures)
            : base(numFeatures)
        {
        }

        /// <inheritdoc/>
        public override torch.Tensor forward(torch.Tensor input) => throw new NotSupportedException("The TorchSharp stub has no forward passes.");
    }

    /// <summary>Batch norm over (N, C) or (N, C, L) input.</summary>
    public sealed class BatchNorm1d : BatchNorm
    {
        internal BatchNorm1d(long numFeatures)
            : base(numFeatures)
        {
        }
    }
}
