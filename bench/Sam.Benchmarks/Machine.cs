using System.IO;
using System.Linq;

namespace Sam.Benchmarks;

internal static class Machine
{
    public static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", System.StringComparison.Ordinal));
            return line is null ? "unknown CPU" : line[(line.IndexOf(':', System.StringComparison.Ordinal) + 1)..].Trim();
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }
}
