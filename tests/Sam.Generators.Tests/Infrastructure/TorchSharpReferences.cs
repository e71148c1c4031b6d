using Microsoft.CodeAnalysis;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// The real TorchSharp and Sam.TorchSharp assemblies, as metadata for compiling generated modules. Taking a type's
/// assembly location does not run TorchSharp's static constructor, so libtorch is never loaded here; executing
/// generated modules is tests/Sam.TorchSharp.Tests' job.
/// </summary>
public static class TorchSharpReferences
{
    /// <summary>TorchSharp.dll and Sam.TorchSharp.dll.</summary>
    public static MetadataReference[] All { get; } =
    [
        MetadataReference.CreateFromFile(typeof(TorchSharp.torch).Assembly.Location),
        MetadataReference.CreateFromFile(typeof(Sam.TorchSamOptimizer).Assembly.Location),
    ];
}
