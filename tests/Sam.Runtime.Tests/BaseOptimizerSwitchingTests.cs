using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>When the engine switches from warm-up base steps to SAM steps.</summary>
public class BaseOptimizerSwitchingTests
{
    [Theory]
    [InlineData(0.07, 100, 7)] // 0.07 * 100 is 7.000000000000001 in double: ⌈·⌉ gave 8
    [InlineData(0.1, 1000, 100)]
    [InlineData(0.29, 100, 29)] // 28.999999999999996
    [InlineData(0.015, 1000, 15)]
    [InlineData(0.0101, 100, 2)]
    public void Switching_by_fraction_runs_exactly_the_ceiling_of_f_times_T_base_steps(double fraction, long totalSteps, long baseSteps)
    {
        Parameter p = Parameter.Full("w", 1f, 4);
        var engine = new SamOptimizer([p], new SamSettings { BaseOptimizerFraction = fraction, TotalSteps = totalSteps }, new Sgd(0.1));
        long firstSam = -1;
        for (long t = 0; t <= baseSteps + 1 && firstSam < 0; t++)
        {
            if (engine.SamStepDue)
            {
                firstSam = t;
            }

            engine.BaseStep();
        }

        Assert.Equal(baseSteps, firstSam);
    }
}
