using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Sam.Mpi.Tests;

/// <summary>
/// The three launches every MPI test reads, made once per test run (about 10 s): 2 ranks (training in both modes,
/// failures, allocations; rank 0 writes a checkpoint at step 3), 3 ranks (the same, plus resuming from that
/// checkpoint), and 2 ranks where one dies.
/// </summary>
public sealed class MpiRuns : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private readonly string _checkpoint = Path.Combine(Path.GetTempPath(), $"sam-mpi-{Guid.NewGuid():N}.samckpt");
    private readonly Lazy<MpiLauncher.Run> _two, _three, _die;

    public MpiRuns()
    {
        _two = new(() => MpiLauncher.Launch(2, Timeout, "all", "save=" + _checkpoint));
        _three = new(() => { _ = Two; return MpiLauncher.Launch(3, Timeout, "all", "load=" + _checkpoint); });
        _die = new(() => MpiLauncher.Launch(2, Timeout, "die"));
    }

    public MpiLauncher.Run Two => _two.Value;

    public MpiLauncher.Run Three => _three.Value;

    public MpiLauncher.Run Die => _die.Value;

    public MpiLauncher.Run Of(int ranks) => ranks == 2 ? Two : ranks == 3 ? Three : throw new ArgumentOutOfRangeException(nameof(ranks));

    /// <summary>The lines starting with <paramref name="keyword"/>, as key=value maps.</summary>
    public static List<Dictionary<string, string>> Lines(MpiLauncher.Run run, string keyword) =>
        run.Output.Split('\n')
            .Select(l => l.TrimEnd('\r'))
            .Where(l => l.StartsWith(keyword + " ", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(kv => kv.Split('=', 2))
                .ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : ""))
            .ToList();

    public static float[] Floats(string csv) =>
        csv.Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();

    public void Dispose() => File.Delete(_checkpoint);
}
