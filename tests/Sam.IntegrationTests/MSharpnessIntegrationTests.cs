using System;
using System.Linq;
using Sam.IntegrationTests.Models;
using Sam.Runtime.Tests;
using Xunit;

namespace Sam.IntegrationTests;

/// <summary>
/// The generated <c>MSharpnessStep</c> against the runtime's <see cref="SamOptimizer.MSharpnessStep{TState}"/> over a hand-configured
/// <see cref="SamOptimizer"/>: both drive the engine's part accumulation, so the trajectories agree bit for bit.
/// </summary>
public class MSharpnessIntegrationTests
{
    private static readonly ReferenceConfig DeepConfig = new(Rho: 0.05, Normalize: true, LearningRate: 0.05, Momentum: 0.9, WeightDecay: 5e-3);

    [Theory]
    [InlineData(1, false, 3)]
    [InlineData(2, true, 4)]
    [InlineData(3, true, 2)]
    public void Generated_m_sharpness_equals_MSharpness_over_SamOptimizer(int seed, bool withOptional, int parts)
    {
        var generated = new DeepModel(seed, withOptional);
        var twin = new DeepModel(seed, withOptional);
        TestLoss[] losses = Losses(generated.Trained, parts, seed);
        bool[] mask = twin.PerturbedMask();
        SamOptimizer helper = new SamOptimizer(twin.Trained, DeepConfig.Sam, DeepConfig.CreateSgd(), p => mask[Array.IndexOf(twin.Trained, p)]);
        int helperParts = parts;

        for (int step = 0; step < 8; step++)
        {
            float a = generated.MSharpnessStep(parts, losses, static (m, l, j) => l[j].Accumulate(m.Trained));
            float b = helper.MSharpnessStep(helperParts, twin.Trained, (ps, j) => losses[j].Accumulate(ps));
            Assert.Equal(b, a);
        }

        AssertSameWeights(generated.Trained, twin.Trained);
        Assert.Equal(8, generated.Optimizer.StepCount);
        Assert.True(generated.Optimizer.LastStep.IsSamStep);
    }

    [Fact]
    public void Generated_accumulation_equals_the_engines_over_SamOptimizer()
    {
        var generated = new DeepModel(4, withOptional: true);
        var twin = new DeepModel(4, withOptional: true);
        TestLoss[] losses = Losses(generated.Trained, 3, 4);
        bool[] mask = twin.PerturbedMask();
        SamOptimizer helper = new SamOptimizer(twin.Trained, DeepConfig.Sam, DeepConfig.CreateSgd(), p => mask[Array.IndexOf(twin.Trained, p)]);
        for (int step = 0; step < 6; step++)
        {
            float a = generated.SharpnessAwareStep(3, losses, static (m, l, i) => l[i].Accumulate(m.Trained));
            float b = helper.SharpnessAwareStep(3, twin.Trained, losses, static (ps, l, i) => l[i].Accumulate(ps));
            Assert.Equal(b, a);
            Assert.Equal(3, generated.Optimizer.LastStep.MicroBatches);
        }

        AssertSameWeights(generated.Trained, twin.Trained);
    }

    [Theory]
    [MemberData(nameof(VariantIntegrationTests.Models), MemberType = typeof(VariantIntegrationTests))]
    public void Generated_m_sharpness_equals_MSharpness_for_every_variant(string name)
    {
        (IVariantNet net, SamSettings settings, Func<BaseOptimizer> optimizer) = VariantIntegrationTests.Create(name);
        Parameter[] mine = net.AllParameters();
        Parameter[] twin = mine.Select(p => new Parameter(p.Name, p.TrainedValue, [.. p.Shape])).ToArray();
        SamOptimizer helper = new SamOptimizer(twin, settings, optimizer(), p => p != twin[1]);
        int helperParts = 3;
        TestLoss[] losses = Losses(mine, 3, 17);

        for (int step = 0; step < 10; step++)
        {
            float a = net.TrainParts(losses);
            float b = helper.MSharpnessStep(helperParts, twin, (ps, j) => losses[j].Accumulate(ps));
            Assert.Equal(b, a);
        }

        AssertSameWeights(mine, twin);
    }

    [Fact]
    public void One_part_is_SharpnessAwareStep_exactly()
    {
        var parts = new DeepModel(6, true);
        var whole = new DeepModel(6, true);
        var loss = new TestLoss(Array.ConvertAll(parts.Trained, p => p.Length), 6);
        for (int step = 0; step < 8; step++)
        {
            float a = parts.MSharpnessStep(1, loss, static (m, l, _) => l.Accumulate(m.Trained));
            float b = whole.SharpnessAwareStep(m => loss.Accumulate(m.Trained));
            Assert.Equal(b, a);
            Assert.Equal(whole.Optimizer.LastStep, parts.Optimizer.LastStep);
        }

        AssertSameWeights(parts.Trained, whole.Trained);
    }

