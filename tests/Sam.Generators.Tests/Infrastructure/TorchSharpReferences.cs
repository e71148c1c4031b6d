using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Where the TorchSharp the backend tests compile against comes from: the in-repo stub (always), or the real
/// TorchSharp.dll in the folder named by <see cref="EnvironmentVariable"/> (when set).
/// </summary>
public static class TorchSharpReferences
{
    /// <summary>A folder holding the real TorchSharp.dll and the libtorch native libraries next to it.</summary>
    public const string EnvironmentVariable = "TORCHSHARP_DIR";

    private static readonly Lazy<MetadataReference> s_stub = new(() =>
    {
        string path = typeof(TorchSharpReferences).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "TorchSharpStubPath").Value!;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The TorchSharp stub was not built; build tests/TorchSharp.Stub (the test project references it).", path);
        }

        return MetadataReference.CreateFromFile(path);
    });

    /// <summary>The compile-only stub (tests/TorchSharp.Stub), never loaded into the test process.</summary>
    public static MetadataReference Stub => s_stub.Value;

    /// <summary>The folder of the real TorchSharp, or null when the environment variable is not set.</summary>
    public static string? RealDirectory =>
        Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } dir ? dir : null;
}
