using System;
using System.Diagnostics;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Sam.TorchTests;

/// <summary>Allocation and leak budgets of the fast path.</summary>
public sealed class ResourceTests
{
    private readonly ITestOutputHelper output;

    public ResourceTests(ITestOutputHelper output)
    {
        this.output = output;
        Models.SingleThreaded();
    }

    [Fact]
    public void A_warm_step_allocates_no_managed_memory()
    {
        using nn.Module<Tensor, Tensor> model = Models.CnnWithBatchNormInSequential(1);
        (Tensor x, Tensor y) = Models.Batches(2, 1, images: true)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
        Models.LossAndGradients(model, x, y); // gradients exist; the phases below reuse them

        // The optimizer's whole step around a closure that does no TorchSharp work (whose wrappers would allocate):
        // validation, both phases, the re-seats and the running-statistics save/restore.
        long bytes = BytesPerStep(() => sam.SharpnessAwareStep(sam, static _ => 1f));
        long phases = BytesPerStep(() =>
        {
            sam.Perturb();
            sam.RestoreAndStep();
        });
        output.WriteLine($"managed bytes per step: SharpnessAwareStep {bytes}, Perturb + RestoreAndStep {phases}");
        Assert.Equal(0, bytes);
        Assert.Equal(0, phases);
    }

    [Fact]
    public void Live_tensor_count_stays_flat_over_2000_steps()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(1);
        (Tensor X, Tensor Y)[] batches = Models.Batches(2, 4, images: false);
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new AdamW(1e-3));
        sam.SharpnessAwareStep(() => Models.LossAndGradients(model, batches[0].X, batches[0].Y));

        // Tensors other tests left to the finalizer would otherwise be freed during the loop and lower the count.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long live = Tensor.TotalCount;
        for (int i = 0; i < 2000; i++)
        {
            (Tensor x, Tensor y) = batches[i % batches.Length];
            sam.SharpnessAwareStep(() => Models.LossAndGradients(model, x, y));
        }

        output.WriteLine($"live tensors before {live}, after 2000 steps {Tensor.TotalCount}");
        Assert.Equal(live, Tensor.TotalCount);
    }

    [Fact]
    public void Gradients_set_to_none_every_step_are_freed_no_native_reference_is_kept()
    {
        // A 4 MB parameter whose gradient is dropped (zero_grad set_to_none) and re-created every step: a native
        // handle to it kept by the optimizer would keep every one alive, 4 MB a read.
        using nn.Module<Tensor, Tensor> model = nn.Linear(1024, 1024);
        using Tensor x = randn(8, 1024), y = randn(8, 1024);
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(1e-3));
        float Closure()
        {
            model.zero_grad(); // set_to_none
            using DisposeScope scope = NewDisposeScope();
            Tensor loss = nn.functional.mse_loss(model.call(x), y);
            loss.backward();
            return loss.item<float>();
        }

        for (int i = 0; i < 5; i++)
        {
            sam.SharpnessAwareStep(Closure);
        }

        long before = Resident();
        for (int i = 0; i < 100; i++)
        {
            sam.SharpnessAwareStep(Closure);
        }

        long growth = Resident() - before;
        output.WriteLine($"resident memory growth over 100 steps: {growth / 1024} KiB");
        Assert.True(growth < 64L << 20, $"grew by {growth >> 20} MiB");
    }

    internal static long BytesPerStep(Action step, int steps = 200)
    {
        for (int i = 0; i < 5; i++)
        {
            step(); // first steps allocate the second storages and the optimizer state
        }

        long least = long.MaxValue;
        for (int round = 0; round < 3 && least != 0; round++)
        {
            long start = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < steps; i++)
            {
                step();
            }

            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - start);
        }

        return least;
    }

    private static long Resident()
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        return process.WorkingSet64;
    }
}
