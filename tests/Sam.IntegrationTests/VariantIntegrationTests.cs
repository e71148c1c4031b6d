using System;
using System.Linq;
using Sam.Runtime.Tests;
using Xunit;

namespace Sam.IntegrationTests;

/// <summary>
/// Generated code against <see cref="SamOptimizer"/> configured by hand with the same settings: the generator must
/// pass every attribute option to the engine and drive the same protocol, so the trajectories agree bit for bit.
/// </summary>
public class VariantIntegrationTests
{
    public static TheoryData<string> Models() => new() { "Asam", "AsamBiases", "Vasso", "Friendly", "Gsam", "Gcsam", "Periodic" };

    [Theory]
    [MemberData(nameof(Models))]
    public void Generated_code_equals_the_hand_configured_optimizer_bit_for_bit(string name)
    {
        (IVariantNet net, SamSettings settings, Func<BaseOptimizer> optimizer) = Create(name);
        Parameter[] mine = net.AllParameters();
        Parameter[] twin = mine.Select(p => new Parameter(p.Name, p.TrainedValue, [.. p.Shape])).ToArray();
        var sam = new SamOptimizer(twin, settings, optimizer(), p => p != twin[1]);
        var loss = new TestLoss(mine.Select(p => p.Length).ToArray(), 9);

        for (int step = 0; step < 12; step++)
        {
            float a = net.Train(loss);
            float b = sam.SharpnessAwareStep(twin, loss.Accumulate);
            Assert.Equal(b, a);
            Assert.Equal(sam.LastStep, net.Optimizer.LastStep);
        }

        for (int k = 0; k < mine.Length; k++)
        {
            Assert.True(mine[k].TrainedValue.SequenceEqual(twin[k].TrainedValue), $"{name}: parameter {mine[k].Name}");
        }

        Assert.Equal(settings.Variant, net.Optimizer.Variant);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Generated_steps_allocate_nothing(string name)
    {
        IVariantNet net = Create(name).Net;
        var loss = new TestLoss(net.AllParameters().Select(p => p.Length).ToArray(), 3);
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() => net.Train(loss), steps: 50));
    }

    internal static (IVariantNet Net, SamSettings Settings, Func<BaseOptimizer> Optimizer) Create(string name) => name switch
    {
        "Asam" => (new AsamNet(), new SamSettings { Rho = 0.5, Variant = SamVariant.Asam, AsamEta = 0.02 }, () => new Sgd(0.05, 0.9)),
        "AsamBiases" => (new AsamBiasesNet(), new SamSettings { Rho = 0.5, Variant = SamVariant.Asam, AsamEta = 0.02, AsamScaleBiases = true }, () => new Sgd(0.05, 0.9)),
        "Vasso" => (new VassoNet(), new SamSettings { Rho = 0.2, Variant = SamVariant.Vasso, VassoTheta = 0.2 }, () => new AdamW(0.01)),
        "Friendly" => (
            new FriendlyNet(),
            new SamSettings { Rho = 0.2, Variant = SamVariant.FriendlySam, FriendlyLambda = 0.8, FriendlySigma = 0.5, PerturbWeightDecay = true },
            () => new Sgd(0.05, weightDecay: 5e-3)),
        "Gsam" => (new GsamNet(), new SamSettings { Rho = 0.3, Variant = SamVariant.Gsam, GsamAlpha = 0.3, MaxGradientNorm = 0.5 }, () => new AdamW(0.01, amsgrad: true)),
        "Gcsam" => (new GcsamNet(), new SamSettings { Rho = 0.05, Variant = SamVariant.Gcsam, Normalize = false }, () => new Sgd(0.05, 0.9, nesterov: true)),
        _ => (
            new PeriodicNet(),
            new SamSettings
            {
                Rho = 0.2,
                Interval = 3,
                BaseOptimizerSteps = 2,
                RhoSchedule = Schedule.Polynomial(0.5, warmupSteps: 2),
                LearningRateSchedule = Schedule.Cosine(20, floor: 0.001, warmupSteps: 3),
            },
            () => new Sgd(0.05, 0.9)),
    };
}
