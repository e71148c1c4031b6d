using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Xunit;

namespace Sam.Mpi.Tests;

// A TorchSharp module made data-parallel through TorchSamOptimizer.Core: each rank compares its weights with the
// single-process reference it computes itself (tests/Sam.Mpi.TorchTestApp), and the ranks compare checksums.
public sealed class TorchSharpDataParallelTests
{
    [Fact]
    public void A_TorchSharp_module_on_2_ranks_matches_single_process_SAM_and_m_sharpness_with_identical_weights()
    {
        string app = TorchApp();
        MpiLauncher.Run run = MpiLauncher.Launch(2, TimeSpan.FromSeconds(120), app, []);
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{run.Output}");
        var lines = MpiRuns.Lines(run, "torch");
        Assert.True(lines.Count == 4, run.Output); // 2 modes × 2 ranks
        foreach (var line in lines)
        {
            double diff = double.Parse(line["maxdiff"], CultureInfo.InvariantCulture);
            Assert.True(diff <= 2e-6, $"mode={line["mode"]} rank={line["rank"]}: weights differ from the single-process reference by {diff}");
            Assert.Equal("True", line["identical"]);
        }
    }

    // The app is built with the solution; run alone, this test builds it (it carries libtorch, so the test project
    // does not reference it and copy libtorch into its own output).
    private static string TorchApp()
    {
        string dir = AppContext.BaseDirectory;
        string configuration = dir.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string root = dir;
        while (!File.Exists(Path.Combine(root, "Sam.Dsl.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Sam.Dsl.sln not found above " + dir);
        }

        string project = Path.Combine(root, "tests", "Sam.Mpi.TorchTestApp");
        string app = Path.Combine(project, "bin", configuration, "net10.0", "Sam.Mpi.TorchTestApp.dll");
        if (!File.Exists(app))
        {
            using Process build = Process.Start(new ProcessStartInfo("dotnet", ["build", project, "-c", configuration]) { RedirectStandardOutput = true })!;
            string log = build.StandardOutput.ReadToEnd();
            build.WaitForExit();
            Assert.True(build.ExitCode == 0, log);
        }

        return app;
    }
}
