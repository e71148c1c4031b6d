using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace Sam.Benchmarks;

/// <summary>How every row of this bench is timed: warm-up, managed bytes per step, then the median over a budget.</summary>
internal static class StepTiming
{
    /// <summary>Runs <paramref name="step"/> 3 times to warm up, 5 times counting allocated bytes, then until the budget is spent (at least 5 times).</summary>
    /// <param name="step">One optimizer step.</param>
    /// <param name="budgetSeconds">Wall time to spend on the timed steps.</param>
    /// <returns>The median milliseconds per step and the managed bytes allocated per step on this thread.</returns>
    public static (double MedianMs, long BytesPerStep) Measure(Action step, double budgetSeconds)
    {
        for (int i = 0; i < 3; i++)
        {
            step();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            step();
        }

        long bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / 5;
        var times = new List<double>();
        var total = Stopwatch.StartNew();
        while (total.Elapsed.TotalSeconds < budgetSeconds || times.Count < 5)
        {
            long t0 = Stopwatch.GetTimestamp();
            step();
            times.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        times.Sort();
        return (times[times.Count / 2], bytes);
    }
}
