using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using Sam.Kernels;

namespace Sam.Benchmarks;

/// <summary>
/// Times one SAM optimizer step (gradients fixed, forward/backward not timed, as in torch_sam_step.py) for each
/// implementation side by side: every round runs each variant once, in a fresh seeded order, so a load change on the
/// shared machine hits all of them alike. The anchor is independent of the product: the C/OpenMP reference
/// kernels of ../shared/bench/stream_triad.c (<c>--c</c>), run for the same parameter count and thread count
/// right before ours; <c>×C fused</c> = median ÷ C <c>sam36_total</c> (÷ C <c>sgd20</c> for the base SGD and SGD kernel rows,
/// ÷ C <c>adamw44_total</c> of bench/c/transactional_ref.c for the AdamW row when that binary is given too: <c>--c a,b</c>).
/// The product's own probe (a triad through the product's partitioning) is kept as a diagnostic only, with
/// the helper threads' share of the partitioned work.
/// </summary>
public static class StepBench
{
    private const double SamBytes = 36;  // norm 4 + perturb 12 + SGD-momentum 20
    private const double OurBytes = 36;  // the same: the g′ check and ‖g′‖ are folded into the step (into second buffers)
    private const double ProbeBytes = 12; // triad a = b + s·c, STREAM counting

    public static int Run(IReadOnlyList<string> layouts, IReadOnlyList<int> threads, double budgetSeconds, string? torch, string? cReference, TextWriter json)
    {
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"# Sam.Dsl SAM step, {Environment.ProcessorCount} cpus, {Machine.CpuModel()}, {Machine.Caches()}, {DateTime.UtcNow:u}, .NET {Environment.Version}, Vector<float>.Count={System.Numerics.Vector<float>.Count}");
        Console.WriteLine($"# load average at start: {Machine.Load()}; {Machine.Limits()}");
        Console.WriteLine("# ×C fused = median / C sam36_total median (base SGD and SGD kernel rows: / C sgd20; SAM + AdamW: / C adamw44_total, in place) for the same parameter count and thread count, run just before;");
        Console.WriteLine("# (mins) = the same ratio of minimums; ×bound36 = median / (3 × probe), the product's own triad (diagnostic); helper% = share of the partitioned work the helper threads did");
        Console.WriteLine($"{"layout",-11}{"thr",4}  {"variant",-24}{"median ms",11}{"min ms",10}{"GB/s",8}{"B/param",8}{"×C fused",9}{"(mins)",8}{"×bound36",9}{"helper%",8}{"alloc B/step",13}");
        foreach (string layout in layouts)
        {
            int[][] shapes = Layouts.Shapes(layout);
            long n = Layouts.Count(shapes);
            var random = new Random(1234);
            Parameter[] ps = Array.ConvertAll(shapes, s => Fill(Parameter.Normal("p", random, 0, 1, s), random));
            var model = new BenchModel(ps);
            var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
            var unfused = new UnfusedSam(ps);

            // AdamW and two variants through SamOptimizer over the same parameters (their own optimizer state).
            // Bytes per parameter, counted from the kernels' loads and stores (the g′ check is folded into the step
            // wherever the variant does not need g′ before stepping):
            //   SAM + AdamW   44 = norm of g 4 + perturbation 12 + fused AdamW with the g′ check 28 (w, g, m, v read; w, m, v written)
            //   ASAM + SGD-m  40 = norm pass over g and w 8 + perturbation 12 + SGD-momentum with the g′ check 20
            //   GSAM + SGD-m  52 = norm of g 4 + perturbation that also saves g 16 + g·g' and ‖g'‖² pass 8
            //                      + SGD-momentum combining g′ with the saved g as it reads them 24
            //   GCSAM + SGD-m 36 = row means and centred norms of g 4 (each row read twice, the second time from cache;
            //                      per tensor, in the walk) + perturbation as a job, checked as it writes 12 + SGD-momentum 20
            var adamW = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new AdamW(1e-3, weightDecay: 1e-2));
            var asam = new SamOptimizer(ps, new SamSettings { Rho = 0.5, Variant = SamVariant.Asam }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
            var gsam = new SamOptimizer(ps, new SamSettings { Rho = 0.05, Variant = SamVariant.Gsam }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
            var gcsam = new SamOptimizer(ps, new SamSettings { Rho = 0.05, Variant = SamVariant.Gcsam }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
            int probeLength = (int)n;
            float[] pa = new float[probeLength], pb = Filled(probeLength, 1f), pc = Filled(probeLength, 0.01f);

            // Subnormal inputs (issue 14, item 13): the base SGD-momentum kernel plus its gradient check over one
            // flat buffer of the layout's size, once with normal and once with subnormal weights and gradients.
            // Only for layouts up to 2M parameters (two more sets of buffers; the subnormal pass is ~30× slower).
            SubnormalCase? subnormalCase = n <= 2_000_000 ? new SubnormalCase((int)n, subnormal: true) : null;

            // Kernel level, over one flat, 64-byte-aligned buffer set of the layout's size: the previous step (a g′
            // check pass, then SGD-momentum in place, 24 B) next to the step into second buffers with the check folded
            // in (20 B), with and without non-temporal stores.
            var fold = new FoldCase((int)n);
            var variants = new List<Variant>
            {
                new("probe (triad 12 B)", ProbeBytes, () => SamKernels.AddScaled(pb, pc, 0.5f, pa)),
                new("generated fused SAM", OurBytes, () => { model.Perturb(); model.RestoreAndStep(); }),
                new("SamOptimizer", OurBytes, () => { sam.Perturb(); sam.RestoreAndStep(); }),
                new("SamOptimizer, no NT", OurBytes, () => WithoutStreaming(() => { sam.Perturb(); sam.RestoreAndStep(); })),
                new("unfused TensorPrimitives", 52, () => unfused.Step(0.05f, 0.01f, 0.9f, 5e-4f)),
                new("base SGD alone", 20, model.BaseStep),
                new("SAM + AdamW", 44, () => { adamW.Perturb(); adamW.RestoreAndStep(); }),
                new("ASAM + SGD-m", 40, () => { asam.Perturb(); asam.RestoreAndStep(); }),
                new("GSAM + SGD-m", 52, () => { gsam.Perturb(); gsam.RestoreAndStep(); }),
                new("GCSAM + SGD-m", 36, () => { gcsam.Perturb(); gcsam.RestoreAndStep(); }),
            };
            variants.Add(new("kernels: check + SGD-m", 24, fold.CheckThenStep));
            variants.Add(new("kernels: into 2 bufs", 20, fold.Folded));
            Action folded = fold.Folded;
            variants.Add(new("kernels: into 2, no NT", 20, () => WithoutStreaming(folded)));
            if (subnormalCase is not null)
            {
                variants.Add(new("check + SGD-m subnormal", 24, subnormalCase.Step));
            }

            foreach (int t in threads)
            {
                Dictionary<string, double> c = cReference is null ? [] : CReference.Run(cReference.Split(',', StringSplitOptions.RemoveEmptyEntries), n, t);
                foreach ((string kernel, double ms) in c)
                {
                    if (!kernel.EndsWith("/min", StringComparison.Ordinal))
                    {
                        Console.WriteLine(string.Format(inv, "{0,-11}{1,4}  {2,-24}{3,11:F3}{4,10:F3}", layout, t, "C " + kernel, ms, c[kernel + "/min"]));
                        json.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                        {
                            ["impl"] = "c", ["layout"] = layout, ["n_params"] = n, ["threads"] = t, ["variant"] = kernel,
                            ["median_ms"] = Math.Round(ms, 4), ["min_ms"] = Math.Round(c[kernel + "/min"], 4), ["loadavg"] = Machine.Load(),
                        }));
                    }
                }

                SamParallelism.MaxDegree = t;
                foreach (Variant v in variants)
                {
                    v.Reset();
                    for (int w = 0; w < 3; w++)
                    {
                        v.Body();
                    }
                }

                double perRound = variants.Sum(v => v.Time());
                int rounds = (int)Math.Clamp(budgetSeconds / perRound, 11, 2000);
                var order = new Variant[variants.Count];
                var shuffle = new Random(t);
                for (int r = 0; r < rounds; r++)
                {
                    // A fresh (seeded) order each round, not a rotation: a rotation keeps every row behind the same
                    // one, whose cache contents it inherits (the generated and SamOptimizer rows share the parameters,
                    // so the second of them always found them warm: 0.4–0.5 ms of 3.5 on many-small).
                    variants.CopyTo(order);
                    shuffle.Shuffle(order);
                    foreach (Variant v in order)
                    {
                        v.Measure();
                    }
                }

                double probe = variants[0].Median;
                double bound36 = probe * SamBytes / ProbeBytes;
                double cFused = c.GetValueOrDefault("sam36_total", double.NaN), cSgd = c.GetValueOrDefault("sgd20", double.NaN);
                foreach (Variant v in variants)
                {
                    double gbs = v.BytesPerParam * n / (v.Median * 1e-3) / 1e9;
                    double ratio = v.Median / bound36;
                    (double anchor, double anchorMin) = Anchor(v.Name, c);
                    double xc = v.Median / anchor;
                    double xcMin = v.Min / anchorMin;
                    Console.WriteLine(string.Format(inv, "{0,-11}{1,4}  {2,-24}{3,11:F3}{4,10:F3}{5,8:F1}{6,8:F0}{7,9:F2}{8,8:F2}{9,9:F2}{10,8:F0}{11,13:F0}",
                        layout, t, v.Name, v.Median, v.Min, gbs, v.BytesPerParam, xc, xcMin, ratio, 100 * v.HelperShare, v.AllocatedPerCall));
                    json.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        ["impl"] = "dotnet", ["layout"] = layout, ["n_params"] = n, ["n_tensors"] = shapes.Length, ["threads"] = t,
                        ["variant"] = v.Name, ["rounds"] = rounds, ["median_ms"] = Math.Round(v.Median, 4), ["min_ms"] = Math.Round(v.Min, 4),
                        ["gbs"] = Math.Round(gbs, 2), ["bytes_per_param"] = v.BytesPerParam, ["ratio_bound36"] = Math.Round(ratio, 3),
                        ["ratio_c_fused"] = double.IsFinite(xc) ? Math.Round(xc, 3) : -1, ["ratio_c_fused_min"] = double.IsFinite(xcMin) ? Math.Round(xcMin, 3) : -1, ["helper_share"] = Math.Round(v.HelperShare, 3),
                        ["alloc_bytes_per_step"] = v.AllocatedPerCall, ["loadavg"] = Machine.Load(),
                    }));
                }

                if (torch is not null)
                {
                    TorchSide(torch, layout, t, variants[1].Median, cFused);
                }

                Console.WriteLine($"#   load average after {layout} × {t}: {Machine.Load()}");

                json.Flush();
            }
        }

        return 0;
    }

    // The C kernel a row is measured against (median, minimum): the fused SAM step, the SGD step alone for the
    // base-step rows, and the in-place AdamW SAM step (bench/c/transactional_ref.c) for the AdamW row when it was run.
    private static (double Median, double Min) Anchor(string row, Dictionary<string, double> c)
    {
        string kernel = row.StartsWith("base SGD", StringComparison.Ordinal) || row.StartsWith("kernels:", StringComparison.Ordinal) || row.StartsWith("check + SGD-m", StringComparison.Ordinal)
            ? "sgd20"
            : row == "SAM + AdamW" && c.ContainsKey("adamw44_total") ? "adamw44_total" : "sam36_total";
        return (c.GetValueOrDefault(kernel, double.NaN), c.GetValueOrDefault(kernel + "/min", double.NaN));
    }

    // Runs the PyTorch peer for the same layout and thread count right after ours and prints the speed-up.
    private static void TorchSide(string torch, string layout, int threads, double ours, double cFused)
    {
        string[] parts = torch.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var psi = new ProcessStartInfo(parts[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in parts.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        foreach (string a in new[] { "--layouts", layout, "--threads", threads.ToString(CultureInfo.InvariantCulture), "--variants", "sgd,sam" })
        {
            psi.ArgumentList.Add(a);
        }

        foreach (JsonElement line in CReference.JsonLines(psi))
        {
            if (!line.TryGetProperty("variant", out JsonElement variant))
            {
                continue;
            }

            double median = line.GetProperty("median_ms").GetDouble();
            string name = "torch " + variant.GetString();
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0,-11}{1,4}  {2,-24}{3,11:F3}{4,10:F3}{5,8}{6,8}{7,9:F2}{8,8}{9,9}{10,8}{11,13}   generated is {12:F1}× faster",
                layout, threads, name, median, line.GetProperty("min_ms").GetDouble(), "", "", median / cFused, "", "", "", "", median / ours));
        }
    }

    private static double s_sink;

    // The same step with plain stores: shows what the non-temporal stores of large buffers are worth.
    private static void WithoutStreaming(Action body)
    {
        StepKernels.Streaming = false;
        try
        {
            body();
        }
        finally
        {
            StepKernels.Streaming = true;
        }
    }

    private static Parameter Fill(Parameter p, Random random)
    {
        Span<float> g = p.Gradient;
        for (int i = 0; i < g.Length; i++)
        {
            g[i] = (float)(0.01 * ((random.NextDouble() * 2) - 1));
        }

        return p;
    }

    private static float[] Filled(int n, float value)
    {
        var a = new float[n];
        a.AsSpan().Fill(value);
        return a;
    }

    // One flat buffer of the layout's size stepped by the SGD-momentum kernel after the gradient check, as the base
    // step does; with subnormal weights and gradients every vector operation takes a microcode assist on x86.
    private sealed class SubnormalCase
    {
        private readonly float[] _p, _g, _m;
        private readonly SgdCoefficients _c = new(0.01f, 5e-4f, 1f, 1f, 0.9f, 1f, 0f, 1f);

        public SubnormalCase(int n, bool subnormal)
        {
            var random = new Random(99);
            _p = new float[n];
            _g = new float[n];
            _m = new float[n];
            float scale = subnormal ? 1e-39f : 1f;
            for (int i = 0; i < n; i++)
            {
                _p[i] = scale * (float)((random.NextDouble() * 2) - 1);
                _g[i] = scale * (float)(0.01 * ((random.NextDouble() * 2) - 1));
            }
        }

        public void Step()
        {
            s_sink += SamKernels.SumOfSquares(_g);
            SamKernels.SgdMomentumStep(_p, _g, _m, _c);
        }
    }

    // The runtime's own buffer placement (AlignedBuffer): each pair starts half a page apart, so the flipped step does
    // not suffer 4K aliasing in one of its two parities.
    private sealed class FoldCase
    {
        private readonly AlignedBuffer _g, _p0, _m0, _p1, _m1;
        private readonly SgdCoefficients _c = new(0.01f, 5e-4f, 1f, 1f, 0.9f, 1f, 0f, 1f);
        private bool _flipped;

        public FoldCase(int n)
        {
            var random = new Random(7);
            _g = AlignedBuffer.Allocate(n, BufferPlace.First);
            _p0 = AlignedBuffer.Allocate(n, BufferPlace.First);
            _m0 = AlignedBuffer.Allocate(n, BufferPlace.First);
            _p1 = AlignedBuffer.Allocate(n, BufferPlace.Second);
            _m1 = AlignedBuffer.Allocate(n, BufferPlace.Second);
            Span<float> p = _p0.Span, g = _g.Span;
            for (int i = 0; i < n; i++)
            {
                p[i] = (float)((random.NextDouble() * 2) - 1);
                g[i] = (float)(0.01 * ((random.NextDouble() * 2) - 1));
            }
        }

        private Span<float> G => _g.Span;

        private Span<float> P => (_flipped ? _p1 : _p0).Span;

        private Span<float> M => (_flipped ? _m1 : _m0).Span;

        private Span<float> POut => (_flipped ? _p0 : _p1).Span;

        private Span<float> MOut => (_flipped ? _m0 : _m1).Span;

        public void CheckThenStep()
        {
            s_sink += SamKernels.SumOfSquares(G);
            SamKernels.SgdMomentumStep(P, G, M, _c);
        }

        public void Folded()
        {
            s_sink += SamKernels.SgdMomentumStepInto(P, G, M, _c, POut, MOut);
            _flipped = !_flipped; // all finite: the new buffers become the weights and the momentum
        }
    }

    private sealed class Variant(string name, double bytesPerParam, Action body)
    {
        private readonly List<double> _times = [];
        private long _allocated;
        private long _helperElements;
        private long _dispatchedElements;

        public string Name { get; } = name;

        public double BytesPerParam { get; } = bytesPerParam;

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

        public double HelperShare => _dispatchedElements == 0 ? 0 : (double)_helperElements / _dispatchedElements;

        public void Reset()
        {
            _times.Clear();
            _allocated = 0;
            _helperElements = 0;
            _dispatchedElements = 0;
        }

        /// <summary>Seconds one call takes (for sizing the run).</summary>
        public double Time()
        {
            long t0 = Stopwatch.GetTimestamp();
            Body();
            return Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        public void Measure()
        {
            long h0 = Partitioning.HelperElements, d0 = Partitioning.DispatchedElements;
            long a0 = GC.GetAllocatedBytesForCurrentThread();
            long t0 = Stopwatch.GetTimestamp();
            Body();
            long t1 = Stopwatch.GetTimestamp();
            _allocated += GC.GetAllocatedBytesForCurrentThread() - a0;
            _helperElements += Partitioning.HelperElements - h0;
            _dispatchedElements += Partitioning.DispatchedElements - d0;
            _times.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency);
        }
    }
}
