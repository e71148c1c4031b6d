using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Sam.TorchTests;

/// <summary>Failures, exclusions, moved models and checkpoints.</summary>
public sealed class BehaviourTests
{
    public BehaviourTests() => Models.SingleThreaded();

    [Theory]
    [InlineData("perturbation")]
    [InlineData("step")]
    public void Nan_gradient_in_either_phase_names_the_parameter_and_leaves_weights_untouched(string phase)
    {
        using nn.Module<Tensor, Tensor> model = Models.CnnWithBatchNormField(1);
        (Tensor x, Tensor y) = Models.Batches(2, 1, images: true)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.1, 0.9));
        Models.LossAndGradients(model, x, y); // updates the running statistics once, as a step's first pass does
        Dictionary<string, float[]> before = Tensors.State(model);

        if (phase == "perturbation")
        {
            PoisonGradient(model, "fc.weight");
            NonFiniteGradientException e = Assert.Throws<NonFiniteGradientException>(sam.Perturb);
            Assert.Equal("fc.weight", e.ParameterName);
        }
        else
        {
            sam.Perturb();
            sam.ZeroGradients();
            Models.LossAndGradients(model, x, y);
            PoisonGradient(model, "fc.weight");
            NonFiniteGradientException e = Assert.Throws<NonFiniteGradientException>(sam.RestoreAndStep);
            Assert.Equal("fc.weight", e.ParameterName);
        }

        Assert.False(sam.IsPerturbed);
        Assert.True(Tensors.BitIdentical(Tensors.State(model), before), "weights or running statistics changed");
    }

    [Fact]
    public void Excluded_parameters_are_stepped_but_not_perturbed()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(1);
        (Tensor x, Tensor y) = Models.Batches(2, 1, images: false)[0];
        var options = new TorchSamOptions { ExcludeFromPerturbation = n => n.EndsWith(".bias", StringComparison.Ordinal) };
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.5 }, new Sgd(0.1), options);
        Dictionary<string, float[]> before = Tensors.State(model);

        Models.LossAndGradients(model, x, y);
        sam.Perturb();
        Dictionary<string, float[]> perturbed = Tensors.State(model);
        Assert.Equal(before["fc1.bias"], perturbed["fc1.bias"]);
        Assert.NotEqual(before["fc1.weight"], perturbed["fc1.weight"]);

        sam.ZeroGradients();
        Models.LossAndGradients(model, x, y);
        sam.RestoreAndStep();
        Assert.NotEqual(before["fc1.bias"], Tensors.State(model)["fc1.bias"]);
    }

    [Fact]
    public void A_complex_parameter_is_not_supported_and_the_message_names_parameter_and_dtype()
    {
        using var complex = new TorchSharp.Modules.Parameter(randn(4, 3, dtype: ScalarType.ComplexFloat32));
        var e = Assert.Throws<NotSupportedException>(() => new TorchSamOptimizer([("z", complex)], new SamSettings(), new Sgd(0.1)));
        Assert.Contains("'z' is ComplexFloat32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Frozen_parameters_are_left_out_and_tied_weights_are_stepped_once()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(1);
        model.named_parameters().Single(p => p.name == "fc1.bias").parameter.requires_grad = false;
        using var sam = new TorchSamOptimizer(model, new SamSettings(), new Sgd(0.1));
        Assert.Equal(["fc1.weight", "fc2.weight", "fc2.bias"], sam.ParameterNames);

        var weight = model.named_parameters().Single(p => p.name == "fc2.weight").parameter;
        using var tied = new TorchSamOptimizer([("a", weight), ("b", weight)], new SamSettings(), new Sgd(0.1));
        Assert.Equal(["a"], tied.ParameterNames);
    }

    // copyFlipMaxLength 0: every tensor is re-seated (perturb, restore, commit), so the weights TorchSharp saves are
    // views into the optimizer's second storages half the time.
    [Theory]
    [InlineData("sgd-momentum", TorchParameterStorage.DefaultCopyFlipMaxLength)]
    [InlineData("adamw", TorchParameterStorage.DefaultCopyFlipMaxLength)]
    [InlineData("sgd-momentum", 0)]
    public void Resuming_from_a_checkpoint_is_bit_identical_to_an_uninterrupted_run(string optimizer, int copyFlipMaxLength)
    {
        (Tensor X, Tensor Y)[] batches = Models.Batches(3, 20, images: true);
        BaseOptimizer Base() => optimizer == "adamw" ? new AdamW(1e-2, weightDecay: 0.01) : new Sgd(0.05, 0.9, weightDecay: 5e-4);
        var settings = new SamSettings { Rho = 0.05 };
        var options = new TorchSamOptions { CopyFlipMaxLength = copyFlipMaxLength };

        // Uninterrupted.
        using nn.Module<Tensor, Tensor> straight = Models.CnnWithBatchNormField(9);
        using (var sam = new TorchSamOptimizer(straight, settings, Base(), options))
        {
            foreach ((Tensor x, Tensor y) in batches)
            {
                sam.SharpnessAwareStep(() => Models.LossAndGradients(straight, x, y));
            }
        }

        // Ten steps, checkpoint (TorchSharp's save for the weights and statistics, ours for the optimizer state).
        var weights = new MemoryStream(); // module.save(Stream) closes its stream: a writer that leaves it open
        var state = new MemoryStream();
        using (nn.Module<Tensor, Tensor> first = Models.CnnWithBatchNormField(9))
        using (var sam = new TorchSamOptimizer(first, settings, Base(), options))
        {
            foreach ((Tensor x, Tensor y) in batches.Take(10))
            {
                sam.SharpnessAwareStep(() => Models.LossAndGradients(first, x, y));
            }

            using (var writer = new BinaryWriter(weights, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                first.save(writer);
            }

            sam.SaveState(state);
        }

        // A fresh process's view: another initialisation, then load both and run the last ten steps.
        using nn.Module<Tensor, Tensor> resumed = Models.CnnWithBatchNormField(1234);
        weights.Position = 0;
        using (var reader = new BinaryReader(weights, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            resumed.load(reader);
        }

        using (var sam = new TorchSamOptimizer(resumed, settings, Base(), options))
        {
            state.Position = 0;
            sam.LoadState(state);
            foreach ((Tensor x, Tensor y) in batches.Skip(10))
            {
                sam.SharpnessAwareStep(() => Models.LossAndGradients(resumed, x, y));
            }

            Assert.Equal(20, sam.StepCount);
        }

        Assert.True(Tensors.BitIdentical(Tensors.State(resumed), Tensors.State(straight)), "resumed run differs");
    }

    [Fact]
    public void Dispose_restores_the_trained_weights_and_frees_every_tensor_it_made()
    {
        using nn.Module<Tensor, Tensor> model = Models.CnnWithBatchNormField(1);
        (Tensor x, Tensor y) = Models.Batches(2, 1, images: true)[0];

        // Other tests' garbage finalized mid-test would lower the count (it did, in CI): settle it first.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long live = Tensor.TotalCount;

        var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.5 }, new Sgd(0.1));
        Models.LossAndGradients(model, x, y);
        Dictionary<string, float[]> before = Tensors.State(model);
        sam.Perturb();
        Assert.False(Tensors.BitIdentical(Tensors.State(model), before));
        sam.Dispose();

        Assert.True(Tensors.BitIdentical(Tensors.State(model), before), "not restored");
        Assert.Throws<ObjectDisposedException>(() => sam.Parameters[0].TrainedValue.Length);
        Assert.Equal(live, Tensor.TotalCount);
    }

    private static void PoisonGradient(nn.Module model, string name)
    {
        using Tensor grad = model.named_parameters().Single(p => p.name == name).parameter.grad!;
        grad.view(-1)[1] = float.NaN;
    }
}
