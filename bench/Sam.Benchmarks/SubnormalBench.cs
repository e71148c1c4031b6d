using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Numerics;
using Sam.Kernels;

namespace Sam.Benchmarks;

/// <summary>
/// <c>subnormal</c> (issue 14, item 13): one whole SAM + SGD-momentum step through <see cref="SamOptimizer"/>
/// (perturb, then restore and step; gradients fixed, as in <c>step</c>) over the same parameter count with normal and
/// with subnormal weights and gradients, side by side (every round runs each case once, in rotating order). Two more
/// rows price flush-to-zero done by hand — a pass that sets every |x| &lt; float's smallest normal (1.18e-38) to 0 in
/// the weights and the gradients before the step — on normal values (what every step would pay) and on subnormal ones.
/// </summary>
public static class SubnormalBench
{
    private static readonly float s_minNormal = BitConverter.Int32BitsToSingle(0x00800000);

    public static int Run(long parameters, int tensors, double budgetSeconds)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"# Sam.Dsl subnormal step, {Environment.ProcessorCount} cpus, {Machine.CpuModel()}, {Machine.Caches()}, {DateTime.UtcNow:u}, .NET {Environment.Version}, Vector<float>.Count={Vector<float>.Count}");
        Console.WriteLine($"# load average at start: {Machine.Load()}; {parameters:N0} parameters in {tensors} tensors; SAM rho 0.05 over SGD lr 0.01, momentum 0.9, weight decay 5e-4; threads: {SamParallelism.MaxDegree}");
        int size = checked((int)(parameters / tensors));
        Parameter[] normal = Make(size, tensors, scale: 1f, seed: 1);
        Parameter[] subnormal = Make(size, tensors, scale: 1e-39f, seed: 2);
        Parameter[] normalFlushed = Make(size, tensors, scale: 1f, seed: 3);
        Parameter[] subnormalFlushed = Make(size, tensors, scale: 1e-39f, seed: 4);
        var cases = new List<Case>
        {
            new("normal w, g", Step(normal)),
            new("subnormal w, g", Step(subnormal)),
            new("normal + flush pass", FlushThenStep(normalFlushed)),
            new("subnormal + flush pass", FlushThenStep(subnormalFlushed)),
        };

        foreach (Case c in cases)
        {
            for (int w = 0; w < 2; w++)
            {
                c.Body();
            }
        }

        double perRound = cases.Sum(c => c.Time());
        int rounds = (int)Math.Clamp(budgetSeconds / perRound, 11, 500);
        for (int r = 0; r < rounds; r++)
        {
            for (int k = 0; k < cases.Count; k++)
            {
                cases[(k + r) % cases.Count].Measure();
            }
        }

        double baseline = cases[0].Median;
        Console.WriteLine($"# {rounds} rounds; load average at end: {Machine.Load()}");
        Console.WriteLine($"{"case",-26}{"median ms",11}{"min ms",10}{"× normal",10}{"alloc B/step",14}");
        foreach (Case c in cases)
        {
            Console.WriteLine(string.Format(inv, "{0,-26}{1,11:F2}{2,10:F2}{3,10:F2}{4,14:F0}", c.Name, c.Median, c.Min, c.Median / baseline, c.AllocatedPerCall));
        }

        return 0;
    }

    private static Parameter[] Make(int size, int tensors, float scale, int seed)
    {
        var random = new Random(seed);
        var ps = new Parameter[tensors];
        for (int t = 0; t < tensors; t++)
        {
            ps[t] = Parameter.Zeros("p" + t.ToString(CultureInfo.InvariantCulture), size);
            Span<float> w = ps[t].Value, g = ps[t].Gradient;
            for (int i = 0; i < size; i++)
            {
                w[i] = scale * (float)((random.NextDouble() * 2) - 1);
                g[i] = scale * (float)(0.01 * ((random.NextDouble() * 2) - 1));
            }
        }

        return ps;
    }

    private static Action Step(Parameter[] ps)
    {
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
        return () =>
        {
            sam.Perturb();
            sam.RestoreAndStep();
        };
    }

    private static Action FlushThenStep(Parameter[] ps)
    {
        Action step = Step(ps);
        return () =>
        {
            foreach (Parameter p in ps)
            {
                Flush(p.Value);
                Flush(p.Gradient);
            }

            step();
        };
    }

    // x = |x| < 1.18e-38 ? 0 : x, a compare and a select per element (what flush-to-zero by hand costs).
    private static void Flush(Span<float> values)
    {
        var min = new Vector<float>(s_minNormal);
        int i = 0;
        for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
        {
            var v = new Vector<float>(values.Slice(i));
            Vector.ConditionalSelect(Vector.GreaterThanOrEqual(Vector.Abs(v), min), v, Vector<float>.Zero).CopyTo(values.Slice(i));
        }

        for (; i < values.Length; i++)
        {
            if (Math.Abs(values[i]) < s_minNormal)
            {
                values[i] = 0;
            }
        }
    }

    private sealed class Case(string name, Action body)
    {
        private readonly List<double> _times = [];
        private long _allocated;

        public string Name { get; } = name;

        public Action Body { get; } = body;

        public double Median
        {
            get
            {
                double[] s = [.. _times];
                Array.Sort(s);
                return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[(s.Length / 2) - 1] + s[s.Length / 2]);
            }
        }

        public double Min => _times.Min();

        public double AllocatedPerCall => _times.Count == 0 ? 0 : (double)_allocated / _times.Count;

        public double Time()
        {
            long t0 = Stopwatch.GetTimestamp();
            Body();
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        public void Measure()
        {
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            Body();
            long t1 = Stopwatch.GetTimestamp();
            _allocated += GC.GetAllocatedBytesForCurrentThread() - a0;
            _times.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency);
        }
    }
}
