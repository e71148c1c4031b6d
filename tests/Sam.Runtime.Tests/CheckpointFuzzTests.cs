using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// The checkpoint fuzzer: every truncation and every single-bit flip of a whole checkpoint (weights + optimizer
/// state in one stream) must be refused with <see cref="InvalidDataException"/> and leave the target's weights and
/// optimizer state byte-for-byte as they were; corrupted length fields must not make a load allocate more than
/// the stream holds. Deterministic (fixed seeds, every position), bounded to a few seconds.
/// </summary>
public class CheckpointFuzzTests
{
    private static readonly int[][] Shapes = [[3, 4], [5], [2, 2, 2]];

    // Every kind of optimizer state: none (plain SGD: a state record of its header only), momentum, VaSSO's d beside
    // momentum, and Friendly SAM's m beside AdamW/AMSGrad's m, v and max v.
    public static TheoryData<string> Configurations() => new() { "sam-plain-sgd", "sam-sgd-momentum", "vasso-sgd-momentum", "friendly-sam-adamw-amsgrad" };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Every_truncation_and_every_bit_flip_is_invalid_data_and_changes_neither_weights_nor_state(string configuration)
    {
        (SamOptimizer source, _) = Trained(configuration, seed: 1, steps: 4);
        byte[] checkpoint = Save(source);
        int stateStart = WeightsLength(source);

        // The target is trained differently, so a load that wrote anything would show.
        (SamOptimizer target, _) = Trained(configuration, seed: 2, steps: 3);
        byte[] before = Save(target);
        Assert.NotEqual(checkpoint, before);

        for (int cut = 0; cut < checkpoint.Length; cut++)
        {
            AssertRefusedAndUnchanged(target, new MemoryStream(checkpoint, 0, cut), before, $"truncated to {cut} bytes");
            AssertRefusedAndUnchanged(target, new NonSeekableStream(checkpoint[..cut]), before, $"truncated to {cut} bytes, non-seekable");
        }

        byte[] flipped = (byte[])checkpoint.Clone();
        for (int bit = 0; bit < checkpoint.Length * 8; bit++)
        {
            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
            AssertRefusedAndUnchanged(target, new MemoryStream(flipped), before, $"bit {bit} flipped");
            AssertRefusedAndUnchanged(target, new NonSeekableStream(flipped), before, $"bit {bit} flipped, non-seekable");
            if (bit / 8 >= stateStart)
            {
                // The engine's own LoadState (no model to confirm lengths) must refuse it too.
                var state = new MemoryStream(flipped) { Position = stateStart };
                Assert.Throws<InvalidDataException>(() => target.LoadState(state));
            }
            else
            {
                Assert.Throws<InvalidDataException>(() => SamCheckpoint.LoadWeights(new MemoryStream(flipped), target));
            }

            flipped[bit / 8] ^= (byte)(1 << (bit % 8));
        }

        Assert.Equal(before, Save(target));

        // The undamaged checkpoint loads, whole: the fuzzer's refusals are not a loader that refuses everything.
        SamCheckpoint.Load(new MemoryStream(checkpoint), target, target);
        Assert.Equal(checkpoint, Save(target));
    }

    [Fact]
    public void Huge_length_fields_on_a_non_seekable_stream_allocate_almost_nothing()
    {
        (SamOptimizer source, _) = Trained("friendly-sam-adamw-amsgrad", seed: 3, steps: 2);
        byte[] checkpoint = Save(source);
        (SamOptimizer target, _) = Trained("friendly-sam-adamw-amsgrad", seed: 4, steps: 1);
        Load(target, new NonSeekableStream(Save(target))); // warm up: the first load JIT-compiles and allocates statics
        byte[] before = Save(target);

        long worst = 0;
        byte[] damaged = (byte[])checkpoint.Clone();
        foreach (int huge in (int[])[1 << 28, 1 << 30, Array.MaxLength, int.MaxValue])
        {
            // Every position, so every length, count, rank and dimension field is hit without naming offsets.
            for (int at = 0; at + 4 <= checkpoint.Length; at++)
            {
                BitConverter.TryWriteBytes(damaged.AsSpan(at), huge);
                long allocated = GC.GetAllocatedBytesForCurrentThread();
                Assert.Throws<InvalidDataException>(() => Load(target, new NonSeekableStream(damaged)));
                worst = Math.Max(worst, GC.GetAllocatedBytesForCurrentThread() - allocated);
                checkpoint.AsSpan(at, 4).CopyTo(damaged.AsSpan(at));
            }
        }

        // A load of the whole (small) checkpoint allocates a few KiB; a corrupt length must not add gigabytes (it
        // used to allocate 2.1 GB for 2^28). Strings may be up to 64 KiB, so allow a little more than that.
        Assert.True(worst < 256 * 1024, $"A corrupt length field made a load allocate {worst:N0} bytes.");
        Assert.Equal(before, Save(target));
    }

