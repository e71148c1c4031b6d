using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Sam.Benchmarks;

/// <summary>
/// Runs the C reference kernels — stream_triad (built from ../shared/bench/stream_triad.c) and transactional_ref (from
/// bench/c/transactional_ref.c) — for a parameter count and thread count, and reads their JSON lines. Shared by the span
/// bench and the TorchSharp bench (linked into both).
/// </summary>
public static class CReference
{
    /// <summary>Each kernel's median ms under its name, and its minimum under "name/min".</summary>
    /// <param name="binaries">The C binaries, run one after the other.</param>
    /// <param name="n">Floats per buffer.</param>
    /// <param name="threads">OpenMP threads.</param>
    /// <returns>The medians and minimums.</returns>
    public static Dictionary<string, double> Run(IEnumerable<string> binaries, long n, int threads)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (string binary in binaries)
        {
            Run(binary, n, threads, result);
        }

        return result;
    }

    /// <summary>Runs a peer (a C binary, the PyTorch script) to its end and parses each line it printed as JSON.</summary>
    /// <param name="psi">The process, with standard output and error redirected.</param>
    /// <returns>Each line's root element.</returns>
    public static List<JsonElement> JsonLines(ProcessStartInfo psi)
    {
        using Process p = Process.Start(psi)!;
        var errors = p.StandardError.ReadToEndAsync(); // drained alongside, so a chatty peer cannot block on a full pipe
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        errors.Wait();
        var lines = new List<JsonElement>();
        foreach (string line in stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            lines.Add(doc.RootElement.Clone());
        }

        return lines;
    }

    private static void Run(string binary, long n, int threads, Dictionary<string, double> result)
    {
        int reps = (int)Math.Clamp(1e9 / n, 10, 300);
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(n.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(reps.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        psi.Environment["OMP_PROC_BIND"] = "false";
        foreach (JsonElement line in JsonLines(psi))
        {
            if (line.TryGetProperty("kernel", out JsonElement kernel))
            {
                result[kernel.GetString()!] = line.GetProperty("median_ms").GetDouble();
                result[kernel.GetString()! + "/min"] = line.GetProperty("min_ms").GetDouble();
            }
        }
    }
}
