using System;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Sam.TorchTests;

/// <summary>
/// Gradient accumulation, bfloat16/float16 parameters with float32 master weights, and loss scaling on TorchSharp.
/// </summary>
public sealed class MixedPrecisionTests
{
    public MixedPrecisionTests() => Models.SingleThreaded();

    // On the device path the gradient is copied in once per pass, after the last micro-batch: a missing or extra
    // micro-batch shows there as on the fast path.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Four_micro_batches_take_the_step_of_the_whole_batch(bool devicePath)
    {
        using nn.Module<Tensor, Tensor> big = Models.Mlp(3), accumulated = Models.Mlp(3);
        (Tensor X, Tensor Y)[] batches = Models.Batches(4, 6, images: false, batchSize: 16);
        var settings = new SamSettings { Rho = 0.1, Normalize = false }; // USAM: a missing 1/k would show
        using var a = new TorchSamOptimizer(big, settings, new Sgd(0.1, momentum: 0.9));
        using var b = new TorchSamOptimizer(accumulated, settings, new Sgd(0.1, momentum: 0.9), new TorchSamOptions { ForceDevicePath = devicePath });
        Assert.All(b.OnDevicePath, onDevice => Assert.Equal(devicePath, onDevice));
        foreach ((Tensor x, Tensor y) in batches)
        {
            float whole = a.SharpnessAwareStep(big, (x, y), static (m, s) => Models.LossAndGradients(m, s.x, s.y));
            float mean = b.SharpnessAwareStep(4, accumulated, (x, y), static (m, s, i) =>
                Models.LossAndGradients(m, s.x.narrow(0, 4 * i, 4), s.y.narrow(0, 4 * i, 4)));
            Assert.Equal(whole, mean, 1e-5f);
        }

        Assert.True(Tensors.MaxRelativeDifference(Tensors.State(big), Tensors.State(accumulated)) < 1e-5, "weights differ");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void M_sharpness_with_micro_batches_takes_the_step_of_whole_parts(bool devicePath)
    {
        using nn.Module<Tensor, Tensor> whole = Models.Mlp(3), accumulated = Models.Mlp(3);
        (Tensor X, Tensor Y)[] batches = Models.Batches(4, 4, images: false, batchSize: 16);
        var settings = new SamSettings { Rho = 0.1 };
        using var a = new TorchSamOptimizer(whole, settings, new Sgd(0.1, momentum: 0.9));
        using var b = new TorchSamOptimizer(accumulated, settings, new Sgd(0.1, momentum: 0.9), new TorchSamOptions { ForceDevicePath = devicePath });
        Assert.All(b.OnDevicePath, onDevice => Assert.Equal(devicePath, onDevice));
        foreach ((Tensor x, Tensor y) in batches)
        {
            a.MSharpnessStep(2, whole, (x, y), static (m, s, part) => Models.LossAndGradients(m, s.x.narrow(0, 8 * part, 8), s.y.narrow(0, 8 * part, 8)));
            b.MSharpnessStep(2, 2, accumulated, (x, y), static (m, s, i) => Models.LossAndGradients(m, s.x.narrow(0, 4 * i, 4), s.y.narrow(0, 4 * i, 4)));
        }

        Assert.True(Tensors.MaxRelativeDifference(Tensors.State(whole), Tensors.State(accumulated)) < 1e-5, "weights differ");
    }

    // Tolerance: the largest absolute difference between the two runs' losses over 60 steps, while the float32 loss
    // falls from ≈ 1.1 to 0.31. Measured on x64 (libtorch 2.10 CPU): 0.047 for bfloat16 (8 significant bits), 0.028
    // for float16 (11 bits, with the loss scaler); the bounds, 0.1 and 0.06, leave room for other CPUs' kernels and
    // are an eighth of the distance the curve travels. Without float32 master weights lr·g falls below half an ulp
    // of many weights and those stop moving (Micikevicius et al. 2018, §3.1).
    [Theory]
    [InlineData(ScalarType.BFloat16, 0.1)]
    [InlineData(ScalarType.Float16, 0.06)]
    public void A_low_precision_run_follows_the_float32_loss_curve(ScalarType dtype, double tolerance)
    {
        using nn.Module<Tensor, Tensor> reference = Models.Mlp(5), low = Models.Mlp(5);
        low.to(dtype);
        (Tensor X, Tensor Y)[] batches = Models.Batches(6, 4, images: false, batchSize: 32);
        var settings = new SamSettings { Rho = 0.05 };
        using var a = new TorchSamOptimizer(reference, settings, new Sgd(0.2, momentum: 0.9));
        using var b = new TorchSamOptimizer(low, settings, new Sgd(0.2, momentum: 0.9));
        if (dtype == ScalarType.Float16)
        {
            b.LossScaler = new LossScaler();
        }

        double worst = 0;
        for (int step = 0; step < 60; step++)
        {
            (Tensor x, Tensor y) = batches[step % batches.Length];
            float l32 = a.SharpnessAwareStep(reference, (x, y), static (m, s) => Models.LossAndGradients(m, s.x, s.y));
            float l16 = b.SharpnessAwareStep(low, (x, y, Sam: b, dtype), static (m, s) => LowPrecisionLoss(m, s.Sam, s.x, s.y, s.dtype));
            Assert.False(b.LastStep.Skipped);
            worst = Math.Max(worst, Math.Abs(l32 - l16));
        }

        Assert.True(worst < tolerance, $"the {dtype} loss curve left the float32 one by {worst}; final {a.LastStep.Loss}");
        Assert.True(a.LastStep.Loss < 0.5, $"the float32 run did not train: {a.LastStep.Loss}"); // the comparison means something
        Assert.All(low.parameters(), p => Assert.Equal(dtype, p.dtype));
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void Restore_returns_exactly_to_the_rounded_master_and_the_master_keeps_what_rounding_drops(ScalarType dtype)
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(7);
        model.to(dtype);
        (Tensor x, Tensor y) = Models.Batches(8, 1, images: false)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.1 }, new Sgd(1e-4));
        for (int step = 0; step < 3; step++)
        {
            sam.SharpnessAwareStep(model, (x, y, sam, dtype), static (m, s) => LowPrecisionLoss(m, s.sam, s.x, s.y, s.dtype));
        }

