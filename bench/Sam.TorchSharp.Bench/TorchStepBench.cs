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
/// (torch.set_num_threads and SamParallelism.MaxDegree alike).
/// </summary>
public static class TorchStepBench
{
    /// <summary>Runs the layouts and threads; writes one line per measurement; returns 0.</summary>
    /// <param name="layouts">Layout names (see Layouts).</param>
    /// <param name="threads">Thread counts.</param>
    /// <param name="budgetSeconds">Time per measurement.</param>
    /// <param name="output">Where the rows go.</param>
    /// <returns>The exit code.</returns>
    public static int Run(IEnumerable<string> layouts, IEnumerable<int> threads, double budgetSeconds, TextWriter output)
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
        if (kind == Kind.Span)
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

    private sealed class NoOwner : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
