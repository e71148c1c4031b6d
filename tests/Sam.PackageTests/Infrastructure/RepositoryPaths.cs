using System.IO;
using System.Runtime.CompilerServices;

namespace Sam.PackageTests.Infrastructure;

/// <summary>Locates the repository from this source file (test projects keep real paths: no ContinuousIntegrationBuild).</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string RuntimeProject => Path.Combine(Root, "src", "Sam.Runtime", "Sam.Runtime.csproj");

    public static string ConsumerTemplate => Path.Combine(Root, "tests", "Sam.PackageTests", "Consumer");

    public static string ApiFolder => Path.Combine(Root, "api");

    private static string FindRoot([CallerFilePath] string path = "")
    {
        // .../tests/Sam.PackageTests/Infrastructure/RepositoryPaths.cs → the folder holding Sam.Dsl.sln.
        string? dir = Path.GetDirectoryName(path);
        while (dir is not null && !File.Exists(Path.Combine(dir, "Sam.Dsl.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new DirectoryNotFoundException($"Sam.Dsl.sln not found above {path}.");
    }
}
