using System;
using System.IO;
using System.Linq;

namespace Efficiency;

/// <summary>What the numbers were measured on: CPU model, logical cores, cache, load.</summary>
internal static class Machine
{
    public static string Describe()
    {
        string cpu = "unknown CPU", cache = "?";
        try
        {
            string[] info = File.ReadAllLines("/proc/cpuinfo");
            cpu = info.FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
            cache = info.FirstOrDefault(l => l.StartsWith("cache size", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cache;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return $"{cpu}, {Environment.ProcessorCount} logical cores, cache {cache}, .NET {Environment.Version}";
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