    [Theory]
    [InlineData("Asam")]
    [InlineData("Vasso")]
    [InlineData("Friendly")]
    [InlineData("Gcsam")]
    [InlineData("Periodic")]
    public void One_part_is_SharpnessAwareStep_exactly_for_the_variants(string name)
    {
        // GSAM is left out on purpose: m-sharpness does not apply its correction (each part is plain SAM).
        IVariantNet parts = VariantIntegrationTests.Create(name).Net;
        IVariantNet whole = VariantIntegrationTests.Create(name).Net;
        var loss = new TestLoss(parts.AllParameters().Select(p => p.Length).ToArray(), 4);
        for (int step = 0; step < 10; step++)
        {
            Assert.Equal(whole.Train(loss), parts.TrainParts([loss]));
            Assert.Equal(whole.Optimizer.LastStep, parts.Optimizer.LastStep);
        }

        AssertSameWeights(parts.AllParameters(), whole.AllParameters());
    }

    [Fact]
    public void Generated_m_sharpness_allocates_nothing_after_the_first_step()
    {
        var model = new DeepModel(7, true);
        TestLoss[] losses = Losses(model.Trained, 4, 7);
        Func<DeepModel, TestLoss[], int, float> callback = static (m, l, j) => l[j].Accumulate(m.Trained);
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() => model.MSharpnessStep(4, losses, callback), steps: 50));

        IVariantNet vasso = new VassoNet();
        TestLoss[] vassoLosses = Losses(vasso.AllParameters(), 3, 8);
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() => vasso.TrainParts(vassoLosses), steps: 50));
    }

    [Theory]
    [InlineData(3, "gradient at the trained weights")] // part 1's first callback: Perturb refuses it
    [InlineData(6, "gradient at the perturbed point")] // part 2's second callback: the averaged gradient is refused
    public void A_non_finite_gradient_in_any_part_leaves_the_weights_unperturbed_and_the_state_unchanged(int failingCall, string what)
    {
        const int Parts = 3;
        var model = new DeepModel(11, false);
        var twin = new DeepModel(11, false);
        TestLoss[] losses = Losses(model.Trained, Parts, 11);
        Func<DeepModel, TestLoss[], int, float> callback = static (m, l, j) => l[j].Accumulate(m.Trained);
        model.MSharpnessStep(Parts, losses, callback);
        twin.MSharpnessStep(Parts, losses, callback);
        float[][] before = RandomModels.Copy(model.Trained);

        int calls = 0;
        var e = Assert.Throws<NonFiniteGradientException>(() => model.MSharpnessStep(Parts, losses, (m, l, j) =>
        {
            float value = l[j].Accumulate(m.Trained);
            if (++calls == failingCall)
            {
                m.Blocks[^1].W.Gradient[3] = float.NaN;
            }

            return value;
        }));

        Assert.True(e.MemberPath == $"Blocks[{model.Blocks.Length - 1}].W", what);
        Assert.False(model.Optimizer.IsPerturbed);
        Assert.All(model.Trained, p => Assert.False(p.IsPerturbed));
        Assert.Equal(0, RandomModels.MaxRelativeDifference(model.Trained, before));
        Assert.Equal(1, model.Optimizer.StepCount);

        // The momentum buffers were not touched: the next steps follow the twin that never failed.
        for (int step = 0; step < 3; step++)
        {
            model.MSharpnessStep(Parts, losses, callback);
            twin.MSharpnessStep(Parts, losses, callback);
        }

        AssertSameWeights(model.Trained, twin.Trained);
    }

    [Fact]
    public void Bad_arguments_are_refused_by_name()
    {
        var model = new DeepModel(12, false);
        TestLoss[] losses = Losses(model.Trained, 2, 12);
        Assert.Equal("parts", Assert.Throws<ArgumentOutOfRangeException>(() => model.MSharpnessStep(0, losses, static (m, l, j) => l[j].Accumulate(m.Trained))).ParamName);
        Assert.Equal("lossAndGradients", Assert.Throws<ArgumentNullException>(() => model.MSharpnessStep<int>(2, 0, null!)).ParamName);

        model.ZeroGradients();
        losses[0].Accumulate(model.Trained);
        model.Perturb();
        Assert.Throws<InvalidOperationException>(() => model.MSharpnessStep(2, losses, static (m, l, j) => l[j].Accumulate(m.Trained)));
        model.Restore();
        Assert.Equal(0, model.Optimizer.StepCount);
    }

    private static TestLoss[] Losses(Parameter[] parameters, int parts, int seed) =>
        Enumerable.Range(0, parts).Select(j => new TestLoss(Array.ConvertAll(parameters, p => p.Length), (seed * 31) + j)).ToArray();

    private static void AssertSameWeights(Parameter[] a, Parameter[] b)
    {
        Assert.Equal(a.Length, b.Length);
        for (int k = 0; k < a.Length; k++)
        {
            Assert.True(a[k].TrainedValue.SequenceEqual(b[k].TrainedValue), $"parameter {a[k].Name}");
        }
    }
}