        Parameter fc1 = sam.Parameters[0];
        float[] master = fc1.TrainedValue.ToArray();
        float[] rounded = Rounded(master, dtype);
        Assert.Equal(rounded, Values(model.parameters().First()));
        Assert.NotEqual(rounded, master); // steps of 1e-4 live in the master's low bits only

        sam.ZeroGradients();
        LowPrecisionLoss(model, sam, x, y, dtype);
        sam.Perturb();
        Assert.NotEqual(rounded, Values(model.parameters().First()));
        sam.Restore();
        Assert.Equal(rounded, Values(model.parameters().First()));
        Assert.Equal(master, fc1.TrainedValue.ToArray());
    }

    [Fact]
    public void A_float16_overflow_skips_steps_until_the_scale_backs_off()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(9);
        model.to(ScalarType.Float16);
        (Tensor x, Tensor y) = Models.Batches(10, 1, images: false)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.05, momentum: 0.9))
        {
            LossScaler = new LossScaler(initialScale: 1e30f), // every float16 gradient of loss·1e30 is ±∞
        };
        float[] before = Values(model.parameters().First());
        sam.SharpnessAwareStep(model, (x, y, sam), static (m, s) => LowPrecisionLoss(m, s.sam, s.x, s.y, ScalarType.Float16));
        Assert.Equal(SamPhase.Perturbation, sam.LastStep.Overflow);
        Assert.Equal(before, Values(model.parameters().First()));
        Assert.Equal(0, sam.StepCount);
        Assert.False(sam.IsPerturbed);

        int skipped = 1;
        while (sam.StepCount == 0 && skipped < 200)
        {
            sam.SharpnessAwareStep(model, (x, y, sam), static (m, s) => LowPrecisionLoss(m, s.sam, s.x, s.y, ScalarType.Float16));
            skipped += sam.LastStep.Skipped ? 1 : 0;
        }

        // 1e30·0.5ⁿ must fall below what float16 gradients of this loss can carry (~65504 / max|∂L/∂w|).
        Assert.InRange(skipped, 80, 110);
        Assert.Equal(skipped, sam.LossScaler!.SkippedSteps);
        Assert.Equal(1, sam.StepCount);
        Assert.NotEqual(before, Values(model.parameters().First()));
    }

    [Theory]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float16)]
    public void A_warm_low_precision_step_allocates_no_managed_memory(ScalarType dtype)
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(11);
        model.to(dtype);
        (Tensor x, Tensor y) = Models.Batches(12, 1, images: false)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.01, 0.9));
        LowPrecisionLoss(model, sam, x, y, dtype); // gradients exist; the phases below reuse them
        long phases = ResourceTests.BytesPerStep(steps: 50, step: () =>
        {
            sam.Perturb();
            sam.RestoreAndStep();
        });

        // The whole accumulated, scaled step around closures that do no TorchSharp work (whose wrappers would allocate).
        sam.LossScaler = new LossScaler(1024f);
        long accumulated = ResourceTests.BytesPerStep(steps: 50, step: () => sam.SharpnessAwareStep(2, sam, 0, static (_, _, _) => 1f));
        Assert.Equal(0, phases);
        Assert.Equal(0, accumulated);
    }

    // Forward in the model's type, loss in float32 (as autocast does), backward of the scaled loss.
    private static float LowPrecisionLoss(nn.Module<Tensor, Tensor> model, TorchSamOptimizer sam, Tensor x, Tensor y, ScalarType dtype)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor loss = nn.functional.cross_entropy(model.call(x.to(dtype)).to(ScalarType.Float32), y);
        sam.ScaleLoss(loss).backward();
        return loss.item<float>();
    }

    private static float[] Values(Tensor t)
    {
        using DisposeScope scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float32).data<float>().ToArray();
    }

    private static float[] Rounded(float[] values, ScalarType dtype)
    {
        using DisposeScope scope = NewDisposeScope();
        return tensor(values).to(dtype).to(ScalarType.Float32).data<float>().ToArray();
    }
}
