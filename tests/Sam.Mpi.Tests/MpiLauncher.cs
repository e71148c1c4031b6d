using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace Sam.Mpi.Tests;

/// <summary>Runs the test app under <c>mpiexec -n N</c> (MPICH's launcher) and collects its output.</summary>
public static class MpiLauncher
{
    public sealed record Run(int Ranks, int ExitCode, string Output, TimeSpan Elapsed);

    /// <summary>MPICH's launcher: mpiexec.mpich where Debian installs both names, else mpiexec on PATH.</summary>
    public static string Find()
    {
        string[] path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        foreach (string name in new[] { "mpiexec.mpich", "mpiexec" })
        {
            string? found = path.Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
            if (found is not null)
            {
                return found;
            }
        }

        throw new InvalidOperationException(
            "mpiexec was not found on PATH: the MPI tests need MPICH. Install it (Debian/Ubuntu: sudo apt-get install -y mpich; " +
            ".ci/run does this on a fresh machine) and run the tests again.");
    }

    /// <summary>Runs the test app (tests/Sam.Mpi.TestApp, copied next to the tests) with <paramref name="arguments"/>.</summary>
    public static Run Launch(int ranks, TimeSpan timeout, params string[] arguments) =>
        Launch(ranks, timeout, Path.Combine(AppContext.BaseDirectory, "Sam.Mpi.TestApp.dll"), arguments);

    public static Run Launch(int ranks, TimeSpan timeout, string app, string[] arguments)
    {
        // Each rank writes the lines the tests read to its own file: mpiexec forwards stdout in chunks that can split lines.
        string outputDirectory = Directory.CreateTempSubdirectory("sam-mpi-").FullName;
        arguments = [.. arguments, "out=" + outputDirectory];
        var info = new ProcessStartInfo(Find())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { "-n", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), "dotnet", app }.Concat(arguments))
        {
            info.ArgumentList.Add(a);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        var clock = Stopwatch.StartNew();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"mpiexec -n {ranks} {string.Join(' ', arguments)} did not finish within {timeout.TotalSeconds} s (a rank hangs). Output so far:\n{output}");
        }

        process.WaitForExit(); // flushes the asynchronous readers
        var lines = new StringBuilder();
        foreach (string file in Directory.GetFiles(outputDirectory, "rank-*.txt").Order(StringComparer.Ordinal))
        {
            lines.Append(File.ReadAllText(file));
        }

        Directory.Delete(outputDirectory, recursive: true);
        return new Run(ranks, process.ExitCode, lines + "--- mpiexec output ---\n" + output, clock.Elapsed);
    }
}
