using System;
using System.Collections.Generic;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Sam.TorchTests;

/// <summary>An annotated module: [ExcludeFromPerturbation] on a field, [Frozen] on another, BatchNorm in a field.</summary>
[SharpnessAware(Rho = 0.1, Variant = SamVariant.Asam)]
[Sgd(LearningRate = 0.05, Momentum = 0.9, WeightDecay = 5e-4)]
public sealed partial class GeneratedNet : nn.Module<Tensor, Tensor>
{
    private readonly Linear fc1;
    private readonly BatchNorm1d bn;
    [ExcludeFromPerturbation] private readonly Linear fc2;
    [Frozen] private readonly Linear embed;

    public GeneratedNet(int seed)
        : base(nameof(GeneratedNet))
    {
        torch.manual_seed(seed);
        embed = nn.Linear(16, 16);
        fc1 = nn.Linear(16, 12);
        bn = nn.BatchNorm1d(12);
        fc2 = nn.Linear(12, Models.Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => fc2.forward(nn.functional.relu(bn.forward(fc1.forward(embed.forward(x)))));
}

public class GeneratedModuleTests
{
    public GeneratedModuleTests() => Models.SingleThreaded();

    [Fact]
    public void A_generated_module_trains_exactly_like_the_engine_built_by_hand_with_the_same_exclusions()
    {
        using var generated = new GeneratedNet(3);
        using var byHand = new GeneratedNet(3);
        var options = new TorchSamOptions
        {
            ExcludeFromPerturbation = n => TorchSamOptions.IsUnder(n, "fc2"),
            Frozen = n => TorchSamOptions.IsUnder(n, "embed"),
        };
        using var sam = new TorchSamOptimizer(byHand, new SamSettings { Rho = 0.1, Variant = SamVariant.Asam }, new Sgd(0.05, momentum: 0.9, weightDecay: 5e-4), options);
        (Tensor X, Tensor Y)[] batches = Models.Batches(4, 6, images: false);
        Dictionary<string, float[]> embedBefore = Tensors.State(generated);

        foreach ((Tensor x, Tensor y) in batches)
        {
            float a = generated.SharpnessAwareStep((x, y), static (m, b) => Models.LossAndGradients(m, b.x, b.y));
            float b = sam.SharpnessAwareStep(() => Models.LossAndGradients(byHand, x, y));
            Assert.Equal(b, a);
        }

        Dictionary<string, float[]> mine = Tensors.State(generated), theirs = Tensors.State(byHand);
        foreach ((string name, float[] values) in theirs)
        {
            Assert.Equal(values, mine[name]);
        }

        Assert.Equal(embedBefore["embed.weight"], mine["embed.weight"]); // [Frozen]: not trained
        Assert.NotEqual(embedBefore["fc2.weight"], mine["fc2.weight"]);  // excluded from the perturbation, still stepped
        Assert.Equal(6, generated.Optimizer.StepCount);
        Assert.DoesNotContain("embed.weight", generated.Optimizer.ParameterNames);
    }

    [Fact]
    public void The_generated_perturbation_leaves_an_excluded_field_at_its_trained_weights()
    {
        using var net = new GeneratedNet(5);
        (Tensor x, Tensor y) = Models.Batches(6, 1, images: false)[0];
        Dictionary<string, float[]> before = Tensors.State(net);
        net.ZeroGradients();
        Models.LossAndGradients(net, x, y);
        net.Perturb();
        Dictionary<string, float[]> perturbed = Tensors.State(net);
        Assert.Equal(before["fc2.weight"], perturbed["fc2.weight"]);
        Assert.NotEqual(before["fc1.weight"], perturbed["fc1.weight"]);
        net.Restore();
        Assert.Equal(before["fc1.weight"], Tensors.State(net)["fc1.weight"]);
    }
}
