using System;

namespace Sam.Runtime.Tests;

/// <summary>
/// Measures allocations per step on the current thread. A step that allocates does so in every round; the
/// runtime itself may allocate once while a loop is running (tiered re-compilation, on-stack replacement) when
/// other tests load the CPU, so the least of a few rounds is reported.
/// </summary>
public static class AllocationMeter
{
    public static long BytesOverSteps(Action step, int steps = 100, int rounds = 3)
    {
        for (int i = 0; i < 3; i++)
        {
            step(); // first steps allocate shadow buffers and optimizer state
        }

        long least = long.MaxValue;
        for (int round = 0; round < rounds && least != 0; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < steps; i++)
            {
                step();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return least;
    }
}
