using System;
using System.Linq;
using Xunit;

namespace Sam.Runtime.Tests;

public class ClippingTests
{
    [Fact]
    public void The_base_step_uses_the_gradient_clipped_to_the_global_norm()
    {
        // Two parameters, gradients 3 and 4 at the perturbed point: ‖g′‖ = 5, clipped to 1 → factor 1/(5 + 1e-6).
        Parameter a = Parameter.Full("a", 0f, 1), b = Parameter.Full("b", 0f, 1);
        var sam = new SamOptimizer([a, b], new SamSettings { Rho = 0, MaxGradientNorm = 1 }, new Sgd(1));
        sam.SharpnessAwareStep(() =>
        {
            a.Gradient[0] = 3;
            b.Gradient[0] = 4;
            return 0f;
        });
        float factor = (float)(1 / (5 + 1e-6));
        Assert.Equal(factor, sam.LastStep.GradientScale, 6);
        Assert.Equal(-factor * 3, a.Value[0], 6);
        Assert.Equal(-factor * 4, b.Value[0], 6);
        Assert.Equal(5, sam.LastStep.PerturbedGradientNorm, 6); // telemetry reports the norm before clipping
    }

    [Fact]
    public void A_gradient_inside_the_norm_is_not_touched()
    {
        var model = new VariantModel(7, tensors: 3);
        Parameter[] clipped = model.CreateParameters(), plain = model.CreateParameters();
        SamOptimizer x = model.CreateOptimizer(clipped, new SamSettings { MaxGradientNorm = 1e9 }, new Sgd(0.05, 0.9));
        SamOptimizer y = model.CreateOptimizer(plain, new SamSettings(), new Sgd(0.05, 0.9));
        for (int i = 0; i < 5; i++)
        {
            x.SharpnessAwareStep(clipped, model.Loss.Accumulate);
            y.SharpnessAwareStep(plain, model.Loss.Accumulate);
            Assert.Equal(1, x.LastStep.GradientScale);
        }

        Assert.Equal(0, RandomModels.MaxRelativeDifference(clipped, RandomModels.Copy(plain)));
    }

    [Fact]
    public void The_perturbation_gradient_is_not_clipped()
    {
        // USAM makes the perturbation proportional to g itself, so clipping it would show: e = ρ·g, unclipped.
        Parameter p = Parameter.Full("w", 1f, 4);
        var sam = new SamOptimizer([p], new SamSettings { Rho = 0.1, Normalize = false, MaxGradientNorm = 0.01 }, new Sgd(0.1));
        p.Gradient.Fill(10);
        sam.Perturb();
        Assert.All(p.Value.ToArray(), v => Assert.Equal(1f + (0.1f * 10f), v));
        sam.Restore();
    }

    [Fact]
    public void Clipping_also_applies_to_base_steps_and_to_adamw()
    {
        Parameter p = Parameter.Full("w", 0f, 4);
        var sam = new SamOptimizer([p], new SamSettings { MaxGradientNorm = 2, Interval = 2 }, new AdamW(0.1, weightDecay: 0));
        sam.SharpnessAwareStep(() => { p.Gradient.Fill(3); return 0f; });
        sam.SharpnessAwareStep(() => { p.Gradient.Fill(3); return 0f; });
        Assert.False(sam.LastStep.IsSamStep);
        Assert.Equal(2 / (6 + 1e-6), sam.LastStep.GradientScale, 6);
    }

    [Fact]
    public void Weight_decay_enters_the_perturbation_only_when_asked()
    {
        Parameter p = Parameter.Full("w", 2f, 3);
        var with = new SamOptimizer([p], new SamSettings { Rho = 1, Normalize = false, PerturbWeightDecay = true }, new Sgd(0.1, weightDecay: 0.5));
        p.Gradient.Fill(1);
        with.Perturb();
        Assert.All(p.Value.ToArray(), v => Assert.Equal(2f + (1f + (0.5f * 2f)), v)); // e = ρ(g + λw)
        with.Restore();

        var without = new SamOptimizer([p], new SamSettings { Rho = 1, Normalize = false }, new Sgd(0.1, weightDecay: 0.5));
        without.Perturb();
        Assert.All(p.Value.ToArray(), v => Assert.Equal(3f, v)); // e = ρg
        without.Restore();
        Assert.True(p.TrainedValue.ToArray().All(v => v == 2f));
    }
}
