using System;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>Defects found in review, each pinned by a test that failed before its fix.</summary>
public class ReviewRegressionTests
{
    [Fact]
    public void Public_kernels_name_the_span_whose_length_is_wrong()
    {
        float[] four = new float[4], three = new float[3];
        var sgd = new SgdCoefficients(0.1f, 0, 1, 1, 0, 1, 0, 1);
        Assert.Equal("g", Assert.Throws<ArgumentException>(() => SamKernels.AddScaled(four, three, 1f, four)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => SamKernels.AddScaled(four, four, 1f, three)).ParamName);
        Assert.Equal("g", Assert.Throws<ArgumentException>(() => SamKernels.SgdStep(four, three, sgd)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentException>(() => SamKernels.SgdMomentumStep(four, four, three, sgd)).ParamName);
        var adam = new AdamCoefficients(0.1f, 1, 1, 0.9f, 0.1f, 0.999f, 0.001f, 1, 1e-8f);
        Assert.Equal("v", Assert.Throws<ArgumentException>(() => AdamKernels.AdamWStep(four, four, four, three, default, adam)).ParamName);
        Assert.Equal("vMax", Assert.Throws<ArgumentException>(() => AdamKernels.AdamWStep(four, four, four, four, three, adam)).ParamName);
    }

    [Fact]
    public void Kernels_called_from_several_threads_at_once_give_the_serial_bits()
    {
        // Only one caller owns the helper threads at a time; the others must run on their own thread, and a
        // helper must never run one caller's chunks with another caller's job.
        const int n = 300_000, callers = 4, rounds = 40;
        var random = new Random(3);
        float[][] x = new float[callers][];
        float[][] g = new float[callers][];
        double[] expectedSum = new double[callers];
        float[][] expectedY = new float[callers][];
        for (int c = 0; c < callers; c++)
        {
            x[c] = new float[n];
            g[c] = new float[n];
            for (int i = 0; i < n; i++)
            {
                x[c][i] = (float)random.NextDouble() - 0.5f;
                g[c][i] = (float)random.NextDouble() - 0.5f;
            }

            expectedSum[c] = 0;
            for (int start = 0; start < n; start += SamKernels.ReductionBlockSize)
            {
                expectedSum[c] += SamKernels.BlockSumOfSquares(x[c].AsSpan(start, Math.Min(SamKernels.ReductionBlockSize, n - start)));
            }

            expectedY[c] = new float[n];
            for (int i = 0; i < n; i++)
            {
                expectedY[c][i] = x[c][i] + (0.25f * g[c][i]);
            }
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = new System.Threading.Thread[callers];
        for (int c = 0; c < callers; c++)
        {
            int me = c;
            threads[c] = new System.Threading.Thread(() =>
            {
                float[] y = new float[n];
                for (int r = 0; r < rounds; r++)
                {
                    double sum = SamKernels.SumOfSquares(x[me]);
                    if (BitConverter.DoubleToInt64Bits(sum) != BitConverter.DoubleToInt64Bits(expectedSum[me]))
                    {
                        failures.Add($"caller {me} round {r}: sum {sum:R} != {expectedSum[me]:R}");
                    }

                    Array.Clear(y);
                    SamKernels.AddScaled(x[me], g[me], 0.25f, y);
                    if (!y.AsSpan().SequenceEqual(expectedY[me]))
                    {
                        failures.Add($"caller {me} round {r}: AddScaled differs");
                    }
                }
            });
            threads[c].Start();
        }

        foreach (var t in threads)
        {
            t.Join();
        }

        Assert.Empty(failures);
    }

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
