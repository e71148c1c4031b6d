using System;
using System.Diagnostics;
using System.Linq;
using Sam.Kernels;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.TorchTests;

/// <summary>
/// How the CPU fast path uses the tensors' memory: a successful step re-seats a large tensor on the second storage the
/// step wrote (no copy back), a failed one leaves it where it was, and the tensors join the engine's one job per
/// phase, so many small tensors are spread over the helper threads like the span backend's arrays. Nothing is timed.
/// </summary>
public sealed class FastPathMemoryTests
{
    public FastPathMemoryTests() => Models.SingleThreaded();

    [Fact]
    public void A_successful_step_re_seats_a_large_tensor_on_the_storage_the_step_wrote()
    {
        using DisposeScope scope = NewDisposeScope();
        TorchParameter[] ps = Parameters(seed: 1, count: 2, length: 5000);
        using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9), new TorchSamOptions { CopyFlipMaxLength = 0 });
        TorchParameter[] twins = Parameters(seed: 1, count: 2, length: 5000);
        using var copying = new TorchSamOptimizer(twins.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9));

        IntPtr first = ps[0].storage<float>().data_ptr();
        sam.Perturb();
        sam.RestoreAndStep();
        IntPtr second = ps[0].storage<float>().data_ptr();
        sam.Perturb();
        sam.RestoreAndStep();
        copying.Perturb();
        copying.RestoreAndStep();
        copying.Perturb();
        copying.RestoreAndStep();

        Assert.NotEqual(first, second); // the new weights were not copied back into the first storage
        Assert.Equal(first, ps[0].storage<float>().data_ptr()); // the two storages alternate
        Assert.Equal(2048, PageDistance(ps[0], sam)); // half a page apart: no 4K aliasing when they swap roles
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.True(ps[i].data<float>().ToArray().SequenceEqual(twins[i].data<float>().ToArray()), $"p{i}: re-seat and copy differ");
        }
    }

    [Fact]
    public void A_failed_step_leaves_a_large_tensor_on_its_trained_storage_and_weights()
    {
        using DisposeScope scope = NewDisposeScope();
        TorchParameter[] ps = Parameters(seed: 2, count: 2, length: 5000);
        using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9), new TorchSamOptions { CopyFlipMaxLength = 0 });
        sam.Perturb();
        sam.RestoreAndStep();
        IntPtr[] storages = [.. ps.Select(p => p.storage<float>().data_ptr())];
        float[][] weights = [.. ps.Select(p => p.data<float>().ToArray())];

        sam.Perturb();
        ps[1].grad!.view(-1)[7] = float.NaN; // the second gradient of the later parameter: the earlier one's step succeeded
        Assert.Throws<NonFiniteGradientException>(sam.RestoreAndStep);

        for (int i = 0; i < ps.Length; i++)
        {
            Assert.Equal(storages[i], ps[i].storage<float>().data_ptr());
            Assert.True(ps[i].data<float>().ToArray().SequenceEqual(weights[i]), $"p{i}: weights changed by a failed step");
        }
    }

    [Fact]
    public void A_sam_step_over_small_tensors_moves_no_weights_beyond_its_kernels_and_gives_the_bits_of_the_re_seat()
    {
        using DisposeScope scope = NewDisposeScope();
        // 1,003 elements: the kernels' vector bodies and their scalar tails.
        TorchParameter[] ps = Parameters(seed: 4, count: 3, length: 1003);
        using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9, weightDecay: 5e-4));
        TorchParameter[] twins = Parameters(seed: 4, count: 3, length: 1003);
        using var reseating = new TorchSamOptimizer(twins.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9, weightDecay: 5e-4), new TorchSamOptions { CopyFlipMaxLength = 0 });
        IntPtr[] storages = [.. ps.Select(p => p.storage<float>().data_ptr())];
        long copied = TorchParameterStorage.CopiedElements;

        for (int step = 0; step < 3; step++)
        {
            sam.Perturb();
            reseating.Perturb();
            AssertSameBits(ps, twins, $"step {step}, perturbed");
            sam.RestoreAndStep();
            reseating.RestoreAndStep();
            AssertSameBits(ps, twins, $"step {step}, stepped");
        }

        // The perturbation is written over the weights (saved in the same pass) and the step over the perturbation
        // (reading the saved weights): no swap when shown, no copy when restored, none when committed.
        Assert.Equal(copied, TorchParameterStorage.CopiedElements);
        Assert.Equal(storages, ps.Select(p => p.storage<float>().data_ptr()));
    }

    [Fact]
    public void A_failed_step_over_small_tensors_puts_their_trained_weights_back()
    {
        using DisposeScope scope = NewDisposeScope();
        TorchParameter[] ps = Parameters(seed: 5, count: 3, length: 1000);
        using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9));
        sam.Perturb();
        sam.RestoreAndStep();
        float[][] weights = [.. ps.Select(p => p.data<float>().ToArray())];

        sam.Perturb();
        ps[2].grad!.view(-1)[7] = float.NaN; // the last parameter's: the earlier ones' steps were written over their perturbations
        Assert.Throws<NonFiniteGradientException>(sam.RestoreAndStep);

        Assert.False(sam.IsPerturbed);
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.True(ps[i].data<float>().ToArray().SequenceEqual(weights[i]), $"p{i}: a failed step left other weights than the trained ones");
        }
    }

    [Fact]
    public void A_refused_perturbation_over_small_tensors_leaves_their_weights()
    {
        using DisposeScope scope = NewDisposeScope();
        TorchParameter[] ps = Parameters(seed: 6, count: 3, length: 1000);
        using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 1e30, Normalize = false }, new Sgd(0.1, 0.9));
        foreach (TorchParameter p in ps)
        {
            p.grad!.fill_(1e-20f);
        }

        ps[2].grad!.view(-1)[500] = 1e10f; // ρ·g = 1e40 in the last tensor: the earlier ones were already written over
        float[][] weights = [.. ps.Select(p => p.data<float>().ToArray())];

        NonFiniteGradientException e = Assert.Throws<NonFiniteGradientException>(sam.Perturb);

        Assert.Contains("element 500", e.Message, StringComparison.Ordinal);
        Assert.False(sam.IsPerturbed);
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.True(ps[i].data<float>().ToArray().SequenceEqual(weights[i]), $"p{i}: a refused perturbation changed the weights");
        }
    }

    // A parameter without a gradient stands in zeros from managed memory and runs alone; the ones after it still join
    // the phase jobs, each job item with its own buffers (they used to be looked up by visiting slot, not job index).
    [Theory]
    [InlineData(SamVariant.Sam)]
    [InlineData(SamVariant.Asam)]
    public void A_parameter_without_a_gradient_before_the_others_trains_like_one_with_a_zero_gradient(SamVariant variant)
    {
        using DisposeScope scope = NewDisposeScope();
        TorchParameter[] ps = Parameters(seed: 8, count: 3, length: 2000);
        TorchParameter[] twins = Parameters(seed: 8, count: 3, length: 2000);
        ps[0].grad = null; // undefined: the optimizer reads zeros
        twins[0].grad!.zero_();
        var settings = new SamSettings { Rho = 0.05, Variant = variant, AsamScaleBiases = true };
        using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), settings, new Sgd(0.1, 0.9));
        using var zeros = new TorchSamOptimizer(twins.Select((p, i) => ($"p{i}", p)), settings, new Sgd(0.1, 0.9));
        for (int step = 0; step < 2; step++)
        {
            sam.Perturb();
            sam.RestoreAndStep();
            zeros.Perturb();
            zeros.RestoreAndStep();
        }

        AssertSameBits(ps, twins, "after two steps");
    }

    [Fact]
    public void The_device_paths_host_buffers_are_placed_in_the_page_like_the_runtimes()
    {
        using DisposeScope scope = NewDisposeScope();
        TorchParameter[] ps = Parameters(seed: 7, count: 2, length: 5000);
        using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9), new TorchSamOptions { ForceDevicePath = true });
        for (int step = 0; step < 2; step++) // the master copy and the second buffer swap roles on each successful step
        {
            sam.Perturb();
            sam.RestoreAndStep();
            for (int i = 0; i < ps.Length; i++)
            {
                TorchTensorStorage storage = sam.StorageOf(i);
                Assert.Equal(2048, PageOffset(storage.Weights, storage.PerturbedWeights)); // half a page apart (either way round)
                // The gradient at the first buffer's offset: 0 or half a page from whichever buffer is the master now, never
                // a few bytes behind a buffer the step writes (a load there would wait on a store of a few elements before).
                Assert.Contains(PageOffset(storage.Weights, storage.Gradient), new long[] { 0, 2048 });
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_step_over_many_small_torch_tensors_hands_work_to_the_helpers(bool devicePath)
    {
        int degree = SamParallelism.MaxDegree, threshold = SamParallelism.MinParallelLength;
        SamParallelism.MaxDegree = 2;
        try
        {
            using DisposeScope scope = NewDisposeScope();
            // 300 tensors of 1500 floats: each far below the length worth a helper, the phase as a whole not.
            TorchParameter[] ps = Parameters(seed: 3, count: 300, length: 1500);
            // The device path's host buffers are libtorch memory that stays put too: its parameters join the phase jobs.
            using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9), new TorchSamOptions { ForceDevicePath = devicePath });
            long dispatches = Partitioning.Dispatches, elements = Partitioning.HelperElements;
            var clock = Stopwatch.StartNew();
            do
            {
                sam.Perturb();
                sam.RestoreAndStep();
            }
            while (Partitioning.HelperElements == elements && clock.Elapsed < TimeSpan.FromSeconds(20));

            Assert.True(Partitioning.Dispatches > dispatches, "the phases did not run as partitioned jobs");
            Assert.True(Partitioning.HelperElements > elements, "no helper thread took part of the phases");
        }
        finally
        {
            SamParallelism.MaxDegree = degree;
            SamParallelism.MinParallelLength = threshold;
        }
    }

    // With new gradient tensors each step, as after zero_grad(set_to_none) + backward: the prefetch checks them itself.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Warm_steps_look_up_many_small_tensors_gradients_ahead_of_the_walk_and_on_the_helpers(bool newGradientEachStep) =>
        OnTwoThreads(seed: 5, count: 200, length: 100, (ps, sam) =>
        {
            sam.Perturb(); // the first step's walk looks every gradient up (and notes the storages for the next phases)
            sam.RestoreAndStep();
            long helpers = SamOptimizer.HelperPrefetches;
            var clock = Stopwatch.StartNew();
            do
            {
                if (newGradientEachStep)
                {
                    foreach (TorchParameter p in ps)
                    {
                        p.grad = randn_like(p) * 0.01f; // another tensor at another address, not checked yet
                    }
                }

                long walk = TorchParameterStorage.WalkLookUps;
                sam.Perturb();
                sam.RestoreAndStep();
                Assert.Equal(walk, TorchParameterStorage.WalkLookUps); // all prefetched: the walk found them current
            }
            while (SamOptimizer.HelperPrefetches == helpers && clock.Elapsed < TimeSpan.FromSeconds(20));

            Assert.True(SamOptimizer.HelperPrefetches > helpers, "no helper thread took part of the gradient look-ups");
        });

    [Fact]
    public void Warm_steps_over_many_prefetched_tensors_allocate_no_managed_memory() =>
        OnTwoThreads(seed: 7, count: 150, length: 64, (_, sam) =>
            Assert.Equal(0, ResourceTests.BytesPerStep(() =>
            {
                sam.Perturb();
                sam.RestoreAndStep();
            })));

    [Fact]
    public void A_gradient_replaced_by_an_unsupported_tensor_is_reported_by_name_although_the_look_ups_are_prefetched() =>
        OnTwoThreads(seed: 6, count: 100, length: 64, (ps, sam) =>
        {
            float[][] before = AfterWarmSteps(ps, sam);
            ps[70].grad = randn(128).slice(0, 0, 128, 2); // a strided view: a new gradient tensor, not contiguous
            var e = Assert.Throws<NotSupportedException>(sam.Perturb);
            Assert.Contains("'p70.grad'", e.Message, StringComparison.Ordinal);
            Assert.Contains("non-contiguous", e.Message, StringComparison.Ordinal);
            AssertUnchanged(ps, before);
        });

    [Fact]
    public void Warm_steps_check_that_each_tensor_is_still_the_captured_one_in_the_prefetch_pass_not_one_by_one_on_the_calling_thread() =>
        OnTwoThreads(seed: 8, count: 100, length: 64, (_, sam) =>
        {
            sam.Perturb(); // the first step's walk notes the storages the next calls prefetch
            sam.RestoreAndStep();
            long checks = TorchParameterStorage.CallingThreadLivenessChecks;
            sam.Perturb();
            sam.RestoreAndStep();
            Assert.Equal(checks, TorchParameterStorage.CallingThreadLivenessChecks);
        });

    // The liveness check moved into the prefetch pass must still see a tensor re-seated between two optimizer calls.
    [Fact]
    public void A_tensor_re_seated_by_the_user_after_warm_steps_is_reported_by_name_and_nothing_is_written() =>
        OnTwoThreads(seed: 9, count: 100, length: 64, (ps, sam) =>
        {
            _ = AfterWarmSteps(ps, sam);
            using Tensor elsewhere = ps[70].detach().clone();
            using (torch.no_grad())
            {
                ps[70].set_(elsewhere); // same values and shape, other memory
            }

            float[][] before = [.. ps.Select(p => p.data<float>().ToArray())];
            var e = Assert.Throws<InvalidOperationException>(sam.Perturb);
            Assert.Contains("'p70'", e.Message, StringComparison.Ordinal);
            Assert.Contains("no longer what the optimizer captured", e.Message, StringComparison.Ordinal);
            AssertUnchanged(ps, before);
            Assert.False(sam.IsPerturbed);
        });

    // Two SAM steps, so every storage is noted for the prefetch pass and every look-up is warm; returns the weights then.
    private static float[][] AfterWarmSteps(TorchParameter[] ps, TorchSamOptimizer sam)
    {
        for (int step = 0; step < 2; step++)
        {
            sam.Perturb();
            sam.RestoreAndStep();
        }

        return [.. ps.Select(p => p.data<float>().ToArray())];
    }

    private static void AssertUnchanged(TorchParameter[] ps, float[][] before) =>
        Assert.All(Enumerable.Range(0, ps.Length), i => Assert.Equal(before[i], ps[i].data<float>().ToArray()));

    // SAM + momentum SGD over many small tensors with the helpers on (two threads), in a dispose scope.
    private static void OnTwoThreads(int seed, int count, int length, Action<TorchParameter[], TorchSamOptimizer> body)
    {
        int degree = SamParallelism.MaxDegree;
        SamParallelism.MaxDegree = 2;
        try
        {
            using DisposeScope scope = NewDisposeScope();
            TorchParameter[] ps = Parameters(seed, count, length);
            using var sam = new TorchSamOptimizer(ps.Select((p, i) => ($"p{i}", p)), new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9));
            body(ps, sam);
        }
        finally
        {
            SamParallelism.MaxDegree = degree;
        }
    }

    // (second − first) mod 4 KiB between the element addresses of the parameter's two storages, the parameter showing the first.
    private static long PageDistance(TorchParameter p, TorchSamOptimizer sam)
    {
        long shown = Address(p);
        sam.Perturb(); // shows the second storage
        long other = Address(p);
        sam.Restore();
        return (((other - shown) % 4096) + 4096) % 4096;
    }

    private static void AssertSameBits(TorchParameter[] ps, TorchParameter[] twins, string when)
    {
        for (int i = 0; i < ps.Length; i++)
        {
            Assert.True(ps[i].data<float>().ToArray().SequenceEqual(twins[i].data<float>().ToArray()), $"p{i}, {when}: copy flip and re-seat differ");
        }
    }

    // (b − a) mod 4 KiB between the first elements of two spans.
    private static long PageOffset(Span<float> a, Span<float> b) =>
        (((long)System.Runtime.CompilerServices.Unsafe.ByteOffset(ref a[0], ref b[0]) % 4096) + 4096) % 4096;

    private static long Address(TorchParameter p) => (long)p.storage<float>().data_ptr() + (p.storage_offset() * sizeof(float));

    private static TorchParameter[] Parameters(int seed, int count, int length)
    {
        torch.manual_seed(seed);
        TorchParameter[] ps = [.. Enumerable.Range(0, count).Select(_ => new TorchParameter(randn(length) * 0.05f))];
        foreach (TorchParameter p in ps)
        {
            p.grad = randn_like(p) * 0.01f;
        }

        return ps;
    }
}