    [Fact]
    public void Forged_lengths_with_valid_checksums_cost_no_more_memory_than_the_stream_holds()
    {
        (SamOptimizer target, _) = Trained("sam-sgd-momentum", seed: 5, steps: 2);
        byte[] before = Save(target);
        byte[] weights = Save(target)[..WeightsLength(target)];
        Load(target, new NonSeekableStream(before)); // warm up

        // State entries whose length the engine cannot confirm (LoadState on its own): the buffer grows only as
        // data arrives, and the stream ends after the header.
        byte[] unconfirmed = ForgedState(key: "nowhere", length: Array.MaxLength);
        AssertSmallAllocation(() => target.LoadState(new NonSeekableStream(unconfirmed)));

        // The combined load knows the model: a state length other than the parameter's is never allocated.
        byte[] mismatched = [.. weights, .. ForgedState(key: "p0", length: 1 << 30)];
        AssertSmallAllocation(() => SamCheckpoint.Load(new NonSeekableStream(mismatched), target, target));

        // A weight entry whose shape differs from the model's (or whose path it lacks) is never allocated either.
        foreach ((string path, int[] shape) in ((string, int[])[])[("p0", [1 << 15, 1 << 15]), ("zzz", [Array.MaxLength])])
        {
            var forged = new MemoryStream();
            var w = new CheckpointWriter(forged, "SAMW");
            w.WriteInt32(1);
            w.WriteCheck();
            w.WriteString(path);
            w.WriteInt32(shape.Length);
            foreach (int d in shape)
            {
                w.WriteInt32(d);
            }

            w.WriteCheck();
            AssertSmallAllocation(() => SamCheckpoint.LoadWeights(new NonSeekableStream(forged.ToArray()), target));
        }

        Assert.Equal(before, Save(target));

        static void AssertSmallAllocation(Action load)
        {
            long allocated = GC.GetAllocatedBytesForCurrentThread();
            Assert.Throws<InvalidDataException>(load); // the stream ends long before the forged length
            long used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.True(used < 1024 * 1024, $"A forged length made a load allocate {used:N0} bytes.");
        }
    }

    internal static (SamOptimizer Optimizer, Parameter[] Parameters) Trained(string configuration, int seed, int steps)
    {
        var random = new Random(seed);
        Parameter[] ps = Shapes.Select((s, k) => Parameter.Uniform("p" + k, random, -1, 1, s)).ToArray();
        (SamSettings settings, BaseOptimizer optimizer) = configuration switch
        {
            "sam-plain-sgd" => (new SamSettings { Rho = 0.1 }, (BaseOptimizer)new Sgd(0.05)),
            "sam-sgd-momentum" => (new SamSettings { Rho = 0.1 }, (BaseOptimizer)new Sgd(0.05, 0.9)),
            "vasso-sgd-momentum" => (new SamSettings { Rho = 0.1, Variant = SamVariant.Vasso, VassoTheta = 0.4 }, (BaseOptimizer)new Sgd(0.05, 0.9)),
            _ => (new SamSettings { Rho = 0.1, Variant = SamVariant.FriendlySam, FriendlyLambda = 0.8, FriendlySigma = 0.5 }, new AdamW(1e-2, amsgrad: true)),
        };
        var sam = new SamOptimizer(ps, settings, optimizer);
        var loss = new TestLoss(Shapes.Select(s => s.Aggregate(1, (a, b) => a * b)).ToArray(), seed);
        for (int i = 0; i < steps; i++)
        {
            sam.SharpnessAwareStep(ps, loss.Accumulate);
        }

        return (sam, ps);
    }

    internal static byte[] Save(SamOptimizer sam)
    {
        var stream = new MemoryStream();
        SamCheckpoint.Save(stream, sam, sam);
        return stream.ToArray();
    }

    private static int WeightsLength(SamOptimizer sam)
    {
        var stream = new MemoryStream();
        SamCheckpoint.SaveWeights(stream, sam);
        return (int)stream.Length;
    }

    private static void Load(SamOptimizer target, Stream stream) => SamCheckpoint.Load(stream, target, target);

    private static void AssertRefusedAndUnchanged(SamOptimizer target, Stream damaged, byte[] before, string what)
    {
        Exception? e = Record.Exception(() => Load(target, damaged));
        Assert.True(e is InvalidDataException, $"{what}: expected InvalidDataException, got {e?.GetType().Name ?? "a successful load"}: {e?.Message}");
        byte[] after = Save(target);
        Assert.True(before.AsSpan().SequenceEqual(after), $"{what}: the refused load changed the weights or the optimizer state.");
    }

    private static byte[] ForgedState(string key, int length)
    {
        var forged = new MemoryStream();
        var w = new CheckpointWriter(forged, "SAMS");
        w.WriteString(nameof(Sgd));
        w.WriteInt32((int)SamVariant.Sam);
        w.WriteInt64(2);
        w.WriteInt32(1);
        w.WriteCheck();
        w.WriteString(key);
        w.WriteInt32(length);
        w.WriteInt64(2);
        w.WriteByte(15);
        w.WriteCheck();
        return forged.ToArray();
    }
}

/// <summary>A stream that cannot seek, so truncation and lengths are found by reading, not by comparing with the stream's length.</summary>
internal sealed class NonSeekableStream(byte[] data) : MemoryStream(data)
{
    public override bool CanSeek => false;
}
