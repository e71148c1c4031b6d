using System;
using System.Globalization;
using System.Linq;
using Sam.Benchmarks;

// usage: Sam.TorchSharp.Bench [layouts, default resnet18] [threads, default 1,2] [seconds per row, default 4]
string[] layouts = args.Length > 0 ? args[0].Split(',') : ["resnet18"];
int[] threads = args.Length > 1 ? [.. args[1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [1, 2];
double budget = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 4;
return TorchStepBench.Run(layouts, threads, budget, Console.Out);
