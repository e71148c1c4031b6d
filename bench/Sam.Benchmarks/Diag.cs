using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using Sam.Kernels;

namespace Sam.Benchmarks;

/// <summary>
/// <c>diag</c>: why a pass does or does not scale. Times nothing precisely; reports for 1 and 2 threads the helper's
/// share of the chunks, the hand-off latency (job open to helper join), joins that found no work left, and each
/// thread's run and run-queue-wait time from /proc/self/task/*/schedstat (whether the helper really ran).
/// </summary>
public static class Diag
{
    public static int Run(long n, int reps, string kernel)
    {
        var inv = CultureInfo.InvariantCulture;
        int len = (int)n;
        float[] a = new float[len], b = new float[len], c = new float[len], m = new float[len];
        b.AsSpan().Fill(1f);
        c.AsSpan().Fill(0.01f);
        var coeff = new SgdCoefficients(0.01f, 5e-4f, 1f, 1f, 0.9f, 1f, 0f, 1f);
        Action body = kernel switch
        {
            "triad" => () => SamKernels.AddScaled(b, c, 0.5f, a),
            "sgd" => () => SamKernels.SgdMomentumStep(b, c, m, coeff),
            "sumsq" => () => SamKernels.SumOfSquares(c),
            "resnet-sgd" => PerTensor(b, c, m, coeff),
            "check-sgd" => () => { SamKernels.SumOfSquares(c); SamKernels.SgdMomentumStep(b, c, m, coeff); },
            "fold" => Fold(b, c, m, a, new float[len], coeff),
            _ => throw new ArgumentException(kernel),
        };
        Console.WriteLine($"# diag {kernel} n={n} reps={reps} {Machine.CpuModel()} load {File.ReadAllText("/proc/loadavg").Trim()}; {Machine.Limits()}");
        foreach (int t in new[] { 1, 2, 1, 2 })
        {
            SamParallelism.MaxDegree = t;
            for (int w = 0; w < 2; w++)
            {
                body();
            }

            var (j0, l0, h0) = Partitioning.HandoffStats;
            long e0 = Partitioning.HelperElements, d0 = Partitioning.Dispatches, x0 = Partitioning.DispatchedElements;
            var s0 = SchedStat();
            var times = new double[reps];
            for (int r = 0; r < reps; r++)
            {
                long t0 = Stopwatch.GetTimestamp();
                body();
                times[r] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }

            var s1 = SchedStat();
            var (j1, l1, h1) = Partitioning.HandoffStats;
            long e1 = Partitioning.HelperElements, d1 = Partitioning.Dispatches, x1 = Partitioning.DispatchedElements;
            Array.Sort(times);
            double share = x1 > x0 ? (double)(e1 - e0) / (x1 - x0) : 0;
            double handoffUs = j1 > j0 ? (h1 - h0) * 1e6 / Stopwatch.Frequency / (j1 - j0) : double.NaN;
            Console.WriteLine(string.Format(inv, "thr {0}  median {1,8:F2} ms  min {2,8:F2} ms  dispatches {3,5}  helper share {4:P1}  joins {5} late {6}  mean hand-off {7:F1} µs",
                t, times[reps / 2], times[0], d1 - d0, share, j1 - j0, l1 - l0, handoffUs));
            foreach (var (tid, name, run, wait, slices) in s1)
            {
                var before = s0.Find(x => x.Tid == tid);
                double dr = (run - before.Run) / 1e6, dw = (wait - before.Wait) / 1e6;
                if (dr > 1 || dw > 1)
                {
                    Console.WriteLine(string.Format(inv, "    thread {0,-28} ran {1,9:F1} ms  waited on run queue {2,8:F1} ms  timeslices {3}", name, dr, dw, slices - before.Slices));
                }
            }
        }

        return 0;
    }

    // The folded step into second buffers, flipping after each call as an engine would.
    private static Action Fold(float[] p, float[] g, float[] m, float[] p2, float[] m2, SgdCoefficients coeff)
    {
        bool flipped = false;
        return () =>
        {
            if (flipped)
            {
                SamKernels.SgdMomentumStepInto(p2, g, m2, coeff, p, m);
            }
            else
            {
                SamKernels.SgdMomentumStepInto(p, g, m, coeff, p2, m2);
            }

            flipped = !flipped;
        };
    }

    // SGD-momentum over the resnet18 tensor sizes one tensor at a time, as the engine calls it (n is ignored).
    private static Action PerTensor(float[] p, float[] g, float[] m, SgdCoefficients coeff)
    {
        int[][] shapes = Layouts.Shapes("resnet18");
        var offsets = new System.Collections.Generic.List<(int Start, int Length)>();
        int at = 0;
        foreach (int[] s in shapes)
        {
            int len = 1;
            foreach (int d in s)
            {
                len *= d;
            }

            offsets.Add((at, len));
            at += len;
        }

        return () =>
        {
            foreach ((int start, int length) in offsets)
            {
                SamKernels.SgdMomentumStep(p.AsSpan(start, length), g.AsSpan(start, length), m.AsSpan(start, length), coeff);
            }
        };
    }

    private static System.Collections.Generic.List<(int Tid, string Name, long Run, long Wait, long Slices)> SchedStat()
    {
        var list = new System.Collections.Generic.List<(int, string, long, long, long)>();
        foreach (string dir in Directory.GetDirectories("/proc/self/task"))
        {
            try
            {
                string[] f = File.ReadAllText(Path.Combine(dir, "schedstat")).Split(' ');
                string name = File.ReadAllText(Path.Combine(dir, "comm")).Trim();
                list.Add((int.Parse(Path.GetFileName(dir), CultureInfo.InvariantCulture), name,
                    long.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture), long.Parse(f[2], CultureInfo.InvariantCulture)));
            }
            catch (IOException)
            {
            }
        }

        return list;
    }
}
