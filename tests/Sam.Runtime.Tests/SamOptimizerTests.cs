using System;
using System.Linq;
using Xunit;

namespace Sam.Runtime.Tests;

public class SamOptimizerTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Equals_the_scalar_reference_on_random_models(int seed)
    {
        var r = new Random(seed);
        int[] lengths = RandomModels.Lengths(r, 1 + r.Next(6));
        ReferenceConfig config = RandomModels.Config(r);
        Parameter[] ps = RandomModels.Parameters(lengths, seed);
        bool[] perturbed = lengths.Select((_, i) => i % 3 != 2).ToArray();
        var loss = new TestLoss(lengths, seed);
        var reference = new ReferenceSam(RandomModels.Copy(ps), perturbed, config);
        var sam = new SamOptimizer(ps, config.Sam, config.CreateSgd(), p => perturbed[Array.IndexOf(ps, p)]);

        for (int step = 0; step < 15; step++)
        {
            sam.SharpnessAwareStep(ps, loss.Accumulate);
            reference.SamStep(loss.Gradients);
        }

        Assert.True(RandomModels.MaxRelativeDifference(ps, reference.Weights) <= 1e-6, $"config {config}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Rho_zero_gives_exactly_the_base_optimizer_trajectory(bool normalize)
    {
        int[] lengths = [100, 3000, 7];
        Parameter[] samParams = RandomModels.Parameters(lengths, 3), baseParams = RandomModels.Parameters(lengths, 3);
        var loss = new TestLoss(lengths, 3);
        var config = new ReferenceConfig(0, normalize, 0.05, Momentum: 0.9, WeightDecay: 5e-4);
        var sam = new SamOptimizer(samParams, config.Sam, config.CreateSgd());
        var baseline = new SamOptimizer(baseParams, config.Sam, config.CreateSgd());
        for (int step = 0; step < 20; step++)
        {
            sam.SharpnessAwareStep(samParams, loss.Accumulate);
            baseline.ZeroGradients();
            loss.Accumulate(baseParams);
            baseline.BaseStep();
        }

        for (int t = 0; t < lengths.Length; t++)
        {
            Assert.True(samParams[t].TrainedValue.SequenceEqual(baseParams[t].TrainedValue));
        }
    }

    [Fact]
    public void A_zero_gradient_does_not_divide_by_zero()
    {
        Parameter p = Parameter.Full("w", 1.5f, 10);
        var sam = new SamOptimizer([p], new SamSettings(), new Sgd(0.1));
        sam.Perturb();
        Assert.True(p.IsPerturbed);
        Assert.All(p.Value.ToArray(), v => Assert.Equal(1.5f, v));
        Assert.Equal(0, sam.LastStep.Step);
        sam.RestoreAndStep();
        Assert.All(p.Value.ToArray(), v => Assert.Equal(1.5f, v));
        Assert.False(double.IsNaN(sam.LastStep.PerturbedGradientNorm));
    }

    [Fact]
    public void A_non_finite_gradient_before_perturbing_names_the_parameter_and_changes_nothing()
    {
        Parameter a = Parameter.Full("a", 1f, 4), b = Parameter.Full("b", 2f, 4);
        a.Gradient.Fill(1);
        b.Gradient[2] = float.PositiveInfinity;
        var sam = new SamOptimizer([a, b], new SamSettings(), new Sgd(0.1));
        var e = Assert.Throws<NonFiniteGradientException>(sam.Perturb);
        Assert.Equal("b", e.ParameterName);
        Assert.Equal(2, e.ElementIndex);
        Assert.Contains("'b'", e.Message);
        Assert.False(a.IsPerturbed || b.IsPerturbed || sam.IsPerturbed);
        Assert.All(a.Value.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void A_non_finite_gradient_at_the_perturbed_point_restores_the_weights_and_keeps_the_state()
    {
        int[] lengths = [50, 60];
        Parameter[] ps = RandomModels.Parameters(lengths, 5), twin = RandomModels.Parameters(lengths, 5);
        var loss = new TestLoss(lengths, 5);
        var config = new ReferenceConfig(0.05, true, 0.05, Momentum: 0.9);
        var sam = new SamOptimizer(ps, config.Sam, config.CreateSgd());
        var clean = new SamOptimizer(twin, config.Sam, config.CreateSgd());
        sam.SharpnessAwareStep(ps, loss.Accumulate);
        clean.SharpnessAwareStep(twin, loss.Accumulate);
        float[][] before = RandomModels.Copy(ps);

        sam.ZeroGradients();
        loss.Accumulate(ps);
        sam.Perturb();
        sam.ZeroGradients();
        loss.Accumulate(ps);
        ps[1].Gradient[7] = float.NaN;
        var e = Assert.Throws<NonFiniteGradientException>(sam.RestoreAndStep);
        Assert.Contains("step", e.Message);
        Assert.False(ps[0].IsPerturbed || ps[1].IsPerturbed || sam.IsPerturbed);
        Assert.Equal(0, RandomModels.MaxRelativeDifference(ps, before));

        // The momentum was not touched: the next good step matches a run that never failed.
        sam.SharpnessAwareStep(ps, loss.Accumulate);
        clean.SharpnessAwareStep(twin, loss.Accumulate);
        Assert.Equal(0, RandomModels.MaxRelativeDifference(ps, RandomModels.Copy(twin)));
    }

    [Fact]
    public void A_throwing_callback_at_the_perturbed_point_leaves_the_weights_restored()
    {
        Parameter p = Parameter.Full("w", 1f, 8);
        var sam = new SamOptimizer([p], new SamSettings(), new Sgd(0.1));
        int calls = 0;
        Assert.Throws<InvalidOperationException>(() => sam.SharpnessAwareStep(() =>
        {
            p.Gradient.Fill(1);
            return ++calls == 2 ? throw new InvalidOperationException("boom") : 0f;
        }));
        Assert.False(p.IsPerturbed);
        Assert.All(p.Value.ToArray(), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void Phases_out_of_order_are_rejected_with_a_clear_message()
    {
        Parameter p = Parameter.Full("w", 1f, 8);
        p.Gradient.Fill(1);
        var sam = new SamOptimizer([p], new SamSettings(), new Sgd(0.1));
        sam.Perturb();
        Assert.Contains("already perturbed", Assert.Throws<InvalidOperationException>(sam.Perturb).Message);
        Assert.Contains("perturbed", Assert.Throws<InvalidOperationException>(sam.BaseStep).Message);
        Assert.Throws<InvalidOperationException>(() => p.LoadValues(new float[8]));
        sam.Restore();
        Assert.False(p.IsPerturbed);
    }

    [Fact]
    public void Invalid_settings_throw_naming_the_argument()
    {
        Assert.Equal("Rho", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { Rho = double.NaN }).ParamName);
        Assert.Equal("Rho", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { Rho = -1 }).ParamName);
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0)).ParamName);
        Assert.Equal("momentum", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1, momentum: 1)).ParamName);
        Assert.Equal("dampening", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1, dampening: -0.1)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd(0.1, weightDecay: double.PositiveInfinity)).ParamName);
        Assert.Equal("nesterov", Assert.Throws<ArgumentException>(() => new Sgd(0.1, nesterov: true)).ParamName);
        Parameter p = Parameter.Zeros("w", 2);
        Assert.Equal("parameters", Assert.Throws<ArgumentException>(() => new SamOptimizer([p, p], new SamSettings(), new Sgd(0.1))).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentOutOfRangeException>(() => Parameter.Zeros("w", 2, 0)).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => new Parameter("w", new float[3], 2, 2)).ParamName);
    }

    [Fact]
    public void Telemetry_reports_the_norms_and_the_sharpness_estimate()
    {
        Parameter p = Parameter.Full("w", 0.5f, 3);
        var sam = new SamOptimizer([p], new SamSettings { Rho = 0.1 }, new Sgd(0.1));
        var loss = new TestLoss([3], 1);
        sam.SharpnessAwareStep(new[] { p }, loss.Accumulate);
        SamStepInfo info = sam.LastStep;
        Assert.Equal(1, info.Step);
        Assert.Equal(0.1, info.Rho);
        Assert.Equal(0.1, info.PerturbationNorm, 6);
        Assert.True(info.GradientNorm > 0 && info.PerturbedGradientNorm > 0);
        Assert.Equal(info.PerturbedLoss - info.Loss, info.Sharpness);
        Assert.False(double.IsNaN(info.Sharpness));
    }
}
