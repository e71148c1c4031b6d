using System.Collections.Generic;
using System.Globalization;
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

    /// <summary>The data and unified caches of CPU 0 from sysfs, e.g. "L1d 48K, L2 1280K, L3 49152K (shared by 2)".</summary>
    public static string Caches()
    {
        try
        {
            var parts = new List<string>();
            foreach (string dir in Directory.GetDirectories("/sys/devices/system/cpu/cpu0/cache", "index*").Order(System.StringComparer.Ordinal))
            {
                string type = File.ReadAllText(Path.Combine(dir, "type")).Trim();
                if (type == "Instruction")
                {
                    continue;
                }

                string level = File.ReadAllText(Path.Combine(dir, "level")).Trim();
                string size = File.ReadAllText(Path.Combine(dir, "size")).Trim();
                string shared = File.Exists(Path.Combine(dir, "shared_cpu_list")) ? File.ReadAllText(Path.Combine(dir, "shared_cpu_list")).Trim() : "?";
                parts.Add($"L{level}{(type == "Data" ? "d" : "")} {size} (cpus {shared})");
            }

            return parts.Count == 0 ? "caches unknown" : string.Join(", ", parts);
        }
        catch (IOException)
        {
            return "caches unknown";
        }
    }

    /// <summary>What limits the threads: processor count, affinity mask and any CFS quota (cgroup v1 or v2).</summary>
    public static string Limits()
    {
        string quota = "none";
        foreach (string f in new[] { "/sys/fs/cgroup/cpu.max", "/sys/fs/cgroup/cpu/cpu.cfs_quota_us" })
        {
            if (File.Exists(f))
            {
                quota = File.ReadAllText(f).Trim();
                break;
            }
        }

        long mask = System.OperatingSystem.IsLinux() || System.OperatingSystem.IsWindows() ? (long)System.Diagnostics.Process.GetCurrentProcess().ProcessorAffinity : -1;
        return string.Format(CultureInfo.InvariantCulture, "ProcessorCount {0}, affinity 0x{1:x}, cgroup cpu quota {2}", System.Environment.ProcessorCount, mask, quota);
    }

    public static string Load()
    {
        try
        {
            string[] f = File.ReadAllText("/proc/loadavg").Split(' ');
            return string.Join(" ", f.Take(3));
        }
        catch (IOException)
        {
            return "?";
        }
    }
}
