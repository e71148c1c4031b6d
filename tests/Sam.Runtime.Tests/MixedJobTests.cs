using System;
using System.Linq;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// Parameters that run alone (user memory) mixed with parameters in the phase jobs (runtime arrays): each job item
/// is found by its job index, whatever the visiting slots of the parameters before it.
/// </summary>
public sealed class MixedJobTests
{
    [Theory]
    [InlineData(SamVariant.Sam, false)]
    [InlineData(SamVariant.Sam, true)]
    [InlineData(SamVariant.Asam, false)]
    [InlineData(SamVariant.Vasso, false)]
    [InlineData(SamVariant.Gsam, false)]
    public void Parameters_alone_before_the_jobs_leave_each_job_item_its_own_buffers(SamVariant variant, bool clip)
    {
        using var scope = new ParallelismScope(2, 4096);
        int[][] shapes = [[3, 50], [40, 30], [70_000], [129, 7]];
        float[][] mixed = Train(shapes, variant, clip, alone: [true, false, true, false]);
        float[][] allAlone = Train(shapes, variant, clip, alone: [true, true, true, true]);

        for (int i = 0; i < shapes.Length; i++)
        {
            Assert.True(mixed[i].AsSpan().SequenceEqual(allAlone[i]), $"parameter {i}: mixed and all-alone runs differ");
        }
    }

    private static float[][] Train(int[][] shapes, SamVariant variant, bool clip, bool[] alone)
    {
        var r = new Random(21);
        int[] lengths = [.. shapes.Select(s => s.Aggregate(1, (a, b) => a * b))];
        Parameter[] ps = new Parameter[shapes.Length];
        for (int i = 0; i < ps.Length; i++)
        {
            float[] w = [.. Enumerable.Range(0, lengths[i]).Select(_ => (r.NextSingle() - 0.5f) * 0.2f)];
            ps[i] = alone[i] ? new Parameter($"p{i}", w.AsMemory(), new float[lengths[i]].AsMemory(), shapes[i]) : new Parameter($"p{i}", w, shapes[i]);
        }

        var loss = new TestLoss(lengths, 21);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05, Variant = variant, MaxGradientNorm = clip ? 1.0 : 0 }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
        for (int step = 0; step < 3; step++)
        {
            sam.SharpnessAwareStep(() => loss.Accumulate(ps));
        }

        return [.. ps.Select(p => p.TrainedValue.ToArray())];
    }
}
