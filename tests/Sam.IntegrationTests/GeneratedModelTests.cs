using System;
using System.Collections.Generic;
using Sam.IntegrationTests.Models;
using Sam.Runtime.Tests;
using Xunit;

namespace Sam.IntegrationTests;

public class GeneratedModelTests
{
    private static readonly ReferenceConfig DeepConfig = new(Rho: 0.05, Normalize: true, LearningRate: 0.05, Momentum: 0.9, WeightDecay: 5e-3);

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    public void Generated_step_equals_SamOptimizer_and_the_scalar_reference(int seed, bool withOptional)
    {
        var generated = new DeepModel(seed, withOptional);
        var twin = new DeepModel(seed, withOptional);
        var loss = new TestLoss(Array.ConvertAll(generated.Trained, p => p.Length), seed);
        bool[] mask = twin.PerturbedMask();
        var oracle = new SamOptimizer(twin.Trained, DeepConfig.Sam, DeepConfig.CreateSgd(), p => mask[Array.IndexOf(twin.Trained, p)]);
        var reference = new ReferenceSam(RandomModels.Copy(generated.Trained), mask, DeepConfig);
        float[] frozenBefore = generated.Frozen.TrainedValue.ToArray();

        for (int step = 0; step < 12; step++)
        {
            generated.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.Trained));
            oracle.SharpnessAwareStep(twin.Trained, loss.Accumulate);
            reference.SamStep(loss.Gradients);
        }

        Assert.Equal(0, RandomModels.MaxRelativeDifference(generated.Trained, RandomModels.Copy(twin.Trained)));
        Assert.True(RandomModels.MaxRelativeDifference(generated.Trained, reference.Weights) <= 1e-6);
        Assert.Equal(frozenBefore, generated.Frozen.TrainedValue.ToArray());
        Assert.Equal(12, generated.Optimizer.StepCount);
    }

    [Fact]
    public void The_explicit_phases_equal_the_one_call_step()
    {
        var a = new DeepModel(9, true);
        var b = new DeepModel(9, true);
        var loss = new TestLoss(Array.ConvertAll(a.Trained, p => p.Length), 9);
        for (int step = 0; step < 5; step++)
        {
            a.SharpnessAwareStep(m => loss.Accumulate(m.Trained));

            b.ZeroGradients();
            loss.Accumulate(b.Trained);
            b.Perturb();
            Assert.True(b.Stem.IsPerturbed);
            Assert.False(b.Head.B.IsPerturbed); // [ExcludeFromPerturbation]
            b.ZeroGradients();
            loss.Accumulate(b.Trained);
            b.RestoreAndStep();
            Assert.False(b.Stem.IsPerturbed);
        }

        Assert.Equal(0, RandomModels.MaxRelativeDifference(a.Trained, RandomModels.Copy(b.Trained)));
    }

    [Fact]
    public void Rho_zero_gives_exactly_the_base_optimizer_trajectory()
    {
        var sam = new DeepModel(5, true);
        var sgd = new DeepModel(5, true);
        sam.Optimizer.Rho = 0;
        var loss = new TestLoss(Array.ConvertAll(sam.Trained, p => p.Length), 5);
        for (int step = 0; step < 10; step++)
        {
            sam.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.Trained));
            sgd.ZeroGradients();
            loss.Accumulate(sgd.Trained);
            sgd.BaseStep();
        }

        for (int i = 0; i < sam.Trained.Length; i++)
        {
            Assert.True(sam.Trained[i].TrainedValue.SequenceEqual(sgd.Trained[i].TrainedValue));
        }
    }

    [Fact]
    public void Generated_step_allocates_nothing_after_the_first()
    {
        var model = new DeepModel(7, true);
        var loss = new TestLoss(Array.ConvertAll(model.Trained, p => p.Length), 7);
        Func<DeepModel, TestLoss, float> callback = static (m, l) => l.Accumulate(m.Trained);
        model.SharpnessAwareStep(loss, callback);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 200; i++)
        {
            model.SharpnessAwareStep(loss, callback);
            model.ZeroGradients();
            loss.Accumulate(model.Trained);
            model.Perturb();
            model.Restore();
            model.BaseStep();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void A_non_finite_gradient_names_the_member_and_leaves_the_weights_unperturbed()
    {
        var model = new DeepModel(11, false);
        var loss = new TestLoss(Array.ConvertAll(model.Trained, p => p.Length), 11);
        model.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.Trained));
        float[][] before = RandomModels.Copy(model.Trained);

        int calls = 0;
        var e = Assert.Throws<NonFiniteGradientException>(() => model.SharpnessAwareStep(m =>
        {
            float value = loss.Accumulate(m.Trained);
            if (++calls == 2)
            {
                m.Blocks[^1].W.Gradient[3] = float.NaN;
            }

            return value;
        }));

        Assert.Equal($"Blocks[{model.Blocks.Length - 1}].W", e.MemberPath);
        Assert.Equal(3, e.ElementIndex);
        Assert.False(model.Optimizer.IsPerturbed);
        Assert.All(model.Trained, p => Assert.False(p.IsPerturbed));
        Assert.Equal(0, RandomModels.MaxRelativeDifference(model.Trained, before));

        model.ZeroGradients();
        model.Extras[0].Gradient[0] = float.PositiveInfinity;
        Assert.Equal("Extras[0]", Assert.Throws<NonFiniteGradientException>(model.Perturb).MemberPath);
        Assert.Equal(0, RandomModels.MaxRelativeDifference(model.Trained, before));
    }

    [Fact]
    public void A_required_member_that_is_null_is_named_and_an_optional_one_is_skipped()
    {
        var model = new DeepModel(12, withOptional: false);
        model.ZeroGradients(); // Optional is null: skipped
        model.Head = null!;
        var e = Assert.Throws<InvalidOperationException>(model.ZeroGradients);
        Assert.Contains("Head", e.Message);
        model.Restore(); // must never throw
    }

    [Fact]
    public void A_parameter_reached_through_two_members_is_refused_before_anything_changes()
    {
        var r = new Random(1);
        Parameter shared = Parameter.Uniform("shared", r, -1, 1, 5);
        var model = new Outer.GenericModel<int> { Layers = [shared, shared] };
        shared.Gradient.Fill(1);
        float[] before = shared.TrainedValue.ToArray();
        var e = Assert.Throws<InvalidOperationException>(model.Perturb);
        Assert.Contains("Layers[0] and Layers[1]", e.Message);
        Assert.Contains("SamIgnore", e.Message);
        Assert.False(shared.IsPerturbed);
        Assert.Throws<InvalidOperationException>(model.BaseStep);
        Assert.Equal(before, shared.TrainedValue.ToArray());
    }

    [Fact]
    public void Generic_nested_model_with_a_list_and_unnormalized_perturbation()
    {
        var r = new Random(3);
        var layers = new List<Parameter> { Parameter.Uniform("a", r, -1, 1, 40), Parameter.Uniform("b", r, -1, 1, 3) };
        var model = new Outer.GenericModel<int> { Layers = layers };
        var twinLayers = layers.ConvertAll(p => new Parameter(p.Name, p.TrainedValue, p.Length));
        var config = new ReferenceConfig(Rho: 0.1, Normalize: false, LearningRate: 0.1, Momentum: 0.5, WeightDecay: 0.01, Nesterov: true, Decoupled: true);
        var reference = new ReferenceSam(RandomModels.Copy([.. twinLayers]), [true, true], config);
        var loss = new TestLoss([40, 3], 3);
        for (int step = 0; step < 8; step++)
        {
            model.SharpnessAwareStep(loss, static (m, l) => l.Accumulate([.. m.Layers]));
            reference.SamStep(loss.Gradients);
        }

        Assert.True(RandomModels.MaxRelativeDifference([.. layers], reference.Weights) <= 1e-6);
    }

    [Fact]
    public void Record_in_the_global_namespace_trains()
    {
        var model = new GlobalModel(Parameter.Full("w", 2f, 3));
        model.SharpnessAwareStep(m =>
        {
            Span<float> g = m.Weight.Gradient;
            ReadOnlySpan<float> w = m.Weight.Value;
            for (int i = 0; i < w.Length; i++)
            {
                g[i] += w[i]; // ½‖w‖²
            }

            return 0f;
        });
        Assert.True(model.Weight.TrainedValue[0] < 2f);
    }
}
