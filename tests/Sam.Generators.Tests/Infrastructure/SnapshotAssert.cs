using System;
using System.IO;
using System.Runtime.CompilerServices;
using Xunit.Sdk;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Snapshot files with Verify's conventions, so moving to Verify later is a rename:
/// <c>Snapshots/{Class}.{Method}#{name}.verified.cs</c> is committed; on a mismatch
/// <c>.received.cs</c> is written beside it and the test fails; with UPDATE_SNAPSHOTS=1 (or
/// Verify's DiffEngine_Disabled-free equivalent VERIFY_AUTOVERIFY=1) the received text is accepted.
/// </summary>
public static class SnapshotAssert
{
    public const string FixedVersion = "FIXED_VERSION";

    public static void Match(string actual, string name, string extension = "cs", [CallerFilePath] string callerFile = "", [CallerMemberName] string method = "")
    {
        string className = Path.GetFileNameWithoutExtension(callerFile);
        string folder = Path.Combine(Path.GetDirectoryName(callerFile)!, "Snapshots");
        string stem = Path.Combine(folder, $"{className}.{method}#{name}");
        string verified = stem + ".verified." + extension;
        string received = stem + ".received." + extension;
        string text = Scrub(actual);

        bool accept = Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1" || Environment.GetEnvironmentVariable("VERIFY_AUTOVERIFY") == "1";
        string? expected = File.Exists(verified) ? Scrub(File.ReadAllText(verified)) : null;
        if (expected == text)
        {
            File.Delete(received);
            return;
        }

        Directory.CreateDirectory(folder);
        if (accept)
        {
            File.WriteAllText(verified, text);
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, text);
        throw new XunitException(expected is null
            ? $"No snapshot {Path.GetFileName(verified)} yet; wrote {Path.GetFileName(received)}. Review it and rename, or run with UPDATE_SNAPSHOTS=1."
            : $"Snapshot {Path.GetFileName(verified)} differs; wrote {Path.GetFileName(received)}. {FirstDifference(expected, text)} Run with UPDATE_SNAPSHOTS=1 to accept.");
    }

    /// <summary>Line endings to LF, the generator's version to a fixed token, one trailing newline.</summary>
    public static string Scrub(string text)
    {
        string s = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace(Sam.Generators.Emit.GeneratedCodeInfo.Version, FixedVersion, StringComparison.Ordinal);
        return s.TrimStart('\uFEFF').TrimEnd('\n') + "\n";
    }

    private static string FirstDifference(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        for (int i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            string el = i < e.Length ? e[i] : "<end of file>", al = i < a.Length ? a[i] : "<end of file>";
            if (el != al)
            {
                return $"First difference at line {i + 1}:\n  expected: {el}\n  actual:   {al}\n";
            }
        }

        return "";
    }
}
