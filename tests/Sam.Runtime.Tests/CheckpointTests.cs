using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// Save after N steps, continue M steps (the reference); a fresh optimizer that loads the checkpoint and takes
/// the same M steps must end bitwise identical.
/// </summary>
public class CheckpointTests
{
    private const int Before = 6;
    private const int After = 5;

    public static TheoryData<string> Cases() => new(Configurations.Keys);

    private static readonly System.Collections.Generic.Dictionary<string, Func<(SamSettings, BaseOptimizer)>> Configurations = new()
    {
        ["sgd-momentum"] = () => (new SamSettings { Rho = 0.1, LearningRateSchedule = Schedule.Cosine(40, floor: 1e-3, warmupSteps: 3), Interval = 2 }, new Sgd(0.05, 0.9, weightDecay: 1e-3)),
        ["nesterov"] = () => (new SamSettings { Rho = 0.1, RhoSchedule = Schedule.Polynomial(0.5, warmupSteps: 4) }, new Sgd(0.05, 0.9, nesterov: true)),
        ["adamw"] = () => (new SamSettings { Rho = 0.1 }, new AdamW(1e-2)),
        ["adamw-amsgrad"] = () => (new SamSettings { Rho = 0.1, MaxGradientNorm = 2 }, new AdamW(1e-2, amsgrad: true)),
        ["vasso"] = () => (new SamSettings { Rho = 0.1, Variant = SamVariant.Vasso, VassoTheta = 0.3 }, new Sgd(0.05, 0.9)),
        ["friendly-sam"] = () => (new SamSettings { Rho = 0.1, Variant = SamVariant.FriendlySam, FriendlyLambda = 0.8, FriendlySigma = 0.5 }, new AdamW(1e-2)),
        ["gsam"] = () => (new SamSettings { Rho = 0.1, Variant = SamVariant.Gsam, GsamAlpha = 0.3 }, new Sgd(0.05, 0.9)),
        ["gcsam"] = () => (new SamSettings { Rho = 0.1, Variant = SamVariant.Gcsam }, new Sgd(0.05, 0.9, dampening: 0.1)),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_resumed_run_is_bitwise_identical_to_the_uninterrupted_one(string name)
    {
        var model = new VariantModel(700 + name.Length, tensors: 4);
        (SamOptimizer sam, Parameter[] ps) = Create(model, name);
        Train(sam, ps, model, Before);
        var checkpoint = new MemoryStream();
        SamCheckpoint.SaveWeights(checkpoint, sam);
        sam.SaveState(checkpoint);
        Train(sam, ps, model, After);

        (SamOptimizer resumed, Parameter[] rs) = Create(model, name);
        foreach (Parameter p in rs)
        {
            p.LoadValues(new float[p.Length]); // the load, not the initialisation, must supply the weights
        }

        checkpoint.Position = 0;
        SamCheckpoint.LoadWeights(checkpoint, resumed);
        resumed.LoadState(checkpoint);
        Assert.Equal(checkpoint.Length, checkpoint.Position);
        Assert.Equal(Before, resumed.StepCount);
        Train(resumed, rs, model, After);

        Assert.Equal(sam.StepCount, resumed.StepCount);
        Assert.Equal(sam.LastStep, resumed.LastStep);
        Assert.Empty(resumed.UnboundStatePaths);
        for (int t = 0; t < ps.Length; t++)
        {
            Assert.True(Bits(ps[t]).SequenceEqual(Bits(rs[t])), $"{name}: {ps[t].Name} differs after resuming.");
        }

        // Weights alone are not enough: without the state the run diverges, so the test above has power.
        (SamOptimizer weightsOnly, Parameter[] ws) = Create(model, name);
        checkpoint.Position = 0;
        SamCheckpoint.LoadWeights(checkpoint, weightsOnly);
        Train(weightsOnly, ws, model, After);
        Assert.Contains(Enumerable.Range(0, ps.Length), t => !Bits(ps[t]).SequenceEqual(Bits(ws[t])));
    }

    [Fact]
    public void Load_then_save_before_any_step_writes_the_same_bytes_and_state_binds_on_the_first_step()
    {
        var model = new VariantModel(71, tensors: 3);
        (SamOptimizer sam, Parameter[] ps) = Create(model, "adamw-amsgrad");
        Train(sam, ps, model, 3);
        byte[] saved = SaveState(sam);

        (SamOptimizer fresh, Parameter[] fs) = Create(model, "adamw-amsgrad");
        fresh.LoadState(new MemoryStream(saved));
        Assert.Equal(ps.Select(p => p.Name).Order(), fresh.UnboundStatePaths.Order());
        Assert.Equal(saved, SaveState(fresh));

        Train(fresh, fs, model, 1);
        Assert.Empty(fresh.UnboundStatePaths);
    }

    [Fact]
    public void Zero_bytes_are_allocated_per_step_after_a_load()
    {
        var model = new VariantModel(72, tensors: 4);
        (SamOptimizer sam, Parameter[] ps) = Create(model, "friendly-sam");
        Train(sam, ps, model, 2);
        byte[] saved = SaveState(sam);

        (SamOptimizer fresh, Parameter[] fs) = Create(model, "friendly-sam");
        fresh.LoadState(new MemoryStream(saved));
        Func<Parameter[], float> callback = model.Loss.Accumulate;
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() => fresh.SharpnessAwareStep(fs, callback)));
    }

    [Fact]
    public void Wrong_magic_version_or_truncation_is_invalid_data_and_leaves_the_engine_unchanged()
    {
        var model = new VariantModel(73, tensors: 3);
        (SamOptimizer sam, Parameter[] ps) = Create(model, "sgd-momentum");
        Train(sam, ps, model, 3);
        byte[] saved = SaveState(sam);

        (SamOptimizer target, Parameter[] ts) = Create(model, "sgd-momentum");
        Train(target, ts, model, 1);

        byte[] magic = (byte[])saved.Clone();
        magic[0] = (byte)'X';
        Assert.Contains("SAMS", Assert.Throws<InvalidDataException>(() => target.LoadState(new MemoryStream(magic))).Message);

        byte[] version = (byte[])saved.Clone();
        version[4] = 99;
        Assert.Contains("version 99", Assert.Throws<InvalidDataException>(() => target.LoadState(new MemoryStream(version))).Message);

        for (int cut = 0; cut < saved.Length; cut += 1 + (cut / 7))
        {
            Assert.Throws<InvalidDataException>(() => target.LoadState(new MemoryStream(saved[..cut])));
            Assert.Throws<InvalidDataException>(() => target.LoadState(new NonSeekable(saved[..cut])));
        }

        Assert.Throws<InvalidDataException>(() => SamCheckpoint.LoadWeights(new MemoryStream(saved), target)); // state is not weights
        Assert.Equal(1, target.StepCount);
        Assert.Empty(target.UnboundStatePaths);
    }

    [Fact]
    public void A_length_mismatch_names_the_parameter_on_the_first_step_before_anything_is_written()
    {
        Parameter[] small = [Parameter.Uniform("w", new Random(1), -1, 1, 4), Parameter.Uniform("b", new Random(2), -1, 1, 2)];
        var loss = new TestLoss([4, 2], 5);
        var sam = new SamOptimizer(small, new SamSettings { Rho = 0.1 }, new Sgd(0.05, 0.9));
        sam.SharpnessAwareStep(small, loss.Accumulate);
        byte[] saved = SaveState(sam);

        Parameter[] big = [Parameter.Uniform("w", new Random(1), -1, 1, 5), Parameter.Uniform("b", new Random(2), -1, 1, 2)];
        var other = new SamOptimizer(big, new SamSettings { Rho = 0.1 }, new Sgd(0.05, 0.9));
        other.LoadState(new MemoryStream(saved));
        float[][] before = RandomModels.Copy(big);
        var bigLoss = new TestLoss([5, 2], 5);
        var e = Assert.Throws<InvalidOperationException>(() => other.SharpnessAwareStep(big, bigLoss.Accumulate));
        Assert.Contains("'w'", e.Message);
        Assert.Contains("4 elements", e.Message);
        Assert.False(other.IsPerturbed);
        Assert.Equal(0, RandomModels.MaxRelativeDifference(big, before));
    }

    [Fact]
    public void Saving_refuses_two_stateful_parameters_with_one_name_and_both_calls_refuse_perturbed_weights()
    {
        Parameter[] ps = [Parameter.Uniform("w", new Random(1), -1, 1, 3), Parameter.Uniform("w", new Random(2), -1, 1, 2)];
        var loss = new TestLoss([3, 2], 6);
        var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.1 }, new Sgd(0.05, 0.9));
        sam.SharpnessAwareStep(ps, loss.Accumulate);
        var stream = new MemoryStream();
        var e = Assert.Throws<InvalidOperationException>(() => sam.SaveState(stream));
        Assert.Contains("'w'", e.Message);
        Assert.Equal(0, stream.Length);

        // Without momentum there is no state to tell apart, so the same names save fine.
        var plain = new SamOptimizer(ps, new SamSettings { Rho = 0.1 }, new Sgd(0.05));
        plain.SharpnessAwareStep(ps, loss.Accumulate);
        plain.SaveState(new MemoryStream());

        sam.ZeroGradients();
        loss.Accumulate(ps);
        sam.Perturb();
        Assert.Throws<InvalidOperationException>(() => sam.SaveState(new MemoryStream()));
        Assert.Throws<InvalidOperationException>(() => sam.LoadState(new MemoryStream()));
        Assert.Throws<InvalidOperationException>(() => SamCheckpoint.LoadWeights(new MemoryStream(), new SamOptimizer([ps[0]], new SamSettings(), new Sgd(0.1))));
        sam.Restore();
    }

    [Fact]
    public void Another_base_optimizer_or_variant_is_refused()
    {
        var model = new VariantModel(74, tensors: 2);
        (SamOptimizer sam, Parameter[] ps) = Create(model, "vasso");
        Train(sam, ps, model, 2);
        byte[] saved = SaveState(sam);

        (SamOptimizer adam, _) = Create(model, "adamw");
        Assert.Contains("Sgd", Assert.Throws<InvalidOperationException>(() => adam.LoadState(new MemoryStream(saved))).Message);
        (SamOptimizer sgd, _) = Create(model, "sgd-momentum");
        Assert.Contains("Vasso", Assert.Throws<InvalidOperationException>(() => sgd.LoadState(new MemoryStream(saved))).Message);
    }

    [Fact]
    public void Weights_are_checked_by_path_and_shape_before_any_is_written()
    {
        Parameter[] ps = [Parameter.Uniform("a", new Random(1), -1, 1, 2, 3), Parameter.Uniform("b", new Random(2), -1, 1, 4)];
        var stream = new MemoryStream();
        SamCheckpoint.SaveWeights(stream, new SamOptimizer(ps, new SamSettings(), new Sgd(0.1)));
        byte[] saved = stream.ToArray();

        Parameter[] reshaped = [new Parameter("a", 3, 2), new Parameter("b", 4)];
        string message = Assert.Throws<InvalidOperationException>(() => SamCheckpoint.LoadWeights(new MemoryStream(saved), new SamOptimizer(reshaped, new SamSettings(), new Sgd(0.1)))).Message;
        Assert.Contains("'a'", message);
        Assert.All(reshaped, p => Assert.All(p.TrainedValue.ToArray(), v => Assert.Equal(0f, v)));

        Parameter[] missing = [new Parameter("a", 2, 3), new Parameter("c", 4)];
        Assert.Contains("'c'", Assert.Throws<InvalidOperationException>(() => SamCheckpoint.LoadWeights(new MemoryStream(saved), new SamOptimizer(missing, new SamSettings(), new Sgd(0.1)))).Message);

        Parameter[] fewer = [new Parameter("a", 2, 3)];
        Assert.Contains("'b'", Assert.Throws<InvalidOperationException>(() => SamCheckpoint.LoadWeights(new MemoryStream(saved), new SamOptimizer(fewer, new SamSettings(), new Sgd(0.1)))).Message);

        for (int cut = 0; cut < saved.Length; cut += 3)
        {
            Assert.Throws<InvalidDataException>(() => SamCheckpoint.LoadWeights(new MemoryStream(saved[..cut]), new SamOptimizer(fewer, new SamSettings(), new Sgd(0.1))));
        }
    }

    [Fact]
    public void Paths_are_formatted_with_every_enclosing_index()
    {
        Assert.Equal("Blocks[2].Layers[0].W", SamCheckpoint.FormatPath("Blocks[].Layers[].W", [2, 0]));
        Assert.Equal("W", SamCheckpoint.FormatPath("W", default));
        Assert.Throws<ArgumentException>(() => SamCheckpoint.FormatPath("Blocks[].W", [1, 2]));
    }

    private static (SamOptimizer, Parameter[]) Create(VariantModel model, string name)
    {
        Parameter[] ps = model.CreateParameters();
        (SamSettings settings, BaseOptimizer optimizer) = Configurations[name]();
        return (model.CreateOptimizer(ps, settings, optimizer), ps);
    }

    private static void Train(SamOptimizer sam, Parameter[] ps, VariantModel model, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            sam.SharpnessAwareStep(ps, model.Loss.Accumulate);
        }
    }

    private static byte[] SaveState(SamOptimizer engine)
    {
        var stream = new MemoryStream();
        engine.SaveState(stream);
        return stream.ToArray();
    }

    private static byte[] Bits(Parameter p) => MemoryMarshal.AsBytes(p.TrainedValue).ToArray();

    /// <summary>A stream that cannot seek, so truncation is found by reading, not by the length check.</summary>
    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
