using System;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>Parameter groups: each parameter steps with its group's learning rate and weight decay.</summary>
public class ParameterGroupTests
{
    private static Parameter Filled(string name, float weight, float gradient, int length = 5)
    {
        var p = new Parameter(name, length);
        p.Value.Fill(weight);
        p.Gradient.Fill(gradient);
        return p;
    }

    [Fact]
    public void Sgd_steps_a_grouped_parameter_with_the_groups_learning_rate_and_weight_decay()
    {
        Parameter plain = Filled("plain", 2f, 0.5f), grouped = Filled("grouped", 2f, 0.5f);
        grouped.Group = new ParameterGroup(learningRate: 0.02, weightDecay: 0, name: "no-decay");
        var sam = new SamOptimizer([plain, grouped], new SamSettings(), new Sgd(0.1, weightDecay: 0.01));

        sam.BaseStep();

        Assert.Equal(2f - (0.1f * (0.5f + (0.01f * 2f))), plain.TrainedValue[0], 6);
        Assert.Equal(2f - (0.02f * 0.5f), grouped.TrainedValue[0], 6);
    }

    [Theory]
    [InlineData("sgd")]
    [InlineData("adamw")]
    public void An_overflow_from_a_groups_own_learning_rate_quotes_that_rate_and_names_the_group(string optimizer)
    {
        Parameter plain = Filled("plain", 2f, 0.5f), grouped = Filled("grouped", 2f, 4f);
        grouped.Group = new ParameterGroup(learningRate: 3e38, name: "hot");
        BaseOptimizer base_ = optimizer == "sgd" ? new Sgd(0.01) : new AdamW(0.01, weightDecay: 0);
        var sam = new SamOptimizer([plain, grouped], new SamSettings(), base_);

        var e = Assert.Throws<NonFiniteGradientException>(sam.BaseStep);

        Assert.Equal("grouped", e.ParameterName);
        Assert.Contains("η = 3E+38", e.Message, StringComparison.Ordinal);
        Assert.Contains("lower LearningRate (of parameter group 'hot')", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("η = 0.01", e.Message, StringComparison.Ordinal);
        Assert.Equal(2f, grouped.TrainedValue[0]);
    }

    [Fact]
    public void AdamW_does_not_decay_a_parameter_whose_group_has_no_weight_decay()
    {
        // A zero gradient leaves Adam's update at 0: only the decoupled decay moves the weights.
        Parameter plain = Filled("plain", 2f, 0f), grouped = Filled("grouped", 2f, 0f);
        grouped.Group = new ParameterGroup(weightDecay: 0);
        var sam = new SamOptimizer([plain, grouped], new SamSettings(), new AdamW(0.1, weightDecay: 0.5));

        sam.BaseStep();

        Assert.Equal((float)(2.0 * (1 - (0.1 * 0.5))), plain.TrainedValue[0]);
        Assert.Equal(2f, grouped.TrainedValue[0]);
    }

    [Fact]
    public void A_learning_rate_schedule_scales_a_group_from_its_own_base_rate()
    {
        Parameter grouped = Filled("grouped", 0f, 1f);
        grouped.Group = new ParameterGroup(learningRate: 0.2);
        var settings = new SamSettings { LearningRateSchedule = Schedule.StepDecay(stepSize: 1, gamma: 0.5) };
        var sam = new SamOptimizer([grouped], settings, new Sgd(0.1));

        sam.BaseStep(); // step 0: η = 0.2
        Assert.Equal(-0.2f, grouped.TrainedValue[0], 6);
        sam.BaseStep(); // step 1: η = 0.1
        Assert.Equal(-0.3f, grouped.TrainedValue[0], 6);
    }

    [Fact]
    public void Weight_decay_in_the_perturbation_is_the_groups()
    {
        // Zero gradients: the perturbation direction is λ·w alone, and the grouped parameter's λ is 0.
        Parameter plain = Filled("plain", 1f, 0f), grouped = Filled("grouped", 1f, 0f);
        grouped.Group = new ParameterGroup(weightDecay: 0);
        var sam = new SamOptimizer([plain, grouped], new SamSettings { Rho = 0.1, PerturbWeightDecay = true }, new Sgd(0.1, weightDecay: 0.5));

        sam.Perturb();

        Assert.NotEqual(1f, plain.Value[0]);
        Assert.Equal(1f, grouped.Value[0]);
        sam.Restore();
    }

    [Fact]
    public void A_group_refuses_a_negative_or_non_finite_value_naming_the_option()
    {
        var group = new ParameterGroup(name: "heads");
        ArgumentOutOfRangeException lr = Assert.Throws<ArgumentOutOfRangeException>(() => group.LearningRate = -1);
        Assert.Equal(nameof(ParameterGroup.LearningRate), lr.ParamName);
        Assert.Contains("heads", lr.Message, StringComparison.Ordinal);
        ArgumentOutOfRangeException wd = Assert.Throws<ArgumentOutOfRangeException>(() => group.WeightDecay = double.NaN);
        Assert.Equal(nameof(ParameterGroup.WeightDecay), wd.ParamName);
        group.LearningRate = 0; // a scheduler's floor holds the group still
        Assert.Equal(0, group.LearningRate);
    }

    [Fact]
    public void A_step_with_parameter_groups_allocates_nothing()
    {
        int[] lengths = [1000, 300, 3];
        Parameter[] ps = RandomModels.Parameters(lengths, 1);
        ps[1].Group = new ParameterGroup(learningRate: 0.02, weightDecay: 0);
        ps[2].Group = new ParameterGroup(weightDecay: 0);
        var loss = new TestLoss(lengths, 1);
        var sam = new SamOptimizer(ps, new SamSettings { PerturbWeightDecay = true, LearningRateSchedule = Schedule.Cosine(1000) }, new Sgd(0.01, 0.9, weightDecay: 1e-4));
        Func<Parameter[], float> callback = loss.Accumulate;
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() => sam.SharpnessAwareStep(ps, callback)));
    }
}
