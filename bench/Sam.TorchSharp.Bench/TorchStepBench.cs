using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Sam.Kernels;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.Benchmarks;

/// <summary>
/// Time of one SAM + momentum-SGD optimizer step (perturb, restore and step; no forward or backward pass) on
/// TorchSharp parameters of a layout, side by side in one run: the fast path and the device path of
/// <see cref="TorchSamOptimizer"/>, a naive TorchSharp SAM in tensor ops, and the span backend
/// (<see cref="SamOptimizer"/> over runtime arrays) on the same shapes, at each thread count
/// (torch.set_num_threads and SamParallelism.MaxDegree alike). Given the C reference binary (stream_triad, built
/// from ../shared/bench/stream_triad.c), it also prints the ceiling of naive ÷ fast on this machine: the naive port's
/// time over the C fused SAM step (36 B per parameter on one contiguous buffer, cache-warm, independent of the product)
/// plus the gradient look-ups every step over TorchSharp parameters makes (<see cref="GradientLookUpFloor"/>); given
/// transactional_ref too (bench/c/transactional_ref.c), also the ceiling of a step that, like ours, writes its results
/// into second buffers: C's norm and perturbation plus its SGD-momentum step into second buffers.
/// </summary>
public static class TorchStepBench
{
    /// <summary>Runs the layouts and threads; writes one line per measurement; returns 0.</summary>
    /// <param name="layouts">Layout names (see Layouts).</param>
    /// <param name="threads">Thread counts.</param>
    /// <param name="budgetSeconds">Time per measurement.</param>
    /// <param name="output">Where the rows go.</param>
    /// <param name="cReference">The stream_triad binary (and, comma-separated, transactional_ref for the transactional ceiling), or null to skip the ceilings.</param>
    /// <returns>The exit code.</returns>
    public static int Run(IEnumerable<string> layouts, IEnumerable<int> threads, double budgetSeconds, TextWriter output, string? cReference = null)
    {
        foreach (string layout in layouts)
        {
            int[][] shapes = Layouts.Shapes(layout);
            output.WriteLine($"{layout}: {shapes.Length} tensors, {Layouts.Count(shapes):N0} floats");
            foreach (int t in threads)
            {
                torch.set_num_threads(t);
                SamParallelism.MaxDegree = t;
                (double fast, long bytes) = Measure(shapes, budgetSeconds, Kind.Fast);
                (double device, long deviceBytes) = Measure(shapes, budgetSeconds, Kind.Device);
                (double naive, _) = Measure(shapes, budgetSeconds, Kind.Naive);
                (double span, _) = Measure(shapes, budgetSeconds, Kind.Span);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  threads {t}: fast path {fast:F2} ms/step ({bytes} B/step), device path {device:F2} ms/step ({deviceBytes} B/step), " +
                    $"naive TorchSharp SAM {naive:F2} ms/step, span backend {span:F2} ms/step; naive/fast {naive / fast:F2}x, " +
                    $"fast/span {fast / span:F2}x, naive/device {naive / device:F2}x"));
                if (cReference is not null)
                {
                    (double floor, _) = Measure(shapes, budgetSeconds, Kind.LookUps);
                    (double reSeat, _) = Measure(shapes, budgetSeconds, Kind.ReSeat);
                    Dictionary<string, double> c = CReference.Run(cReference.Split(',', StringSplitOptions.RemoveEmptyEntries), Layouts.Count(shapes), t);
                    double moved = FastPathBytes(shapes);
                    double fused = c["sam36_total"];
                    double bound = (fused * moved / 36) + floor;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"    ceiling: C fused SAM step (36 B, step in place) {fused:F2} ms; the fast path moves {moved:F1} B/param (copy flip: 40 B for tensors up to 16 Ki elements) " +
                        $"-> C x {moved:F1}/36 + gradient look-ups {floor:F2} ms = {bound:F2} ms: naive/that {naive / bound:F2}x (naive/C {naive / fused:F2}x), fast/that {fast / bound:F2}x; " +
                        $"re-seating every parameter twice (what the copy flip avoids) {reSeat:F2} ms"));
                    if (c.TryGetValue("sgd20_into_nt", out double intoNt) && c.TryGetValue("sgd20_into", out double into))
                    {
                        // A step that leaves weights and momentum as they were when a result is not finite cannot
                        // overwrite them first: C's own norm and perturbation passes, then its SGD step into second
                        // buffers (the faster of cached and non-temporal stores).
                        double transactional = c["sam36_norm"] + c["sam36_perturb"] + Math.Min(into, intoNt);
                        double tBound = (transactional * moved / 36) + floor;
                        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"    transactional ceiling: C norm + perturbation + SGD step into second buffers {transactional:F2} ms -> x {moved:F1}/36 + look-ups = {tBound:F2} ms: " +
                            $"naive/that {naive / tBound:F2}x, fast/that {fast / tBound:F2}x"));
                    }
                }
            }
        }

        return 0;
    }

    private enum Kind
    {
        Fast,
        Device,
        Naive,
        Span,
        LookUps,
        ReSeat,
    }

    private static (double MedianMs, long BytesPerStep) Measure(int[][] shapes, double budgetSeconds, Kind kind)
    {
        using DisposeScope scope = NewDisposeScope();
        torch.manual_seed(1);
        TorchParameter[] ps = [.. shapes.Select(s => new TorchParameter(randn(Array.ConvertAll(s, d => (long)d)) * 0.05f))];
        foreach (TorchParameter p in ps)
        {
            p.grad = randn_like(p) * 0.01f;
        }

        Action step;
        IDisposable owner;
        if (kind == Kind.LookUps)
        {
            step = () => GradientLookUpFloor.Step(ps);
            owner = new NoOwner();
        }
        else if (kind == Kind.ReSeat)
        {
            Tensor[] firsts = [.. ps.Select(p => p.detach())], seconds = [.. ps.Select(p => empty_like(p))];
            step = () => GradientLookUpFloor.ReSeat(ps, firsts, seconds);
            owner = new NoOwner();
        }
        else if (kind == Kind.Span)
        {
            // The same shapes and values as runtime arrays: what the fast path's kernels cost without TorchSharp.
            Parameter[] arrays = [.. ps.Select((p, i) => new Parameter($"p{i}", p.detach().data<float>().ToArray(), Array.ConvertAll(p.shape, d => (int)d)))];
            for (int i = 0; i < arrays.Length; i++)
            {
                ps[i].grad!.data<float>().ToArray().CopyTo(arrays[i].Gradient);
            }

            var sam = new SamOptimizer(arrays, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
            step = () =>
            {
                sam.Perturb();
                sam.RestoreAndStep();
            };
            owner = new NoOwner();
        }
        else if (kind == Kind.Naive)
        {
            optim.Optimizer sgd = optim.SGD(ps, 0.01, momentum: 0.9, weight_decay: 5e-4);
            var sam = new NaiveTorchSam(ps, 0.05, sgd);
            step = () =>
            {
                sam.FirstStep();
                sam.SecondStep();
            };
            owner = sgd;
        }
        else
        {
            var options = new TorchSamOptions { ForceDevicePath = kind == Kind.Device };
            var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4), options);
            step = () =>
            {
                sam.Perturb();
                sam.RestoreAndStep();
            };
            owner = sam;
        }

        using (owner)
        {
            return StepTiming.Measure(step, budgetSeconds);
        }
    }

    // Bytes per parameter the fast path's SAM + SGD-momentum step moves: 36, or 40 for tensors the copy flip keeps in
    // their own memory (TorchParameterStorage.DefaultCopyFlipMaxLength): the perturbation saves w as it writes y.
    private static double FastPathBytes(int[][] shapes)
    {
        double bytes = 0, count = 0;
        foreach (int[] s in shapes)
        {
            long n = s.Aggregate(1L, (a, d) => a * d);
            bytes += n * (n <= TorchParameterStorage.DefaultCopyFlipMaxLength ? 40 : 36);
            count += n;
        }

        return bytes / count;
    }

    private sealed class NoOwner : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
