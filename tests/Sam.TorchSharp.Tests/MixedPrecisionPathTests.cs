using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Sam.TorchTests;

/// <summary>
/// How accumulation, the half-precision fast path and the loss scaler meet the device path, re-capture and the
/// torch.optim surface.
/// </summary>
public sealed class MixedPrecisionPathTests
{
    public MixedPrecisionPathTests() => Models.SingleThreaded();

    // The device path zeroes param.grad before a closure and copies it in after: accumulation must zero it before
    // the first micro-batch only, and read the sum after the last, or the step would see one micro-batch.
    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Contiguous_half_cpu_parameters_take_the_half_fast_path_unless_the_device_path_is_forced(ScalarType dtype)
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(5);
        model.to(dtype);
        using var fast = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.1));
        using var forced = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.1), new TorchSamOptions { ForceDevicePath = true });
        Assert.All(fast.OnDevicePath, Assert.False);
        Assert.All(fast.HalfPath, Assert.True);
        Assert.All(forced.OnDevicePath, Assert.True);
    }

    // Both paths keep float32 masters and round the same way: the same bfloat16 run steps to the same weights.
    [Fact]
    public void A_bfloat16_model_trains_alike_on_the_half_fast_path_and_the_device_path()
    {
        using nn.Module<Tensor, Tensor> fastModel = Models.Mlp(6), deviceModel = Models.Mlp(6);
        fastModel.to(ScalarType.BFloat16);
        deviceModel.to(ScalarType.BFloat16);
        (Tensor X, Tensor Y)[] batches = Models.Batches(7, 4, images: false, batchSize: 16);
        var settings = new SamSettings { Rho = 0.05 };
        using var a = new TorchSamOptimizer(fastModel, settings, new Sgd(0.1, momentum: 0.9));
        using var b = new TorchSamOptimizer(deviceModel, settings, new Sgd(0.1, momentum: 0.9), new TorchSamOptions { ForceDevicePath = true });
        foreach ((Tensor x, Tensor y) in batches)
        {
            a.SharpnessAwareStep(2, fastModel, (x, y), static (m, s, i) => BFloat16Loss(m, s.x.narrow(0, 8 * i, 8), s.y.narrow(0, 8 * i, 8)));
            b.SharpnessAwareStep(2, deviceModel, (x, y), static (m, s, i) => BFloat16Loss(m, s.x.narrow(0, 8 * i, 8), s.y.narrow(0, 8 * i, 8)));
        }

        for (int i = 0; i < a.Parameters.Count; i++)
        {
            float[] fastMaster = a.Parameters[i].TrainedValue.ToArray(), deviceMaster = b.Parameters[i].TrainedValue.ToArray();
            Assert.True(fastMaster.Zip(deviceMaster).Max(p => Math.Abs(p.First - p.Second)) < 1e-4, $"{a.ParameterNames[i]} differs");
        }
    }

    [Fact]
    public void Converting_a_float32_model_to_bfloat16_recaptures_it_on_the_half_fast_path_keeping_the_state()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(8);
        (Tensor x, Tensor y) = Models.Batches(9, 1, images: false)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.1, momentum: 0.9));
        sam.SharpnessAwareStep(model, (x, y), static (m, s) => Models.LossAndGradients(m, s.x, s.y));
        Parameter first = sam.Parameters[0];

        model.to(ScalarType.BFloat16);
        float[] before = model.parameters().First().detach().to(ScalarType.Float32).data<float>().ToArray();
        sam.SharpnessAwareStep(model, (x, y), static (m, s) => BFloat16Loss(m, s.x, s.y));

        Assert.Same(first, sam.Parameters[0]); // the same runtime parameter: momentum carried over
        Assert.All(sam.HalfPath, Assert.True);
        Assert.Equal(2, sam.StepCount);
        Assert.Equal(ScalarType.BFloat16, model.parameters().First().dtype);
        Assert.NotEqual(before, model.parameters().First().detach().to(ScalarType.Float32).data<float>().ToArray());
    }

    [Fact]
    public void The_two_call_protocol_is_refused_while_a_loss_scaler_is_set()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(10);
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.1)) { LossScaler = new LossScaler() };
        Assert.Contains("step(closure)", Assert.Throws<InvalidOperationException>(() => sam.first_step()).Message, StringComparison.Ordinal);
        Assert.Contains("second_step", Assert.Throws<InvalidOperationException>(() => sam.second_step()).Message, StringComparison.Ordinal);
        Assert.Contains("step(closure: null)", Assert.Throws<InvalidOperationException>(() => sam.step()).Message, StringComparison.Ordinal);
        Assert.False(sam.IsPerturbed);
        Assert.Equal(0, sam.StepCount);
    }

    [Fact]
    public void Step_with_a_closure_skips_a_float16_overflow_and_then_trains_with_the_scaler()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(12);
        model.to(ScalarType.Float16);
        (Tensor x, Tensor y) = Models.Batches(13, 1, images: false)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.05)) { LossScaler = new LossScaler(initialScale: 1e30f) };
        optim.Optimizer asTorch = sam;
        float[] before = model.parameters().First().detach().to(ScalarType.Float32).data<float>().ToArray();
        Func<Tensor> closure = () =>
        {
            Tensor loss = nn.functional.cross_entropy(model.call(x.to(ScalarType.Float16)).to(ScalarType.Float32), y);
            sam.ScaleLoss(loss).backward();
            return loss;
        };

        asTorch.step(closure).Dispose();
        Assert.Equal(SamPhase.Perturbation, sam.LastStep.Overflow);
        Assert.Equal(before, model.parameters().First().detach().to(ScalarType.Float32).data<float>().ToArray());
        Assert.Equal(0, sam.StepCount);

        sam.LossScaler = new LossScaler(initialScale: 1024f);
        asTorch.step(closure).Dispose();
        Assert.False(sam.LastStep.Skipped);
        Assert.Equal(1, sam.StepCount);
        Assert.NotEqual(before, model.parameters().First().detach().to(ScalarType.Float32).data<float>().ToArray());
    }

    private static float BFloat16Loss(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor loss = nn.functional.cross_entropy(model.call(x.to(ScalarType.BFloat16)).to(ScalarType.Float32), y);
        loss.backward();
        return loss.item<float>();
    }
}
