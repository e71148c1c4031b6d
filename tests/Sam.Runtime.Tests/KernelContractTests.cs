using System;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>The public kernels' contract: a wrong span length names the span, and concurrent callers get the serial bits.</summary>
public class KernelContractTests
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
}
