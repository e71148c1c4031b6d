using System;
using System.Diagnostics;
using System.IO;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// The generated files are the same bytes in another process (its own string hash seed), under another culture
/// (Turkish casing and decimal comma, German decimal comma) and with the syntax trees in another order.
/// </summary>
public class CrossProcessDeterminismTests
{
    [Theory]
    [InlineData("tr-TR", "reversed")]
    [InlineData("de-DE", "forward")]
    public void A_child_process_with_another_culture_and_file_order_generates_the_same_bytes(string culture, string order)
    {
        string expected = DeterminismHarness.Format(DeterminismHarness.Generate(reversed: false));
        Assert.Contains("Demo.Mlp.Sam.g.cs\t", expected, StringComparison.Ordinal);

        string output = Path.Combine(Path.GetTempPath(), $"sam-determinism-{Guid.NewGuid():N}.txt");
        try
        {
            string assembly = typeof(DeterminismHarness).Assembly.Location;
            var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (string argument in new[] { assembly, DeterminismHarness.Command, culture, order, output })
            {
                start.ArgumentList.Add(argument);
            }

            // The culture is also set the way a user's machine sets it.
            start.Environment["LANG"] = culture.Replace('-', '_') + ".UTF-8";
            start.Environment["LC_ALL"] = culture.Replace('-', '_') + ".UTF-8";
            using Process child = Process.Start(start)!;
            string stderr = child.StandardError.ReadToEnd();
            child.StandardOutput.ReadToEnd();
            Assert.True(child.WaitForExit(TimeSpan.FromMinutes(2)), "the child process did not finish");
            Assert.True(child.ExitCode == 0, $"child exited with {child.ExitCode}: {stderr}");
            Assert.Equal(expected, File.ReadAllText(output));
        }
        finally
        {
            File.Delete(output);
        }
    }
}
