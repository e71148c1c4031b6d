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
        var settings = new SamSettings { Rho = 0.05, Variant = variant, MaxGradientNorm = clip ? 1.0 : 0 };
        float[][] mixed = VariantJobTests.Train(shapes, settings, alone: [true, false, true, false], seed: 21);
        float[][] allAlone = VariantJobTests.Train(shapes, settings, alone: [true, true, true, true], seed: 21);

        for (int i = 0; i < shapes.Length; i++)
        {
            Assert.True(mixed[i].AsSpan().SequenceEqual(allAlone[i]), $"parameter {i}: mixed and all-alone runs differ");
        }
    }
    // GSAM's g·g′ adds every parameter's product in visiting order, whether it came from the job or ran alone: with
    // products +1e17, −1e17 and 1 the order decides whether the sum is 1 or 0 (1 + 1e17 rounds to 1e17).
    [Fact]
    public void Gsams_products_add_in_visiting_order_whatever_runs_alone()
    {
        float[] mixed = Step(alone: [false, false, true]);
        float[] allAlone = Step(alone: [true, true, true]);
        float[] allInJob = Step(alone: [false, false, false]);

        Assert.Equal(allAlone, mixed);
        Assert.Equal(allInJob, mixed);

        static float[] Step(bool[] alone)
        {
            float[] g = [1e17f, 1e17f, 1f], gp = [1f, -1f, 1f]; // c = g·g′/‖g′‖² = 1/3 in visiting order, 0 otherwise
            Parameter[] ps = new Parameter[3];
            for (int i = 0; i < 3; i++)
            {
                float[] w = [0.5f];
                ps[i] = alone[i] ? new Parameter($"p{i}", w.AsMemory(), new float[1].AsMemory(), 1) : new Parameter($"p{i}", w, 1);
            }

            var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05, Variant = SamVariant.Gsam, GsamAlpha = 0.5 }, new Sgd(0.1));
            for (int i = 0; i < 3; i++)
            {
                ps[i].Gradient[0] = g[i];
            }

            sam.Perturb();
            for (int i = 0; i < 3; i++)
            {
                ps[i].Gradient[0] = gp[i];
            }

            sam.RestoreAndStep();
            return [.. ps.Select(p => p.TrainedValue[0])];
        }
    }
    // GSAM's step reads (1 + αc)·g′ − α·g as it goes: an overflow is explained with that direction, not with g′ alone
    // (here g′ is 0 where the step overflows: −α·g = −1.2e38, times η = 10).
    [Fact]
    public void A_gsam_step_that_overflows_is_explained_with_the_direction_it_took()
    {
        var p = new Parameter("w", [0.5f, 0.5f], 2);
        var sam = new SamOptimizer([p], new SamSettings { Rho = 0.05, Variant = SamVariant.Gsam, GsamAlpha = 0.4 }, new Sgd(10));
        p.Gradient[0] = 3e38f;
        p.Gradient[1] = 0;
        sam.Perturb();
        p.Gradient[0] = 0;
        p.Gradient[1] = 1;

        NonFiniteGradientException e = Assert.Throws<NonFiniteGradientException>(sam.RestoreAndStep);

        Assert.Contains("the learning rate η = 10 times the update -1.2E+38 overflows at element 0 (weight 0.5, gradient -1.2E+38)", e.Message, StringComparison.Ordinal);
        Assert.Equal([0.5f, 0.5f], p.TrainedValue.ToArray());
    }
}
