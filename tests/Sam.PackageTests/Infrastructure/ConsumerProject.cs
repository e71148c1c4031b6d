using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Sam.PackageTests.Infrastructure;

/// <summary>
/// A fresh console project, outside the repository, that references only Sam.Dsl by version: the files of
/// tests/Sam.PackageTests/Consumer plus whatever a test adds.
/// </summary>
public sealed class ConsumerProject
{
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromSeconds(180);

    private static readonly Dictionary<string, string?> s_environment = new()
    {
        // The consumer restores into the feed's own folder (nuget.config), never the machine's cache.
        ["NUGET_PACKAGES"] = null,
    };

    private readonly PackageFeed _feed;

    public ConsumerProject(PackageFeed feed, string name, string extraProperties = "")
    {
        _feed = feed;
        Name = name;
        Directory = Path.Combine(feed.Root, name);
        System.IO.Directory.CreateDirectory(Directory);
        foreach (string file in System.IO.Directory.GetFiles(RepositoryPaths.ConsumerTemplate, "*.cs"))
        {
            File.Copy(file, Path.Combine(Directory, Path.GetFileName(file)));
        }

        // What `dotnet new console` writes, plus the package, strict warnings and readable generated code.
        File.WriteAllText(ProjectFile, $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
                <RestorePackagesPath>{feed.PackagesFolder}</RestorePackagesPath>
                {extraProperties}
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Sam.Dsl" Version="{feed.Version}" />
              </ItemGroup>
            </Project>
            """);
    }

    public string Name { get; }

    public string Directory { get; }

    public string ProjectFile => Path.Combine(Directory, Name + ".csproj");

    public string OutputAssembly => Path.Combine(Directory, "bin", "Release", "net10.0", Name + ".dll");

    /// <summary>Where EmitCompilerGeneratedFiles puts the generator's output.</summary>
    public string GeneratedFolder => Path.Combine(Directory, "obj", "Release", "net10.0", "generated", "Sam.Generators", "Sam.Generators.SamGenerator");

    public string AssetsFile => Path.Combine(Directory, "obj", "project.assets.json");

    public void AddFile(string fileName, string text) => File.WriteAllText(Path.Combine(Directory, fileName), text);

    public CliResult Build() =>
        DotnetCli.Run(Directory, BuildTimeout, s_environment, "build", ProjectFile, "--nologo", "-c", "Release", "-nodeReuse:false", "-p:UseSharedCompilation=false");

    public CliResult Run(params string[] arguments) =>
        DotnetCli.Run(Directory, TimeSpan.FromSeconds(60), s_environment, [OutputAssembly, .. arguments]);

    /// <summary>The generated source files, by file name.</summary>
    public IReadOnlyDictionary<string, string> GeneratedSources() =>
        System.IO.Directory.Exists(GeneratedFolder)
            ? System.IO.Directory.GetFiles(GeneratedFolder, "*.cs").ToDictionary(f => Path.GetFileName(f), File.ReadAllText)
            : new Dictionary<string, string>();
}
