using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.TorchTests;

/// <summary>
/// The device path (float32 host copies synchronised by copy_) against the fast path on the same CPU float32 models,
/// and on the tensors only it can take: float64, bfloat16, non-contiguous, a model converted after capture.
/// </summary>
public sealed class DevicePathTests
{
    private const int Steps = 50;
    private readonly ITestOutputHelper output;

    public DevicePathTests(ITestOutputHelper output)
    {
        this.output = output;
        Models.SingleThreaded();
    }

    public static TheoryData<string, string, SamVariant> Cases => new()
    {
        { "mlp", "sgd-momentum", SamVariant.Sam },
        { "cnn-bn-field", "sgd-momentum", SamVariant.Asam },
        { "cnn-bn-sequential", "adamw", SamVariant.Sam },
        { "mlp", "adamw", SamVariant.FriendlySam },
        { "cnn-bn-field", "adamw", SamVariant.Gsam },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Device_path_matches_the_fast_path_within_1e6_over_50_steps(string name, string optimizer, SamVariant variant)
    {
        (Func<int, nn.Module<Tensor, Tensor>> factory, bool images) = ReferenceEquivalenceTests.Model(name);
        using nn.Module<Tensor, Tensor> fast = factory(7), device = factory(7);
        (Tensor X, Tensor Y)[] batches = Models.Batches(11, Steps, images);
        var settings = new SamSettings { Rho = variant == SamVariant.Asam ? 0.5 : 0.05, Variant = variant };
        using var onFast = new TorchSamOptimizer(fast, settings, Base(optimizer));
        using var onDevice = new TorchSamOptimizer(device, settings, Base(optimizer), new TorchSamOptions { ForceDevicePath = true });
        Assert.True(Paths(onFast).All(p => p == "fast"));
        Assert.True(Paths(onDevice).All(p => p == "device"));

        foreach ((Tensor x, Tensor y) in batches)
        {
            onFast.SharpnessAwareStep(() => Models.LossAndGradients(fast, x, y));
            onDevice.SharpnessAwareStep(() => Models.LossAndGradients(device, x, y));
        }

        double difference = Tensors.MaxRelativeDifference(Tensors.State(device), Tensors.State(fast), out string worst);
        output.WriteLine($"{name} {optimizer} {variant}: device vs fast path after {Steps} steps: {difference:E2} ({worst})");
        Assert.True(difference <= 1e-6, $"relative difference {difference:E2} at {worst}");
        Assert.Equal(State(onFast), State(onDevice));
    }

    [Theory]
    [InlineData("cnn-bn-field", "sgd-momentum")]
    [InlineData("mlp", "adamw")]
    public void Fast_path_small_tensors_copied_or_re_seated_train_bit_identically(string name, string optimizer)
    {
        (Func<int, nn.Module<Tensor, Tensor>> factory, bool images) = ReferenceEquivalenceTests.Model(name);
        using nn.Module<Tensor, Tensor> copied = factory(2), reseated = factory(2);
        (Tensor X, Tensor Y)[] batches = Models.Batches(3, 20, images);
        var settings = new SamSettings { Rho = 0.05, Variant = SamVariant.FriendlySam };
        using var onCopy = new TorchSamOptimizer(copied, settings, Base(optimizer));
        using var onSet = new TorchSamOptimizer(reseated, settings, Base(optimizer), new TorchSamOptions { CopyFlipMaxLength = 0 });

        foreach ((Tensor x, Tensor y) in batches)
        {
            onCopy.SharpnessAwareStep(() => Models.LossAndGradients(copied, x, y));
            onSet.SharpnessAwareStep(() => Models.LossAndGradients(reseated, x, y));
            onCopy.ZeroGradients();
            Models.LossAndGradients(copied, x, y);
            onCopy.Perturb();
            Assert.True(Tensors.BitIdentical(Tensors.State(copied), Perturbed(onSet, reseated, x, y)), "perturbed weights differ");
            onCopy.Restore();
        }

        Assert.True(Tensors.BitIdentical(Tensors.State(copied), Tensors.State(reseated)), "copy flip and re-seat differ");
    }

    [Fact]
    public void Manual_phases_and_m_sharpness_on_the_device_path_match_the_fast_path()
    {
        using nn.Module<Tensor, Tensor> fast = Models.CnnWithBatchNormField(3), device = Models.CnnWithBatchNormField(3);
        (Tensor X, Tensor Y)[] batches = Models.Batches(4, 6, images: true);
        var settings = new SamSettings { Rho = 0.05 };
        using var onFast = new TorchSamOptimizer(fast, settings, new Sgd(0.05, 0.9));
        using var onDevice = new TorchSamOptimizer(device, settings, new Sgd(0.05, 0.9), new TorchSamOptions { ForceDevicePath = true });

        foreach ((TorchSamOptimizer sam, nn.Module<Tensor, Tensor> model) in new[] { (onFast, fast), (onDevice, device) })
        {
            foreach ((Tensor x, Tensor y) in batches)
            {
                sam.ZeroGradients();
                Models.LossAndGradients(model, x, y);
                sam.Perturb();
                sam.ZeroGradients();
                Models.LossAndGradients(model, x, y);
                sam.RestoreAndStep();
                sam.MSharpnessStep(2, model, (x, y), static (m, b, part) => Models.LossAndGradients(m, b.x.chunk(2)[part], b.y.chunk(2)[part]));
                sam.ZeroGradients();
                Models.LossAndGradients(model, x, y);
                sam.BaseStep();
            }
        }

        double difference = Tensors.MaxRelativeDifference(Tensors.State(device), Tensors.State(fast), out string worst);
        output.WriteLine($"manual phases + m-sharpness: device vs fast path: {difference:E2} ({worst})");
        Assert.True(difference <= 1e-6, $"relative difference {difference:E2} at {worst}");
    }

    [Theory]
    [InlineData(ScalarType.Float64, "cnn-bn-field")]
    [InlineData(ScalarType.BFloat16, "mlp")]
    [InlineData(ScalarType.Float16, "mlp")]
    public void Float64_and_low_precision_models_train_on_the_device_path(ScalarType dtype, string name)
    {
        (Func<int, nn.Module<Tensor, Tensor>> factory, bool images) = ReferenceEquivalenceTests.Model(name);
        using nn.Module<Tensor, Tensor> model = factory(5);
        model.to(dtype);
        (Tensor x32, Tensor y) = Models.Batches(6, 1, images)[0];
        using Tensor x = x32.to(dtype);
        // Contiguous CPU bfloat16/float16 would take their own fast path (MixedPrecisionPathTests): forced here.
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9), new TorchSamOptions { ForceDevicePath = dtype != ScalarType.Float64 });
        Assert.True(Paths(sam).All(p => p == "device"));

