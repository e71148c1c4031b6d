using System;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Sam;
using Sam.Benchmarks;

// mpiexec -n 1|2 dotnet bench/Sam.Mpi.Bench/bin/Release/net10.0/Sam.Mpi.Bench.dll [--params N] [--steps S]
// Each rank trains a synthetic quadratic loss (gradient w − t: one read-write pass, about the cost of a cheap layer)
// over four parameters of N floats in total, and times S steps three times per configuration, interleaved:
//   local      SamOptimizer without a reducer (what one process does; at 2 ranks both run at once)
//   sync       DataParallelMode.SynchronizedPerturbation (two reductions per step)
//   perworker  DataParallelMode.PerWorkerPerturbation (one reduction per step)
// Rank 0 prints the slowest rank's median ms/step, the payload bytes per step, and the ratio to `local`.
using MpiCommunicator comm = MpiCommunicator.Initialize();
int total = 1_000_000, steps = 50;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    if (args[i] == "--params")
    {
        total = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    }
    else if (args[i] == "--steps")
    {
        steps = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
    }
}

string[] names = ["local", "sync", "perworker"];
var medians = new double[names.Length];
var bytes = new long[names.Length];
var runs = names.Select(_ => new double[3]).ToArray();
for (int rep = 0; rep < 3; rep++)
{
    for (int c = 0; c < names.Length; c++)
    {
        (double ms, long b) = Measure(comm, c, total, steps);
        runs[c][rep] = ms;
        bytes[c] = b;
    }
}

for (int c = 0; c < names.Length; c++)
{
    double median = runs[c].Order().ElementAt(1);
    medians[c] = comm.Gather(median).Max(); // a step is as slow as the slowest rank
}

if (comm.IsRoot)
{
    Console.WriteLine($"Machine: {Machine.CpuModel()}; {Environment.ProcessorCount} logical CPUs; caches {Machine.Caches()}. Shared with other jobs: expect noise.");
    Console.WriteLine($"{comm.Size} rank(s), {total:N0} parameters ({total * 4 / 1e6:F1} MB of gradient), {steps} steps × 3 repetitions, median of the slowest rank.");
    Console.WriteLine("mode        ms/step   payload B/step  vs local");
    for (int c = 0; c < names.Length; c++)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{names[c],-10} {medians[c],8:F3}  {bytes[c],15:N0}  {medians[c] / medians[0],7:F2}x"));
    }
}

return 0;

static (double MsPerStep, long BytesPerStep) Measure(MpiCommunicator comm, int config, int total, int steps)
{
    int[] sizes = [total / 2, total / 4, total / 8, total - (total / 2) - (total / 4) - (total / 8)];
    Parameter[] ps = sizes.Select((n, i) => Parameter.Zeros($"p{i}", n)).ToArray();
    var targets = sizes.Select(n => Enumerable.Range(0, n).Select(j => (float)Math.Sin(j)).ToArray()).ToArray();
    var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new Sgd(0.01, momentum: 0.9));
    MpiGradientReducer? reducer = config == 0 ? null : MpiGradientReducer.Attach(sam, comm, config == 1 ? DataParallelMode.SynchronizedPerturbation : DataParallelMode.PerWorkerPerturbation);
    var state = (Parameters: ps, Targets: targets, Rank: comm.Rank);
    for (int s = 0; s < 3; s++)
    {
        sam.SharpnessAwareStep(state, Quadratic); // warm-up: JIT, buffers
    }

    long before = reducer?.PayloadBytes ?? 0;
    comm.Barrier();
    long t0 = Stopwatch.GetTimestamp();
    for (int s = 0; s < steps; s++)
    {
        sam.SharpnessAwareStep(state, Quadratic);
    }

    double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds / steps;
    return (ms, ((reducer?.PayloadBytes ?? 0) - before) / steps);
}

// ½‖w − t‖² per parameter, the rank's "shard" shifting t slightly: the gradient is one pass over the weights.
static float Quadratic((Parameter[] Parameters, float[][] Targets, int Rank) s)
{
    float shift = 0.01f * s.Rank;
    for (int i = 0; i < s.Parameters.Length; i++)
    {
        ReadOnlySpan<float> w = s.Parameters[i].Value, t = s.Targets[i];
        Span<float> g = s.Parameters[i].Gradient;
        for (int j = 0; j < w.Length; j++)
        {
            g[j] += w[j] - t[j] - shift;
        }
    }

    return 0;
}
