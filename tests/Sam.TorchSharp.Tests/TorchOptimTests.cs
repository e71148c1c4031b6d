using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.TorchTests;

/// <summary>The optimizer as a torch.optim optimizer: LR schedulers, param groups, the PyTorch-SAM calls, state dicts.</summary>
public sealed class TorchOptimTests
{
    public TorchOptimTests() => Models.SingleThreaded();

    private const double Rho = 0.05, Lr = 0.05, Momentum = 0.9, WeightDecay = 5e-3;

    /// <summary>Forward + backward as a torch closure: returns the loss tensor.</summary>
    private static Func<Tensor> Closure(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y) => () =>
    {
        Tensor loss = nn.functional.cross_entropy(model.call(x), y);
        loss.backward();
        return loss;
    };

    private static (TorchParameter[] Weights, TorchParameter[] Biases) Split(nn.Module model) =>
        (model.named_parameters().Where(p => !p.name.EndsWith("bias", StringComparison.Ordinal)).Select(p => p.parameter).ToArray(),
         model.named_parameters().Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)).Select(p => p.parameter).ToArray());

    [Fact]
    public void First_step_and_second_step_over_param_groups_match_davda54_over_torch_sgd_param_groups()
    {
        using nn.Module<Tensor, Tensor> ours = Models.Mlp(7), reference = Models.Mlp(7);
        (Tensor X, Tensor Y)[] batches = Models.Batches(8, 20, images: false);

        // Without the generator: groups of parameters() as torch.optim takes them (no decay, own rate for biases).
        (TorchParameter[] w, TorchParameter[] b) = Split(ours);
        using var sam = new TorchSamOptimizer(
            [new TorchSamOptimizer.ParamGroup(w, weight_decay: WeightDecay), new TorchSamOptimizer.ParamGroup(b, lr: 0.02, weight_decay: 0)],
            new SamSettings { Rho = Rho },
            new Sgd(Lr, Momentum));

        (TorchParameter[] rw, TorchParameter[] rb) = Split(reference);
        using optim.Optimizer sgd = optim.SGD(
            [new SGD.ParamGroup(rw, Lr, Momentum, weight_decay: WeightDecay), new SGD.ParamGroup(rb, 0.02, Momentum, weight_decay: 0)], Lr);
        var davda54 = new ReferenceSam(reference, sgd, Rho);

        foreach ((Tensor x, Tensor y) in batches)
        {
            sam.zero_grad();
            Models.LossAndGradients(ours, x, y);
            sam.first_step(zero_grad: true);
            Models.LossAndGradients(ours, x, y);
            sam.second_step(zero_grad: true);
            davda54.Step(() => Models.LossAndGradients(reference, x, y));
        }

        double difference = Tensors.MaxRelativeDifference(Tensors.State(ours), Tensors.State(reference));
        Assert.True(difference <= 1e-6, $"relative difference {difference:E2}");
        Assert.Equal(2, sam.ParamGroups.Count());
    }

    [Fact]
    public void Step_with_a_closure_matches_davda54_and_returns_the_loss_at_the_trained_weights()
    {
        using nn.Module<Tensor, Tensor> ours = Models.Mlp(9), reference = Models.Mlp(9);
        (Tensor X, Tensor Y)[] batches = Models.Batches(10, 15, images: false);
        using var sam = new TorchSamOptimizer(ours.parameters(), new SamSettings { Rho = Rho }, new Sgd(Lr, Momentum, weightDecay: WeightDecay));
        using optim.Optimizer sgd = optim.SGD(reference.parameters(), Lr, momentum: Momentum, weight_decay: WeightDecay);
        var davda54 = new ReferenceSam(reference, sgd, Rho);
        optim.Optimizer asTorch = sam; // what a TorchSharp training loop holds

        foreach ((Tensor x, Tensor y) in batches)
        {
            float expected;
            using (no_grad())
            {
                using Tensor l = nn.functional.cross_entropy(ours.call(x), y);
                expected = l.item<float>();
            }

            using Tensor loss = asTorch.step(Closure(ours, x, y));
            Assert.Equal(expected, loss.item<float>(), 5);
            davda54.Step(() => Models.LossAndGradients(reference, x, y));
        }

        double difference = Tensors.MaxRelativeDifference(Tensors.State(ours), Tensors.State(reference));
        Assert.True(difference <= 1e-6, $"relative difference {difference:E2}");
        Assert.Equal(["0", "1", "2", "3"], sam.ParameterNames);
    }

    [Fact]
    public void The_two_calls_follow_periodic_and_switching_SAM_like_SharpnessAwareStep()
    {
        using nn.Module<Tensor, Tensor> twoCalls = Models.Mlp(11), oneCall = Models.Mlp(11);
        var settings = new SamSettings { Rho = Rho, Interval = 2, BaseOptimizerSteps = 1 };
        using var a = new TorchSamOptimizer(twoCalls, settings, new Sgd(Lr, Momentum));
        using var b = new TorchSamOptimizer(oneCall, settings, new Sgd(Lr, Momentum));
        var samSteps = new List<bool>();
        foreach ((Tensor x, Tensor y) in Models.Batches(12, 6, images: false))
        {
            a.zero_grad();
            Models.LossAndGradients(twoCalls, x, y);
            a.first_step(zero_grad: true); // perturbs only when a SAM step is due
            Models.LossAndGradients(twoCalls, x, y);
            a.second_step();
            b.SharpnessAwareStep(() => Models.LossAndGradients(oneCall, x, y));
            samSteps.Add(a.LastStep.IsSamStep);
            Assert.Equal(b.LastStep.IsSamStep, a.LastStep.IsSamStep);
        }

        Assert.Equal([false, true, false, true, false, true], samSteps);
        Assert.True(Tensors.BitIdentical(Tensors.State(twoCalls), Tensors.State(oneCall)));
    }

    [Fact]
    public void The_two_calls_with_parameter_groups_allocate_no_managed_memory()
    {
        using nn.Module<Tensor, Tensor> model = Models.CnnWithBatchNormInSequential(1);
        (Tensor x, Tensor y) = Models.Batches(2, 1, images: true)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = Rho, PerturbWeightDecay = true }, new Sgd(Lr, Momentum, weightDecay: WeightDecay), new TorchSamOptions().NoWeightDecayForBiasesAndNorms());
        Models.LossAndGradients(model, x, y); // gradients exist; the calls below reuse them
        Assert.Equal(0, ResourceTests.BytesPerStep(() =>
        {
            sam.first_step();
            sam.second_step();
        }));
    }

    [Fact]
    public void Step_without_a_closure_is_refused_unless_first_step_began_the_step()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(1);
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = Rho }, new Sgd(Lr));
        ArgumentNullException e = Assert.Throws<ArgumentNullException>(() => sam.step());
        Assert.Contains("first_step", e.Message, StringComparison.Ordinal);
        Assert.Equal(0, sam.StepCount);

        (Tensor x, Tensor y) = Models.Batches(2, 1, images: false)[0];
        Models.LossAndGradients(model, x, y);
        sam.first_step(zero_grad: true);
        Models.LossAndGradients(model, x, y);
        Assert.Null(sam.step());
        Assert.Equal(1, sam.StepCount);
        Assert.False(sam.IsPerturbed);
    }

    [Fact]
    public void StepLR_drives_the_learning_rate_of_every_group_while_the_rho_schedule_keeps_working()
    {
        using nn.Module<Tensor, Tensor> scheduled = Models.Mlp(3), byHand = Models.Mlp(3);
        (Tensor X, Tensor Y)[] batches = Models.Batches(4, 6, images: false);
        var settings = new SamSettings { Rho = 0.1, RhoSchedule = Schedule.StepDecay(2, 0.5) };
        TorchSamOptions Options() => new TorchSamOptions().Group("*.bias", learningRate: 0.02, weightDecay: 0);
        using var a = new TorchSamOptimizer(scheduled, settings, new Sgd(Lr, Momentum, weightDecay: WeightDecay), Options());
        using var b = new TorchSamOptimizer(byHand, settings, new Sgd(Lr, Momentum, weightDecay: WeightDecay), Options());
        optim.lr_scheduler.LRScheduler stepLR = optim.lr_scheduler.StepLR(a, step_size: 2, gamma: 0.1);

        for (int i = 0; i < batches.Length; i++)
        {
            (Tensor x, Tensor y) = batches[i];
            double decay = Math.Pow(0.1, i / 2);
            var groups = b.ParamGroups.ToArray();
            groups[0].LearningRate = Lr * decay;
            groups[1].LearningRate = 0.02 * decay;

            a.SharpnessAwareStep(() => Models.LossAndGradients(scheduled, x, y));
            b.SharpnessAwareStep(() => Models.LossAndGradients(byHand, x, y));
            stepLR.step();

            Assert.Equal(Lr * decay, a.LastStep.LearningRate, 12);
            Assert.Equal(0.1 * Math.Pow(0.5, i / 2), a.LastStep.Rho, 12); // the ρ schedule, beside StepLR
        }

        Assert.True(Tensors.BitIdentical(Tensors.State(scheduled), Tensors.State(byHand)));
        Assert.Equal([Lr * 0.001, 0.02 * 0.001], a.ParamGroups.Select(g => g.LearningRate).ToArray(), new ToleranceComparer(1e-15));
    }

    [Fact]
    public void CosineAnnealingLR_may_reach_zero_and_OneCycleLR_runs_its_cycle()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(5);
        (Tensor X, Tensor Y)[] batches = Models.Batches(6, 4, images: false);
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = Rho }, new Sgd(Lr, Momentum));
        optim.lr_scheduler.LRScheduler cosine = optim.lr_scheduler.CosineAnnealingLR(sam, T_max: 2, eta_min: 0);
        sam.step(Closure(model, batches[0].X, batches[0].Y)).Dispose();
        cosine.step();
        cosine.step();
        Assert.Equal(0, sam.LearningRate, 12);

        Dictionary<string, float[]> before = Tensors.State(model);
        sam.step(Closure(model, batches[1].X, batches[1].Y)).Dispose(); // η = 0: the weights stay
        Assert.True(Tensors.BitIdentical(Tensors.State(model), before));

        using nn.Module<Tensor, Tensor> other = Models.Mlp(5);
        using var cyclic = new TorchSamOptimizer(other, new SamSettings { Rho = Rho }, new Sgd(Lr, Momentum));
        optim.lr_scheduler.LRScheduler oneCycle = optim.lr_scheduler.OneCycleLR(cyclic, max_lr: 0.1, total_steps: 4, cycle_momentum: false);
        var rates = new List<double>();
        foreach ((Tensor x, Tensor y) in batches)
        {
            cyclic.step(Closure(other, x, y)).Dispose();
            rates.Add(cyclic.LastStep.LearningRate);
            oneCycle.step();
        }

        Assert.True(rates.Max() > rates[0] && rates[^1] < rates.Max(), string.Join(", ", rates));
    }

    [Fact]
    public void Save_state_dict_and_load_state_dict_resume_bit_identically_with_groups_and_a_scheduler()
    {
        (Tensor X, Tensor Y)[] batches = Models.Batches(12, 12, images: true);
        var settings = new SamSettings { Rho = Rho, Variant = SamVariant.Vasso };
        TorchSamOptions Options() => new TorchSamOptions().NoWeightDecayForBiasesAndNorms();
        Sgd Base() => new(Lr, Momentum, weightDecay: WeightDecay);

        using nn.Module<Tensor, Tensor> straight = Models.CnnWithBatchNormField(9);
        using (var sam = new TorchSamOptimizer(straight, settings, Base(), Options()))
        {
            optim.lr_scheduler.LRScheduler s = optim.lr_scheduler.StepLR(sam, 3, 0.5);
            foreach ((Tensor x, Tensor y) in batches)
            {
                sam.step(Closure(straight, x, y)).Dispose();
                s.step();
            }
        }

        var weights = new MemoryStream();
        var state = new MemoryStream();
        using (nn.Module<Tensor, Tensor> first = Models.CnnWithBatchNormField(9))
        using (var sam = new TorchSamOptimizer(first, settings, Base(), Options()))
        {
            optim.lr_scheduler.LRScheduler s = optim.lr_scheduler.StepLR(sam, 3, 0.5);
            foreach ((Tensor x, Tensor y) in batches.Take(6))
            {
                sam.step(Closure(first, x, y)).Dispose();
                s.step();
            }

            using var w = new BinaryWriter(weights, System.Text.Encoding.UTF8, leaveOpen: true);
            first.save(w);
            using var o = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true);
            sam.save_state_dict(o);
        }

        using nn.Module<Tensor, Tensor> resumed = Models.CnnWithBatchNormField(1234);
        weights.Position = 0;
        state.Position = 0;
        using (var r = new BinaryReader(weights, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            resumed.load(r);
        }

        using (var sam = new TorchSamOptimizer(resumed, settings, Base(), Options()))
        {
            // TorchSharp's schedulers keep no state dict: this one is created at epoch 6 (its constructor takes the
            // step from 5 to 6), then the loaded state sets the group rates StepLR had reached.
            optim.lr_scheduler.LRScheduler s = optim.lr_scheduler.StepLR(sam, 3, 0.5, last_epoch: 5);
            using (var r = new BinaryReader(state, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                sam.load_state_dict(r);
            }

            Assert.Equal(Lr * 0.25, sam.LearningRate, 12);
            foreach ((Tensor x, Tensor y) in batches.Skip(6))
            {
                sam.step(Closure(resumed, x, y)).Dispose();
                s.step();
            }

            Assert.Equal(12, sam.StepCount);
        }

        Assert.True(Tensors.BitIdentical(Tensors.State(resumed), Tensors.State(straight)), "resumed run differs");
    }

    [Fact]
    public void Zero_grad_zeroes_every_trained_gradient_and_add_param_group_is_refused()
    {
        using nn.Module<Tensor, Tensor> model = Models.Mlp(2);
        using var sam = new TorchSamOptimizer(model, new SamSettings(), new Sgd(Lr));
        (Tensor x, Tensor y) = Models.Batches(3, 1, images: false)[0];
        Models.LossAndGradients(model, x, y);
        sam.zero_grad();
        foreach (TorchParameter p in sam.parameters())
        {
            using Tensor g = p.grad!;
            Assert.Equal(0f, g.abs().max().item<float>());
        }

        NotSupportedException e = Assert.Throws<NotSupportedException>(() => sam.add_param_group(new TorchSamOptimizer.ParamGroup([])));
        Assert.Contains("new optimizer", e.Message, StringComparison.Ordinal);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
