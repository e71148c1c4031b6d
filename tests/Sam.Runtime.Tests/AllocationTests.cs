using System;
using Xunit;

namespace Sam.Runtime.Tests;

public class AllocationTests
{
    [Theory]
    [InlineData(0.0, false)]
    [InlineData(0.9, false)]
    [InlineData(0.9, true)]
    public void SamOptimizer_allocates_nothing_per_step_after_the_first(double momentum, bool nesterov)
    {
        int[] lengths = [1000, 17 * 1024, 3];
        Parameter[] ps = RandomModels.Parameters(lengths, 1);
        var loss = new TestLoss(lengths, 1);
        var sam = new SamOptimizer(ps, new SamSettings(), new Sgd(0.01, momentum, nesterov: nesterov, weightDecay: 1e-4));
        Func<Parameter[], float> callback = loss.Accumulate;
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() =>
        {
            sam.SharpnessAwareStep(ps, callback);
            sam.ZeroGradients();
            loss.Accumulate(ps);
            sam.Perturb();
            sam.Restore();
            sam.BaseStep();
        }));
    }
}
