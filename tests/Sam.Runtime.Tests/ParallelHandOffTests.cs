using System;
using System.Diagnostics;
using System.Linq;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// CI guards that time nothing: a large buffer really is handed to a helper thread (a regression to serial
/// execution fails here instead of passing silently), and the non-temporal path of the perturbation copy gives the
/// same bits as the scalar formula on one and two threads.
/// </summary>
[Collection(SamParallelismCollection.Name)]
public class ParallelHandOffTests
{
    [Fact]
    public void Helpers_process_part_of_every_kernel_kind_for_large_buffers()
    {
        using var scope = new ParallelismScope(2, SamParallelism.MinParallelLength);
        int n = 64 * Partitioning.ChunkLength; // 1M floats: 64 chunks, 64 reduction blocks
        var r = new Random(5);
        float[] x = Random(r, n), g = Random(r, n), m = new float[n], y = new float[n];
        var c = new SgdCoefficients(0.01f, 5e-4f, 1f, 1f, 0.9f, 1f, 0f, 1f);

        AssertHelpersTakeWork(() => SamKernels.AddScaled(x, g, 0.5f, y), "AddScaled");
        AssertHelpersTakeWork(() => SamKernels.SgdMomentumStep(x, g, m, c), "SgdMomentumStep");
        AssertHelpersTakeWork(() => SamKernels.SumOfSquares(g), "SumOfSquares");
    }

    [Fact]
    public void A_sam_step_on_a_large_model_hands_work_to_the_helpers()
    {
        using var scope = new ParallelismScope(2, SamParallelism.MinParallelLength);
        int[] lengths = [1 << 20, 1000];
        Parameter[] ps = RandomModels.Parameters(lengths, 3);
        var loss = new TestLoss(lengths, 3);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
        loss.Accumulate(ps);
        AssertHelpersTakeWork(() => { sam.Perturb(); sam.RestoreAndStep(); }, "SamOptimizer step");
    }

