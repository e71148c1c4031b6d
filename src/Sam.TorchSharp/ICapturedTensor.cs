using System;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam;

/// <summary>What the optimizer needs of a parameter's storage beyond <see cref="ParameterStorage"/>: its name and tensor, identity, and the moved check.</summary>
internal interface ICapturedTensor : IDisposable
{
    /// <summary>The parameter's name in <c>named_parameters()</c>.</summary>
    string Name { get; }

    /// <summary>The TorchSharp parameter.</summary>
    TorchParameter Tensor { get; }

    /// <summary>The address of the parameter's own memory (to recognise a parameter reached under two names).</summary>
    IntPtr TrainedAddress { get; }

    /// <summary>Throws when the parameter no longer is the tensor captured.</summary>
    void ThrowIfMoved();
}
