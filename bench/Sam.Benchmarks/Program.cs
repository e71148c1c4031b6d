using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Sam.Benchmarks;

/// <summary>
/// <c>step</c>: the SAM optimizer step side by side with its bounds and peers (see docs/benchmarks.md).
/// <c>subnormal</c>: a whole SAM step on normal vs subnormal weights and gradients (docs/reliability.md).
/// <c>generator</c>: the source generator on 500 annotated classes (BenchmarkDotNet, in-process, short run).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string command = args.Length > 0 ? args[0] : "step";
        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            options[args[i].TrimStart('-')] = args[i + 1];
        }

        switch (command)
        {
            case "step":
            {
                string[] layouts = Get(options, "layouts", string.Join(",", Layouts.Names)).Split(',', StringSplitOptions.RemoveEmptyEntries);
                int[] threads = [.. Get(options, "threads", "1,2").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture))];
                double budget = double.Parse(Get(options, "budget", "6"), CultureInfo.InvariantCulture);
                options.TryGetValue("torch", out string? torch);
                options.TryGetValue("c", out string? c);
                using TextWriter json = options.TryGetValue("json", out string? path) ? new StreamWriter(path) : TextWriter.Null;
                return StepBench.Run(layouts, threads, budget, torch, c, json);
            }

            case "subnormal":
                SamParallelism.MaxDegree = int.Parse(Get(options, "threads", "1"), CultureInfo.InvariantCulture);
                return SubnormalBench.Run(
                    long.Parse(Get(options, "n", "4194304"), CultureInfo.InvariantCulture),
                    int.Parse(Get(options, "tensors", "16"), CultureInfo.InvariantCulture),
                    double.Parse(Get(options, "budget", "6"), CultureInfo.InvariantCulture));

            case "diag":
                return Diag.Run(long.Parse(Get(options, "n", "100000000"), CultureInfo.InvariantCulture), int.Parse(Get(options, "reps", "10"), CultureInfo.InvariantCulture), Get(options, "kernel", "triad"));

            case "generator":
            {
                IConfig config = DefaultConfig.Instance
                    .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(2).WithIterationCount(8))
                    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
                BenchmarkRunner.Run<GeneratorBenchmarks>(config);
                return 0;
            }

            default:
                Console.Error.WriteLine("usage: Sam.Benchmarks step [--layouts resnet18,mlp1m,flat100m,many-small] [--threads 1,2] [--budget seconds] [--torch \"python script\"] [--c stream_triad binary] [--json file]");
                Console.Error.WriteLine("       Sam.Benchmarks subnormal [--n parameters] [--tensors k] [--threads t] [--budget seconds]");
                Console.Error.WriteLine("       Sam.Benchmarks diag [--n floats] [--reps k] [--kernel triad|sgd|sumsq]");
                Console.Error.WriteLine("       Sam.Benchmarks generator");
                return 2;
        }
    }

    private static string Get(Dictionary<string, string> options, string key, string fallback) =>
        options.TryGetValue(key, out string? value) ? value : fallback;
}
