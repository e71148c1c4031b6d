using System;
using System.Globalization;
using System.Linq;
using Sam.Benchmarks;

// usage: Sam.TorchSharp.Bench [layouts, default resnet18] [threads, default 1,2] [seconds per row, default 4] [stream_triad binary[,transactional_ref binary]: prints the ceilings]
//        Sam.TorchSharp.Bench mixed:<layouts> [threads] [seconds]  (float32 vs bfloat16 vs float16 master-weight steps)
bool mixed = args.Length > 0 && args[0].StartsWith("mixed:", StringComparison.Ordinal);
string[] layouts = args.Length > 0 ? args[0][(mixed ? 6 : 0)..].Split(',') : ["resnet18"];
int[] threads = args.Length > 1 ? [.. args[1].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))] : [1, 2];
double budget = args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 4;
string? cReference = args.Length > 3 ? args[3] : null;
return mixed ? MixedPrecisionBench.Run(layouts, threads, budget, Console.Out) : TorchStepBench.Run(layouts, threads, budget, Console.Out, cReference);
