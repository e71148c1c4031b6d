using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.TorchTests;

/// <summary>
/// An annotated module whose attributes sit on a BatchNorm2d field and on Parameter fields: each applies to the
/// parameters under the member.
/// </summary>
[SharpnessAware(Rho = 0.5)]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public sealed partial class AttributedNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    [ExcludeFromPerturbation] private readonly BatchNorm2d bn;
    [ExcludeFromPerturbation] private readonly TorchParameter scale;
    [Frozen] private readonly TorchParameter offset;
    private readonly Linear fc;

    public AttributedNet(int seed)
        : base(nameof(AttributedNet))
    {
        torch.manual_seed(seed);
        conv = nn.Conv2d(1, 4, 3, padding: 1, bias: false);
        bn = nn.BatchNorm2d(4);
        scale = nn.Parameter(ones(1));
        offset = nn.Parameter(zeros(1));
        fc = nn.Linear(4 * 4 * 4, Models.Classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        Tensor h = nn.functional.max_pool2d(nn.functional.relu(bn.call(conv.call(x))), 2);
        return (fc.call(h.flatten(1)) * scale) + offset;
    }
}

/// <summary>Choosing what is perturbed: attributes on members, name patterns, module types; and parameter groups by rule.</summary>
public sealed class SelectionTests
{
    public SelectionTests() => Models.SingleThreaded();

    /// <summary>Which parameters the perturbation moved (after one backward pass at the trained weights).</summary>
    private static HashSet<string> Moved(nn.Module<Tensor, Tensor> model, Action perturb, Action restore, bool images = true)
    {
        (Tensor x, Tensor y) = Models.Batches(6, 1, images)[0];
        Models.LossAndGradients(model, x, y);
        Dictionary<string, float[]> before = Tensors.State(model);
        perturb();
        Dictionary<string, float[]> after = Tensors.State(model);
        restore();
        return [.. model.named_parameters().Select(p => p.name).Where(n => !after[n].AsSpan().SequenceEqual(before[n]))];
    }

    [Fact]
    public void Attributes_on_a_BatchNorm2d_field_and_on_Parameter_fields_apply_to_their_parameters()
    {
        using var net = new AttributedNet(1);
        HashSet<string> moved = Moved(net, net.Perturb, net.Restore);

        Assert.Equal(["conv.weight", "fc.bias", "fc.weight"], moved.Order(StringComparer.Ordinal));
        Assert.Contains("bn.weight", net.Optimizer.ParameterNames); // excluded from the perturbation, still trained
        Assert.Contains("scale", net.Optimizer.ParameterNames);
        Assert.DoesNotContain("offset", net.Optimizer.ParameterNames); // [Frozen]: not trained

        (Tensor x, Tensor y) = Models.Batches(7, 1, images: true)[0];
        Dictionary<string, float[]> before = Tensors.State(net);
        net.SharpnessAwareStep(m => Models.LossAndGradients(m, x, y));
        Dictionary<string, float[]> after = Tensors.State(net);
        Assert.Equal(before["offset"], after["offset"]);
        Assert.NotEqual(before["scale"], after["scale"]);
        Assert.NotEqual(before["bn.weight"], after["bn.weight"]);
    }

    [Fact]
    public void PerturbOnly_a_module_type_is_SAM_ON_perturbing_only_the_normalization_layers()
    {
        using nn.Module<Tensor, Tensor> model = Models.CnnWithBatchNormInSequential(2);
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.5 }, new Sgd(0.05), new TorchSamOptions().PerturbOnly<BatchNorm>());
        HashSet<string> moved = Moved(model, sam.Perturb, sam.Restore);
        Assert.Equal(["features.bn.bias", "features.bn.weight"], moved.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Excluding_biases_by_pattern_and_norms_by_type_perturbs_only_the_other_weights()
    {
        using nn.Module<Tensor, Tensor> model = Models.CnnWithBatchNormField(3);
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.5 }, new Sgd(0.05), new TorchSamOptions().Exclude("*.bias").Exclude<NormBase>());
        HashSet<string> moved = Moved(model, sam.Perturb, sam.Restore);
        Assert.Equal(["conv1.weight", "fc.weight"], moved.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void PerturbOnly_by_pattern_perturbs_the_matching_names()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(4);
        using var sam = new TorchSamOptimizer(model.named_parameters(), new SamSettings { Rho = 0.5 }, new Sgd(0.05), new TorchSamOptions().PerturbOnly("fc2.*"));
        HashSet<string> moved = Moved(model, sam.Perturb, sam.Restore, images: false);
        Assert.Equal(["fc2.bias", "fc2.weight"], moved.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_type_selector_without_the_module_is_refused_with_the_reason()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(4);
        ArgumentException e = Assert.Throws<ArgumentException>(() =>
            new TorchSamOptimizer(model.named_parameters(), new SamSettings(), new Sgd(0.05), new TorchSamOptions().Exclude<NormBase>()));
        Assert.Equal("options", e.ParamName);
        Assert.Contains("create the optimizer from the module", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_weight_decay_for_biases_and_norms_is_one_group_that_trains_like_the_groups_written_out()
    {
        using nn.Module<Tensor, Tensor> a = Models.CnnWithBatchNormField(5), b = Models.CnnWithBatchNormField(5);
        var settings = new SamSettings { Rho = 0.05 };
        using var byRule = new TorchSamOptimizer(a, settings, new Sgd(0.05, 0.9, weightDecay: 0.01), new TorchSamOptions().NoWeightDecayForBiasesAndNorms());
        TorchParameter[] noDecay = [.. b.named_parameters().Where(p => p.name.EndsWith(".bias", StringComparison.Ordinal) || p.name.StartsWith("bn1.", StringComparison.Ordinal)).Select(p => p.parameter)];
        TorchParameter[] decay = [.. b.parameters().Where(p => !noDecay.Contains(p))];
        using var written = new TorchSamOptimizer(
            b,
            [new TorchSamOptimizer.ParamGroup(decay), new TorchSamOptimizer.ParamGroup(noDecay, weight_decay: 0)],
            settings,
            new Sgd(0.05, 0.9, weightDecay: 0.01));

        Assert.Equal(2, byRule.ParamGroups.Count());
        Assert.Equal(3, ((TorchSamOptimizer.ParamGroup)byRule.ParamGroups.ElementAt(1)).Parameters.Count()); // bn1.weight, bn1.bias, fc.bias
        foreach ((Tensor x, Tensor y) in Models.Batches(8, 4, images: true))
        {
            byRule.SharpnessAwareStep(() => Models.LossAndGradients(a, x, y));
            written.SharpnessAwareStep(() => Models.LossAndGradients(b, x, y));
        }

        Assert.True(Tensors.BitIdentical(Tensors.State(a), Tensors.State(b)));
    }
}
