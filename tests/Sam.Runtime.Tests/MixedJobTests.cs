using System;
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
}