    // ResNet-like layouts: every tensor below the per-tensor threshold, yet the phase as a whole is large. The phase
    // runs as one job over every tensor, so the helpers take part; per-tensor dispatch kept them all serial.
    [Fact]
    public void A_step_over_many_small_tensors_hands_work_to_the_helpers()
    {
        using var scope = new ParallelismScope(2, SamParallelism.MinParallelLength);
        int[] lengths = new int[300];
        lengths.AsSpan().Fill(1500); // 450,000 elements, each tensor far below MinParallelLength
        Parameter[] ps = RandomModels.Parameters(lengths, 4);
        var loss = new TestLoss(lengths, 4);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4));
        loss.Accumulate(ps);
        AssertHelpersTakeWork(() => { sam.Perturb(); sam.RestoreAndStep(); }, "SAM step over 300 small tensors");
        AssertHelpersTakeWork(sam.BaseStep, "base step over 300 small tensors");
    }

    // ResNet-18's step is mostly tensors below the per-tensor streaming threshold; the phase as a whole is far larger
    // than any cache, so every tensor's outputs are streamed (and, being aligned buffers, can be).
    [Fact]
    public void A_step_far_larger_than_the_cache_streams_every_tensor_however_small()
    {
        int[] lengths = new int[40];
        lengths.AsSpan().Fill(120_000); // 4.8M elements in all, every tensor < NonTemporalThreshold
        Parameter[] ps = RandomModels.Parameters(lengths, 6);
        var loss = new TestLoss(lengths, 6);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9));
        loss.Accumulate(ps);
        sam.BaseStep(); // the momentum's first step reads and writes the same spare buffer; later steps stream
        long streamed = StepKernels.StreamedElements;

        sam.Perturb();
        sam.RestoreAndStep();

        Assert.True(StepKernels.StreamedElements - streamed >= 4_800_000, $"{StepKernels.StreamedElements - streamed} of 4,800,000 elements streamed");
    }

    // Streaming covers the plain perturbation job, the variants' perturbation kernels and the SGD-momentum step.
    [Theory]
    [InlineData("sgd-momentum", SamVariant.Sam)]
    [InlineData("adamw", SamVariant.Sam)]
    [InlineData("amsgrad", SamVariant.Sam)]
    [InlineData("sgd-momentum", SamVariant.Asam)]
    [InlineData("sgd-momentum", SamVariant.Vasso)]
    [InlineData("sgd-momentum", SamVariant.Gsam)]
    public void Streamed_and_cached_steps_give_the_same_bits(string optimizer, SamVariant variant)
    {
        int[] lengths = new int[24];
        lengths.AsSpan().Fill(200_000); // 4.8M elements: the phase streams every tensor
        float[][] results = new float[2][];
        foreach (bool streaming in new[] { true, false })
        {
            bool before = StepKernels.Streaming;
            StepKernels.Streaming = streaming;
            try
            {
                Parameter[] ps = RandomModels.Parameters(lengths, 8);
                var loss = new TestLoss(lengths, 8);
                BaseOptimizer base_ = optimizer == "sgd-momentum" ? new Sgd(0.01, 0.9, weightDecay: 5e-4) : new AdamW(1e-3, amsgrad: optimizer == "amsgrad");
                var sam = new SamOptimizer(ps, new SamSettings { Rho = variant == SamVariant.Asam ? 0.5 : 0.05, Variant = variant, AsamScaleBiases = true }, base_); // the tensors are 1-D
                long streamed = StepKernels.StreamedElements, streamedVariant = VariantKernels.StreamedElements, streamedState = VariantKernels.StreamedStateElements;
                for (int step = 0; step < 3; step++)
                {
                    sam.SharpnessAwareStep(() => loss.Accumulate(ps));
                }

                if (variant != SamVariant.Sam)
                {
                    Assert.Equal(streaming, VariantKernels.StreamedElements > streamedVariant); // the variant's perturbation kernel
                }

                // The state a rule writes in its perturbation (GSAM's saved g, VaSSO's average) streams with it.
                Assert.Equal(streaming && variant is SamVariant.Gsam or SamVariant.Vasso, VariantKernels.StreamedStateElements > streamedState);

                Assert.Equal(streaming && optimizer == "sgd-momentum", StepKernels.StreamedElements > streamed); // AdamW is never streamed
                results[streaming ? 0 : 1] = [.. ps.SelectMany(p => p.TrainedValue.ToArray())];
            }
            finally
            {
                StepKernels.Streaming = before;
            }
        }

        Assert.True(results[0].AsSpan().SequenceEqual(results[1]), "streamed and cached steps differ");
    }

    [Fact]
    public void Buffers_long_enough_to_stream_start_at_their_place_in_a_page()
    {
        foreach (int length in new[] { SamKernels.ReductionBlockSize, 36_864, 147_457, 589_824, 2_359_296 })
        {
            foreach (BufferPlace place in Enum.GetValues<BufferPlace>())
            {
                AlignedBuffer b = AlignedBuffer.Allocate(length, place);
                unsafe
                {
                    Assert.Equal((nuint)(int)place, (nuint)b.Pointer % 4096);
                }

                Assert.Equal(length, b.Span.Length);
                AlignedBuffer partner = AlignedBuffer.PartnerOf(b, length);
                Assert.Equal(2048, ((partner.Address - b.Address) % 4096 + 4096) % 4096);
            }

            // State kept for weights elsewhere (a TorchSharp tensor at some page offset) pairs with them the same way.
            AlignedBuffer anchored = AlignedBuffer.Allocate(length, BufferPlace.First, anchor: 4096 * 7 + 1344);
            Assert.Equal(1344, anchored.Address % 4096);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Non_temporal_perturbation_copy_equals_the_scalar_formula(int degree)
    {
        using var scope = new ParallelismScope(degree, SamParallelism.MinParallelLength);
        int n = SamKernels.NonTemporalThreshold + 12_345; // streaming path, odd tail
        var r = new Random(degree);
        float[] x = Random(r, n), g = Random(r, n);
        float a = 0.0371f;
        float[] buffer = new float[n + 16];
        foreach (int offset in new[] { 0, 1, 3 }) // destinations at different alignments
        {
            Span<float> y = buffer.AsSpan(offset, n);
            y.Clear();
            SamKernels.AddScaled(x, g, a, y);
            for (int i = 0; i < n; i++)
            {
                float expected = x[i] + (a * g[i]);
                if (BitConverter.SingleToInt32Bits(expected) != BitConverter.SingleToInt32Bits(y[i]))
                {
                    Assert.Fail($"element {i} (offset {offset}): {y[i]:R} instead of {expected:R}");
                }
            }
        }
    }

    // Runs the pass until a helper has processed part of it (at most 20 s, so a 1-CPU or loaded CI machine where
    // the helper is slow to be scheduled still passes; a serial implementation never does).
    private static void AssertHelpersTakeWork(Action pass, string what)
    {
        long elements = Partitioning.HelperElements;
        long dispatches = Partitioning.Dispatches;
        var clock = Stopwatch.StartNew();
        int passes = 0;
        do
        {
            pass();
            passes++;
        }
        while (Partitioning.HelperElements == elements && clock.Elapsed < TimeSpan.FromSeconds(20));

        Assert.True(Partitioning.Dispatches > dispatches, $"{what}: the partitioned path did not run");
        Assert.True(Partitioning.HelperElements > elements, $"{what}: no helper thread processed any part of {passes} passes");
    }

    private static float[] Random(Random r, int n)
    {
        var x = new float[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = (float)((r.NextDouble() * 2) - 1);
        }

        return x;
    }
}
