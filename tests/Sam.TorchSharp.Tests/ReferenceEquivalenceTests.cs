using System;
using System.Collections.Generic;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Sam.TorchTests;

/// <summary>The optimizer against davda54's SAM in tensor ops and against torch.optim for ρ = 0.</summary>
public sealed class ReferenceEquivalenceTests
{
    private readonly ITestOutputHelper output;

    public ReferenceEquivalenceTests(ITestOutputHelper output)
    {
        this.output = output;
        Models.SingleThreaded();
    }

    private const int Steps = 50;
    private const double Rho = 0.05, Lr = 0.05, Momentum = 0.9, WeightDecay = 5e-4;

    public static TheoryData<string> ModelNames => ["mlp", "cnn-bn-field", "cnn-bn-sequential"];

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Sam_with_sgd_momentum_matches_davda54_reference_within_1e6_over_50_steps(string name)
    {
        (Func<int, nn.Module<Tensor, Tensor>> factory, bool images) = Model(name);
        using nn.Module<Tensor, Tensor> ours = factory(7), reference = factory(7);
        (Tensor X, Tensor Y)[] batches = Models.Batches(11, Steps, images);

        using var sam = new TorchSamOptimizer(ours, new SamSettings { Rho = Rho }, new Sgd(Lr, Momentum, weightDecay: WeightDecay));
        using optim.Optimizer sgd = optim.SGD(reference.parameters(), Lr, momentum: Momentum, weight_decay: WeightDecay);
        var davda54 = new ReferenceSam(reference, sgd, Rho);

        foreach ((Tensor x, Tensor y) in batches)
        {
            sam.SharpnessAwareStep(() => Models.LossAndGradients(ours, x, y));
            davda54.Step(() => Models.LossAndGradients(reference, x, y));
        }

        Dictionary<string, float[]> a = Tensors.State(ours), b = Tensors.State(reference);
        double weights = Tensors.MaxRelativeDifference(a, b, out string worst, n => !n.EndsWith("num_batches_tracked", StringComparison.Ordinal));
        output.WriteLine($"{name}: max relative difference of weights and running statistics after {Steps} steps: {weights:E2} ({worst})");
        Assert.True(weights <= 1e-6, $"relative difference {weights:E2}");

        // davda54's momentum-0 trick still counts the second pass; ours keeps the statistics of one pass per step.
        foreach ((string key, float[] count) in a)
        {
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal))
            {
                Assert.Equal(Steps, count[0]);
            }
        }

        Assert.Equal(name != "mlp", sam.RunningStatisticsBuffers > 0);
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Rho_zero_equals_torch_optim_sgd_with_momentum_and_weight_decay(string name)
    {
        (Func<int, nn.Module<Tensor, Tensor>> factory, bool images) = Model(name);
        using nn.Module<Tensor, Tensor> ours = factory(3), reference = factory(3);
        (Tensor X, Tensor Y)[] batches = Models.Batches(5, Steps, images);
        using var sam = new TorchSamOptimizer(ours, new SamSettings { Rho = 0 }, new Sgd(Lr, Momentum, weightDecay: WeightDecay));
        using optim.Optimizer sgd = optim.SGD(reference.parameters(), Lr, momentum: Momentum, weight_decay: WeightDecay);

        foreach ((Tensor x, Tensor y) in batches)
        {
            sam.SharpnessAwareStep(() => Models.LossAndGradients(ours, x, y));
            sgd.zero_grad();
            Models.LossAndGradients(reference, x, y);
            sgd.step();
        }

        Report(name, "SGD", Tensors.State(ours), Tensors.State(reference));
    }

    [Theory]
    [MemberData(nameof(ModelNames))]
    public void Rho_zero_equals_torch_optim_adamw(string name)
    {
        (Func<int, nn.Module<Tensor, Tensor>> factory, bool images) = Model(name);
        using nn.Module<Tensor, Tensor> ours = factory(4), reference = factory(4);
        (Tensor X, Tensor Y)[] batches = Models.Batches(6, Steps, images);
        using var sam = new TorchSamOptimizer(ours, new SamSettings { Rho = 0 }, new AdamW(1e-2, weightDecay: 0.01));
        using optim.Optimizer adamw = optim.AdamW(reference.parameters(), 1e-2, weight_decay: 0.01);

        foreach ((Tensor x, Tensor y) in batches)
        {
            sam.SharpnessAwareStep(() => Models.LossAndGradients(ours, x, y));
            adamw.zero_grad();
            Models.LossAndGradients(reference, x, y);
            adamw.step();
        }

        Report(name, "AdamW", Tensors.State(ours), Tensors.State(reference));
    }

    internal static (Func<int, nn.Module<Tensor, Tensor>> Factory, bool Images) Model(string name) => name switch
    {
        "mlp" => (Models.Mlp, false),
        "cnn-bn-field" => (Models.CnnWithBatchNormField, true),
        "cnn-bn-sequential" => (Models.CnnWithBatchNormInSequential, true),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    // ρ = 0 runs the second pass at w + 0·g = w, so the statistics and gradients are those of one pass; the
    // running statistics (kept from the first pass) and step counts must then agree with torch.optim exactly.
    private void Report(string name, string optimizer, Dictionary<string, float[]> a, Dictionary<string, float[]> b)
    {
        bool identical = Tensors.BitIdentical(a, b);
        double difference = Tensors.MaxRelativeDifference(a, b, out string worst);
        output.WriteLine($"{name}, {optimizer}: bit-identical {identical}, max relative difference {difference:E2} ({worst})");
        Assert.True(difference <= 1e-6, $"relative difference {difference:E2}");
    }
}
