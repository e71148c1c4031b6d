using System;
using System.Linq;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>The callback surface for F# (SamOptimizer.Create / SharpnessAwareStep(Func) / BaseStep(Func)).</summary>
public class SamOptimizerFunctionalTests
{
    private static readonly int[] Lengths = [100, 3000, 7];

    [Fact]
    public void Create_and_SharpnessAwareStep_follow_the_same_trajectory_as_the_constructor_and_SharpnessAwareStep()
    {
        Parameter[] a = RandomModels.Parameters(Lengths, 5), b = RandomModels.Parameters(Lengths, 5);
        var loss = new TestLoss(Lengths, 5);
        SamOptimizer functional = SamOptimizer.Create(a, rho: 0.1, learningRate: 0.05, momentum: 0.9, weightDecay: 5e-4, perturb: p => p != a[2]);
        var classic = new SamOptimizer(b, new SamSettings { Rho = 0.1 }, new Sgd(0.05, momentum: 0.9, weightDecay: 5e-4), p => p != b[2]);

        for (int step = 0; step < 10; step++)
        {
            functional.SharpnessAwareStep(() => loss.Accumulate(a));
            SamStepInfo info = functional.LastStep;
            float expected = classic.SharpnessAwareStep(() => loss.Accumulate(b));
            Assert.Equal(expected, (float)info.Loss);
            Assert.Equal(classic.LastStep, info);
        }

        for (int t = 0; t < Lengths.Length; t++)
        {
            Assert.True(a[t].TrainedValue.SequenceEqual(b[t].TrainedValue), $"tensor {t}");
        }
    }

    [Fact]
    public void Create_passes_the_variant_clipping_and_periodic_options_to_the_settings()
    {
        Parameter[] a = RandomModels.Parameters(Lengths, 8), b = RandomModels.Parameters(Lengths, 8);
        var loss = new TestLoss(Lengths, 8);
        SamOptimizer functional = SamOptimizer.Create(
            a, rho: 0.5, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3, variant: SamVariant.Asam, maxGradientNorm: 1.0,
            interval: 2, baseOptimizerSteps: 1, perturbWeightDecay: true);
        var settings = new SamSettings
        {
            Rho = 0.5, Variant = SamVariant.Asam, MaxGradientNorm = 1.0, Interval = 2, BaseOptimizerSteps = 1, PerturbWeightDecay = true,
        };
        var classic = new SamOptimizer(b, settings, new Sgd(0.05, momentum: 0.9, weightDecay: 1e-3));

        for (int step = 0; step < 7; step++)
        {
            functional.SharpnessAwareStep(() => loss.Accumulate(a));
            classic.SharpnessAwareStep(() => loss.Accumulate(b));
            Assert.Equal(classic.LastStep, functional.LastStep);
        }

        for (int t = 0; t < Lengths.Length; t++)
        {
            Assert.True(a[t].TrainedValue.SequenceEqual(b[t].TrainedValue), $"tensor {t}");
        }
    }

    [Fact]
    public void BaseStep_is_zero_compute_step_and_returns_the_loss()
    {
        Parameter[] a = RandomModels.Parameters(Lengths, 6), b = RandomModels.Parameters(Lengths, 6);
        var loss = new TestLoss(Lengths, 6);
        SamOptimizer functional = SamOptimizer.Create(a, learningRate: 0.1, momentum: 0.5);
        SamOptimizer classic = SamOptimizer.Create(b, learningRate: 0.1, momentum: 0.5);
        for (int step = 0; step < 5; step++)
        {
            float l = functional.BaseStep(() => loss.Accumulate(a));
            classic.ZeroGradients();
            Assert.Equal(loss.Accumulate(b), l);
            classic.BaseStep();
        }

        for (int t = 0; t < Lengths.Length; t++)
        {
            Assert.True(a[t].TrainedValue.SequenceEqual(b[t].TrainedValue), $"tensor {t}");
        }
    }

    [Fact]
    public void Create_uses_the_documented_defaults()
    {
        SamOptimizer sam = SamOptimizer.Create([Parameter.Zeros("w", 3)]);
        Assert.Equal(0.05, sam.Rho);
        Assert.True(sam.Normalize);
        var sgd = Assert.IsType<Sgd>(sam.BaseOptimizer);
        Assert.Equal(0.01, sgd.LearningRate);
        Assert.Equal(0, sgd.Momentum);
        Assert.Equal(0, sgd.WeightDecay);
        Assert.False(sgd.Nesterov);
    }

    [Theory]
    [InlineData("rho", -1.0, 0.1, 0.0)]
    [InlineData("rho", double.NaN, 0.1, 0.0)]
    [InlineData("learningRate", 0.05, 0.0, 0.0)]
    [InlineData("momentum", 0.05, 0.1, 1.0)]
    public void Create_names_the_invalid_argument(string name, double rho, double learningRate, double momentum)
    {
        ArgumentException e = Assert.ThrowsAny<ArgumentException>(() => SamOptimizer.Create([Parameter.Zeros("w", 3)], rho, learningRate, momentum));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public void Callbacks_must_not_be_null()
    {
        SamOptimizer sam = SamOptimizer.Create([Parameter.Zeros("w", 3)]);
        Assert.Throws<ArgumentNullException>(() => sam.SharpnessAwareStep((Func<float>)null!));
        Assert.Throws<ArgumentNullException>(() => sam.BaseStep(null!));
    }
}
