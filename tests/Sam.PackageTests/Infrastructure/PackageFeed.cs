using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Sam.PackageTests.Infrastructure;

/// <summary>
/// Packs src/Sam.Runtime once per test run into a temporary folder feed, under a version no other build
/// has used, and lays out the isolated place consumer projects are created in:
/// <code>
/// {temp}/sam-dsl-package-test-{id}/
///   feed/Sam.Dsl.{version}.nupkg
///   artifacts/            pack's bin/obj (the repository's own bin/obj are never touched)
///   packages/             the consumers' restore folder (nothing lands in the machine's cache)
///   nuget.config          the feed + the machine's package folder: restore works offline
///   Directory.*.props     empty: nothing from an enclosing folder leaks in
///   {consumer}/...
/// </code>
/// </summary>
public sealed partial class PackageFeed : IDisposable
{
    public static readonly TimeSpan PackTimeout = TimeSpan.FromSeconds(240);

    public PackageFeed()
    {
        Version = "0.1.0-test." + DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);
        Root = Path.Combine(Path.GetTempPath(), "sam-dsl-package-test-" + Guid.NewGuid().ToString("N")[..12]);
        Assert.False(
            Path.GetFullPath(Root).StartsWith(RepositoryPaths.Root + Path.DirectorySeparatorChar, StringComparison.Ordinal),
            $"The temporary folder {Root} is inside the repository; consumers must be created outside it (set TMPDIR).");
        Directory.CreateDirectory(FeedFolder);
        Directory.CreateDirectory(PackagesFolder);

        // Barriers: MSBuild looks upward for these files; an empty one stops the search.
        File.WriteAllText(Path.Combine(Root, "Directory.Build.props"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Build.targets"), "<Project />\n");
        File.WriteAllText(Path.Combine(Root, "Directory.Packages.props"), "<Project />\n");
        MachinePackages = FindMachinePackageFolder();
        File.WriteAllText(Path.Combine(Root, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="sam-dsl-test-feed" value="{FeedFolder}" />
                <!-- Packages already restored on this machine for the repository's own build (none needed today). -->
                <add key="machine-packages" value="{MachinePackages}" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{PackagesFolder}" />
              </config>
            </configuration>
            """);

        Pack = DotnetCli.Run(
            RepositoryPaths.Root,
            PackTimeout,
            environment: null,
            "pack", RepositoryPaths.RuntimeProject, "--nologo", "-c", "Release",
            "-o", FeedFolder, "--artifacts-path", Path.Combine(Root, "artifacts"),
            "-p:Version=" + Version);
        PackagePath = Path.Combine(FeedFolder, $"Sam.Dsl.{Version}.nupkg");
    }

    /// <summary>The unique version packed, e.g. 0.1.0-test.638...</summary>
    public string Version { get; }

    public string Root { get; }

    public string FeedFolder => Path.Combine(Root, "feed");

    public string PackagesFolder => Path.Combine(Root, "packages");

    public string MachinePackages { get; }

    /// <summary>The pack command's outcome (asserted by each test so a failure is reported where it matters).</summary>
    public CliResult Pack { get; }

    public string PackagePath { get; }

    public void AssertPacked()
    {
        Assert.True(Pack.ExitCode == 0, "Packing Sam.Dsl failed.\n" + Pack.Describe());
        Assert.True(File.Exists(PackagePath), $"Expected {PackagePath}; the feed holds [{string.Join(", ", Directory.GetFiles(FeedFolder).Select(Path.GetFileName))}].\n" + Pack.Describe());
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("SAM_KEEP_PACKAGE_TEST") == "1")
        {
            return;
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A file still open (an antivirus, a slow exit): the OS cleans temp folders eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    // NUGET_PACKAGES, or the NuGet.Config setting, or ~/.nuget/packages: what `dotnet nuget locals` reports.
    private static string FindMachinePackageFolder()
    {
        CliResult locals = DotnetCli.Run(RepositoryPaths.Root, TimeSpan.FromSeconds(60), environment: null, "nuget", "locals", "global-packages", "--list");
        Match m = GlobalPackagesLine().Match(locals.Output);
        if (locals.ExitCode == 0 && m.Success && Directory.Exists(m.Groups[1].Value.Trim()))
        {
            return m.Groups[1].Value.Trim();
        }

        string? env = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        return !string.IsNullOrEmpty(env) ? env : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
    }

    [GeneratedRegex(@"global-packages:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex GlobalPackagesLine();
}