        float first = sam.SharpnessAwareStep(() => Models.LossAndGradients(model, x, y));
        float last = first;
        for (int i = 0; i < 30; i++)
        {
            last = sam.SharpnessAwareStep(() => Models.LossAndGradients(model, x, y));
        }

        output.WriteLine($"{dtype} {name}: loss {first:F4} -> {last:F4}");
        Assert.True(last < 0.5f * first, $"loss {first} -> {last}");
        Assert.All(model.parameters(), p => Assert.Equal(dtype, p.dtype));

        // The master copy is float32: the parameter shows it rounded to its own type.
        Parameter master = sam.Parameters[0];
        using Tensor shown = model.named_parameters().Single(p => p.name == master.Name).parameter.detach().to(ScalarType.Float32).flatten();
        using Tensor rounded = tensor(master.TrainedValue.ToArray()).to(dtype).to(ScalarType.Float32);
        Assert.Equal(rounded.data<float>().ToArray(), shown.data<float>().ToArray());
    }

    [Fact]
    public void A_non_contiguous_parameter_trains_like_its_contiguous_twin()
    {
        using Tensor values = randn(4, 3);
        using var transposed = new TorchParameter(values.clone().t());       // a [3, 4] view with strides (1, 3)
        using var contiguous = new TorchParameter(values.t().contiguous());
        Assert.False(transposed.is_contiguous());
        using Tensor x = randn(8, 3), y = randn(8, 4);
        using var onDevice = new TorchSamOptimizer([("w", transposed)], new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9));
        using var onFast = new TorchSamOptimizer([("w", contiguous)], new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9));
        Assert.Equal(["device"], Paths(onDevice));

        for (int i = 0; i < 10; i++)
        {
            onDevice.SharpnessAwareStep(() => Mse(transposed, x, y));
            onFast.SharpnessAwareStep(() => Mse(contiguous, x, y));
        }

        Assert.False(transposed.is_contiguous());
        Assert.Equal(contiguous.data<float>().ToArray(), transposed.contiguous().data<float>().ToArray());
        Assert.NotEqual(values.t().contiguous().data<float>().ToArray(), transposed.contiguous().data<float>().ToArray());
    }

    [Theory]
    [InlineData("perturbation")]
    [InlineData("step")]
    public void Nan_gradient_in_either_phase_leaves_weights_and_state_untouched_on_the_device_path(string phase)
    {
        using nn.Module<Tensor, Tensor> model = Models.CnnWithBatchNormField(1);
        (Tensor x, Tensor y) = Models.Batches(2, 1, images: true)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05, Variant = SamVariant.FriendlySam }, new AdamW(1e-2), new TorchSamOptions { ForceDevicePath = true });
        sam.SharpnessAwareStep(() => Models.LossAndGradients(model, x, y)); // optimizer state exists
        sam.ZeroGradients();
        Models.LossAndGradients(model, x, y);
        Dictionary<string, float[]> before = Tensors.State(model);
        byte[] state = State(sam);
        float[][] masters = sam.Parameters.Select(p => p.TrainedValue.ToArray()).ToArray();

        if (phase == "perturbation")
        {
            Poison(model, "fc.weight");
            Assert.Equal("fc.weight", Assert.Throws<NonFiniteGradientException>(sam.Perturb).ParameterName);
        }
        else
        {
            sam.Perturb();
            sam.ZeroGradients();
            Models.LossAndGradients(model, x, y);
            Poison(model, "conv1.weight");
            Assert.Equal("conv1.weight", Assert.Throws<NonFiniteGradientException>(sam.RestoreAndStep).ParameterName);
        }

        Assert.False(sam.IsPerturbed);
        Assert.True(Tensors.BitIdentical(Tensors.State(model), before), "weights or running statistics changed");
        Assert.Equal(state, State(sam));
        Assert.All(sam.Parameters.Select((p, i) => (p, i)), t => Assert.Equal(masters[t.i], t.p.TrainedValue.ToArray()));
    }

    [Fact]
    public void A_warm_device_path_step_allocates_no_managed_memory()
    {
        using nn.Module<Tensor, Tensor> model = Models.CnnWithBatchNormInSequential(1);
        (Tensor x, Tensor y) = Models.Batches(2, 1, images: true)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9, weightDecay: 5e-4), new TorchSamOptions { ForceDevicePath = true });
        Models.LossAndGradients(model, x, y);

        // As the fast path's test: the optimizer's work around a closure that does no TorchSharp work itself.
        long bytes = ResourceTests.BytesPerStep(() => sam.SharpnessAwareStep(sam, static _ => 1f));
        long phases = ResourceTests.BytesPerStep(() =>
        {
            sam.Perturb();
            sam.RestoreAndStep();
        });
        output.WriteLine($"device path, managed bytes per step: SharpnessAwareStep {bytes}, Perturb + RestoreAndStep {phases}");
        Assert.Equal(0, bytes);
        Assert.Equal(0, phases);
    }

    [Theory]
    [InlineData(ScalarType.Float64, "cnn-bn-field")]
    [InlineData(ScalarType.BFloat16, "mlp")]
    public void Converting_the_model_after_a_step_recaptures_it_and_keeps_the_optimizer_state(ScalarType dtype, string name)
    {
        (Func<int, nn.Module<Tensor, Tensor>> factory, bool images) = ReferenceEquivalenceTests.Model(name);
        (Tensor X, Tensor Y)[] batches = Models.Batches(8, 3, images);
        using Tensor x1 = batches[1].X.to(dtype), x2 = batches[2].X.to(dtype);
        var settings = new SamSettings { Rho = 0.05 };

        // Converted under a live optimizer.
        using nn.Module<Tensor, Tensor> live = factory(4);
        using var sam = new TorchSamOptimizer(live, settings, new Sgd(0.05, 0.9));
        Parameter first = sam.Parameters[0];
        sam.SharpnessAwareStep(() => Models.LossAndGradients(live, batches[0].X, batches[0].Y));
        live.to(dtype);
        sam.SharpnessAwareStep(() => Models.LossAndGradients(live, x1, batches[1].Y));
        sam.SharpnessAwareStep(() => Models.LossAndGradients(live, x2, batches[2].Y));
        Assert.Same(first, sam.Parameters[0]);
        Assert.Equal(3, sam.StepCount);
        string path = dtype == ScalarType.Float64 ? "device" : "half"; // whichever path now fits the tensors
        Assert.True(Paths(sam).All(p => p == path));

        // The documented alternative: save the state, convert, a new optimizer, load the state.
        using nn.Module<Tensor, Tensor> twin = factory(4);
        var state = new MemoryStream();
        using (var before = new TorchSamOptimizer(twin, settings, new Sgd(0.05, 0.9)))
        {
            before.SharpnessAwareStep(() => Models.LossAndGradients(twin, batches[0].X, batches[0].Y));
            before.SaveState(state);
        }

        twin.to(dtype);
        state.Position = 0;
        using var after = new TorchSamOptimizer(twin, settings, new Sgd(0.05, 0.9));
        after.LoadState(state);
        after.SharpnessAwareStep(() => Models.LossAndGradients(twin, x1, batches[1].Y));
        after.SharpnessAwareStep(() => Models.LossAndGradients(twin, x2, batches[2].Y));

        Assert.True(Tensors.BitIdentical(Tensors.State(live), Tensors.State(twin)), "re-captured run differs from save/convert/load");
    }

    [Fact]
    public void Converting_parameters_given_without_their_module_reports_the_products_message()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(1);
        (Tensor x, Tensor y) = Models.Batches(2, 1, images: false)[0];
        using var sam = new TorchSamOptimizer(model.named_parameters(), new SamSettings(), new Sgd(0.1));
        sam.SharpnessAwareStep(() => Models.LossAndGradients(model, x, y));

        model.to(ScalarType.Float64);
        using Tensor x64 = x.to(ScalarType.Float64);
        var e = Assert.Throws<InvalidOperationException>(() => sam.SharpnessAwareStep(() => Models.LossAndGradients(model, x64, y)));
        Assert.Contains("create a new TorchSamOptimizer", e.Message, StringComparison.Ordinal);
        Assert.Contains("fc1.weight", e.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, float[]> Perturbed(TorchSamOptimizer sam, nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        sam.ZeroGradients();
        Models.LossAndGradients(model, x, y);
        sam.Perturb();
        Dictionary<string, float[]> state = Tensors.State(model);
        sam.Restore();
        return state;
    }

    private static BaseOptimizer Base(string optimizer) =>
        optimizer == "adamw" ? new AdamW(1e-2, weightDecay: 0.01) : new Sgd(0.05, 0.9, weightDecay: 5e-4);

    private static string[] Paths(TorchSamOptimizer sam) =>
        sam.OnDevicePath.Zip(sam.HalfPath).Select(p => p.First ? "device" : p.Second ? "half" : "fast").ToArray();

    private static byte[] State(TorchSamOptimizer sam)
    {
        var stream = new MemoryStream();
        sam.SaveState(stream);
        return stream.ToArray();
    }

    private static float Mse(TorchParameter w, Tensor x, Tensor y)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor loss = nn.functional.mse_loss(x.matmul(w), y);
        loss.backward();
        return loss.item<float>();
    }

    private static void Poison(nn.Module model, string name)
    {
        using Tensor grad = model.named_parameters().Single(p => p.name == name).parameter.grad!;
        grad.view(-1)[1] = float.NaN;
    }
}
