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
/// One SAM + momentum-SGD optimizer step (perturb, restore and step; no forward or backward pass) on the same layout
/// in float32 (the fast path over the tensors' memory) and in bfloat16 and float16 (float32 master weights, the
/// conversions fused into the engine's walks), side by side in one run, with the bytes each keeps per parameter.
/// </summary>
public static class MixedPrecisionBench
{
    // What each path keeps per parameter with momentum SGD: the tensor, its gradient and the perturbed copy in the
    // parameter's type; the low-precision path adds the float32 master, gradient and perturbed spans. + 4 (momentum).
    private static int BytesPerParameter(ScalarType dtype) => dtype == ScalarType.Float32 ? (3 * 4) + 4 : (3 * 2) + (3 * 4) + 4;

    /// <summary>Runs the layouts and threads; writes one line per measurement; returns 0.</summary>
    public static int Run(IEnumerable<string> layouts, IEnumerable<int> threads, double budgetSeconds, TextWriter output)
    {
        foreach (string layout in layouts)
        {
            int[][] shapes = Layouts.Shapes(layout);
            output.WriteLine($"{layout}: {shapes.Length} tensors, {Layouts.Count(shapes):N0} parameters");
            foreach (int t in threads)
            {
                torch.set_num_threads(t);
                SamParallelism.MaxDegree = t;
                double f32 = 0;
                foreach (ScalarType dtype in (ScalarType[])[ScalarType.Float32, ScalarType.BFloat16, ScalarType.Float16])
                {
                    (double ms, long allocated) = Measure(shapes, dtype, budgetSeconds);
                    f32 = dtype == ScalarType.Float32 ? ms : f32;
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  threads {t}: {dtype,-8} {ms:F2} ms/step ({allocated} B allocated/step), {BytesPerParameter(dtype)} B/parameter, time vs float32 {ms / f32:F2}x"));
                }
            }
        }

        return 0;
    }

    private static (double MedianMs, long BytesPerStep) Measure(int[][] shapes, ScalarType dtype, double budgetSeconds)
    {
        using DisposeScope scope = NewDisposeScope();
        torch.manual_seed(1);
        TorchParameter[] ps = [.. shapes.Select(s => new TorchParameter((randn(Array.ConvertAll(s, d => (long)d)) * 0.05f).to(dtype)))];
        foreach (TorchParameter p in ps)
        {
            p.grad = (randn_like(p, dtype: ScalarType.Float32) * 0.01f).to(dtype);
        }

        using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
        void Step()
        {
            sam.Perturb();
            sam.RestoreAndStep();
        }

        return StepTiming.Measure(Step, budgetSeconds);
    }
}
