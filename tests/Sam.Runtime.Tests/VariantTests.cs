using System;
using System.Linq;
using Xunit;

namespace Sam.Runtime.Tests;

public class VariantTests
{
    public static TheoryData<SamVariant, int> VariantsAndSeeds()
    {
        var data = new TheoryData<SamVariant, int>();
        foreach (SamVariant v in Enum.GetValues<SamVariant>())
        {
            for (int seed = 1; seed <= 4; seed++)
            {
                data.Add(v, seed);
            }
        }

        return data;
    }

    public static TheoryData<SamVariant> Variants()
    {
        var data = new TheoryData<SamVariant>();
        foreach (SamVariant v in Enum.GetValues<SamVariant>())
        {
            data.Add(v);
        }

        return data;
    }

    /// <summary>A random configuration of the variant: base optimizer, normalization, weight decay, clipping.</summary>
    internal static (VariantConfig Config, IReferenceBase Base) RandomConfig(SamVariant variant, Random r)
    {
        IReferenceBase b = r.Next(2) == 0
            ? new ReferenceSgd(new ReferenceConfig(0, true, 0.05, Momentum: r.Next(2) == 0 ? 0 : 0.9, WeightDecay: r.Next(2) == 0 ? 0 : 5e-3, Decoupled: r.Next(2) == 0))
            : new ReferenceAdamW(0.01, 0.9, 0.999, 1e-8, r.Next(2) == 0 ? 0 : 0.01, amsgrad: r.Next(2) == 0);
        var c = new VariantConfig(
            variant,
            Rho: variant == SamVariant.Asam ? 0.5 : 0.05,
            Normalize: r.Next(4) != 0,
            Theta: 0.3,
            Lambda: 0.9,
            Sigma: 0.8,
            Alpha: 0.5,
            MaxNorm: r.Next(3) == 0 ? 1.5 : 0,
            PerturbWeightDecay: r.Next(2) == 0,
            AsamScaleBiases: variant == SamVariant.Asam && r.Next(2) == 0,
            Interval: variant == SamVariant.LookSam ? 3 : 1, // LookSAM's reuse steps between SAM steps
            Beta: 0.6,
            Seed: r.Next());
        return (c, b);
    }

    [Theory]
    [MemberData(nameof(VariantsAndSeeds))]
    public void Each_variant_matches_the_scalar_reference_on_random_shapes(SamVariant variant, int seed)
    {
        var r = new Random(seed * 31 + (int)variant);
        var model = new VariantModel(seed * 7 + (int)variant);
        (VariantConfig config, IReferenceBase b) = RandomConfig(variant, r);

        // A normalized perturbation spreads ρ over every element: scale it with √n so each weight moves by about
        // ρ₀/2 and a wrong direction shows in the trajectory well above the tolerance.
        if (config.Normalize)
        {
            config = config with { Rho = config.Rho * Math.Sqrt(model.Lengths.Where((_, k) => model.Perturbed[k]).Sum()) };
        }

        // Schedules half of the time, the reference evaluating their closed forms.
        Schedule? rhoSchedule = null, lrSchedule = null;
        if (r.Next(2) == 0)
        {
            double rho0 = config.Rho;
            rhoSchedule = Schedule.Polynomial(0.5, warmupSteps: 2);
            config = config with { RhoAt = t => rho0 / Math.Sqrt(1 + t) * (t < 2 ? (t + 1) / 2.0 : 1) };
        }

        if (r.Next(2) == 0)
        {
            double lr0 = b.LearningRate;
            lrSchedule = Schedule.StepDecay(3, 0.5);
            config = config with { LearningRateAt = t => lr0 * Math.Pow(0.5, Math.Floor(t / 3.0)) };
        }

        Parameter[] ps = model.CreateParameters();
        var reference = new ReferenceVariants(RandomModels.Copy(ps), model.Perturbed, model.Rows, config, b);
        SamOptimizer sam = model.CreateOptimizer(ps, config.Settings(rhoSchedule, lrSchedule), b.Create());

        for (int step = 0; step < 8; step++)
        {
            sam.SharpnessAwareStep(ps, model.Loss.Accumulate);
            reference.Step(model.Loss.Gradients);
            Assert.Equal(reference.LastClipScale, sam.LastStep.GradientScale, 6);
        }

        double diff = RandomModels.MaxRelativeDifference(ps, reference.Weights);
        Assert.True(diff <= 1e-6, $"{variant}: max relative difference {diff}; config {config}, base {b.GetType().Name}, shapes {string.Join(" ", model.Shapes.Select(s => "[" + string.Join("x", s) + "]"))}");
    }

    [Theory]
    [InlineData(SamVariant.Sam, false)]
    [InlineData(SamVariant.Sam, true)]
    [InlineData(SamVariant.Asam, false)]
    [InlineData(SamVariant.Asam, true)]
    [InlineData(SamVariant.Vasso, false)]
    [InlineData(SamVariant.Vasso, true)]
    [InlineData(SamVariant.FriendlySam, false)]
    [InlineData(SamVariant.FriendlySam, true)]
    [InlineData(SamVariant.Gsam, false)]
    [InlineData(SamVariant.Gsam, true)]
    [InlineData(SamVariant.Gcsam, false)]
    [InlineData(SamVariant.Gcsam, true)]
    [InlineData(SamVariant.LookSam, false)]
    [InlineData(SamVariant.Esam, true)]
    public void Rho_zero_reduces_every_variant_to_the_base_optimizer_bit_for_bit(SamVariant variant, bool adamW)
    {
        var model = new VariantModel(40 + (int)variant, tensors: 4);
        Parameter[] samParams = model.CreateParameters(), baseParams = model.CreateParameters();
        Func<BaseOptimizer> create = adamW
            ? () => new AdamW(0.01, weightDecay: 0.01, amsgrad: true)
            : () => new Sgd(0.05, momentum: 0.9, weightDecay: 5e-4, nesterov: true);
        var settings = new SamSettings { Variant = variant, Rho = 0, PerturbWeightDecay = true, MaxGradientNorm = 2 };
        SamOptimizer sam = model.CreateOptimizer(samParams, settings, create());
        var baseline = new SamOptimizer(baseParams, new SamSettings { MaxGradientNorm = 2 }, create());
        for (int step = 0; step < 12; step++)
        {
            sam.SharpnessAwareStep(samParams, model.Loss.Accumulate);
            Assert.True(sam.LastStep.IsSamStep);
            baseline.ZeroGradients();
            model.Loss.Accumulate(baseParams);
            baseline.BaseStep();
        }

        for (int k = 0; k < samParams.Length; k++)
        {
            Assert.True(samParams[k].TrainedValue.SequenceEqual(baseParams[k].TrainedValue), $"{variant} tensor {k}");
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void A_non_finite_gradient_leaves_every_variant_unperturbed_and_unchanged(SamVariant variant)
    {
        var model = new VariantModel(70 + (int)variant, tensors: 3);
        Parameter[] ps = model.CreateParameters();
        var sam = new SamOptimizer(ps, new SamSettings { Variant = variant }, new AdamW(0.01));
        sam.SharpnessAwareStep(ps, model.Loss.Accumulate);
        float[][] before = RandomModels.Copy(ps);

        sam.ZeroGradients();
        model.Loss.Accumulate(ps);
        ps[^1].Gradient[0] = float.NaN;
        var e = Assert.Throws<NonFiniteGradientException>(sam.Perturb);
        Assert.Equal(ps[^1].Name, e.ParameterName);
        Assert.Contains("perturbation", e.Message);
        Assert.False(sam.IsPerturbed || ps.Any(p => p.IsPerturbed));
        Assert.Equal(0, RandomModels.MaxRelativeDifference(ps, before));

        // At the perturbed point: the weights are restored and not stepped.
        sam.ZeroGradients();
        model.Loss.Accumulate(ps);
        sam.Perturb();
        sam.ZeroGradients();
        model.Loss.Accumulate(ps);
        ps[0].Gradient[^1] = float.PositiveInfinity;
        Assert.Throws<NonFiniteGradientException>(sam.RestoreAndStep);
        Assert.False(sam.IsPerturbed || ps.Any(p => p.IsPerturbed));
        Assert.Equal(0, RandomModels.MaxRelativeDifference(ps, before));
        Assert.Equal(1, sam.StepCount);
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(1, 4)]
    [InlineData(2, 3)]
    public void Periodic_sam_and_switching_take_base_steps_in_between(int interval, long baseSteps)
    {
        var model = new VariantModel(90, tensors: 3);
        Parameter[] ps = model.CreateParameters();
        var config = new VariantConfig(SamVariant.Sam, Interval: interval, BaseSteps: baseSteps);
        var b = new ReferenceSgd(new ReferenceConfig(0, true, 0.05, Momentum: 0.9));
        var reference = new ReferenceVariants(RandomModels.Copy(ps), model.Perturbed, model.Rows, config, b);
        SamOptimizer sam = model.CreateOptimizer(ps, config.Settings(), b.Create());
        int calls = 0;
        for (int step = 0; step < 12; step++)
        {
            bool due = sam.SamStepDue;
            Assert.Equal(step >= baseSteps && (step - baseSteps) % interval == 0, due);
            int before = calls;
            sam.SharpnessAwareStep(ps, p => { calls++; return model.Loss.Accumulate(p); });
            Assert.Equal(due ? 2 : 1, calls - before);
            Assert.Equal(due, sam.LastStep.IsSamStep);
            Assert.Equal(due, double.IsFinite(sam.LastStep.Sharpness));
            reference.Step(model.Loss.Gradients);
        }

        Assert.True(RandomModels.MaxRelativeDifference(ps, reference.Weights) <= 1e-6);
    }

    [Fact]
    public void Switching_by_fraction_needs_total_steps_and_rounds_up()
    {
        Assert.Equal("BaseOptimizerFraction", Assert.Throws<ArgumentOutOfRangeException>(() => new SamOptimizer(Array.Empty<Parameter>(), new SamSettings { BaseOptimizerFraction = 0.1 }, new Sgd(0.1))).ParamName);
        Parameter p = Parameter.Full("w", 1f, 3);
        var engine = new SamOptimizer(Array.Empty<Parameter>(), new SamSettings { BaseOptimizerFraction = 0.1, TotalSteps = 25 }, new Sgd(0.1));
        var sam = new SamOptimizer([p], new SamSettings { BaseOptimizerFraction = 0.1, TotalSteps = 25 }, new Sgd(0.1));
        Assert.False(engine.SamStepDue);
        for (int i = 0; i < 3; i++)
        {
            Assert.False(sam.SamStepDue);
            sam.SharpnessAwareStep(() => { p.Gradient.Fill(1); return 0f; });
        }

        Assert.True(sam.SamStepDue); // ⌈0.1 · 25⌉ = 3 base steps
    }

    [Theory]
    [InlineData(SamVariant.Sam, 1)]
    [InlineData(SamVariant.Sam, 4)]
    [InlineData(SamVariant.Asam, 3)]
    [InlineData(SamVariant.Vasso, 2)]
    [InlineData(SamVariant.Gcsam, 3)]
    public void M_sharpness_averages_one_perturbation_per_part(SamVariant variant, int parts)
    {
        var model = new VariantModel(120 + parts, tensors: 3);
        TestLoss[] losses = Enumerable.Range(0, parts).Select(j => new TestLoss(model.Lengths, 500 + j)).ToArray();
        Parameter[] ps = model.CreateParameters();
        var config = new VariantConfig(variant, Rho: 0.1, Interval: 2);
        var b = new ReferenceSgd(new ReferenceConfig(0, true, 0.05, Momentum: 0.9));
        var reference = new ReferenceVariants(RandomModels.Copy(ps), model.Perturbed, model.Rows, config, b);
        SamOptimizer helper = model.CreateOptimizer(ps, config.Settings(), b.Create());
        int helperParts = parts;
        for (int step = 0; step < 6; step++)
        {
            helper.MSharpnessStep(helperParts, ps, (p, j) => losses[j].Accumulate(p));
            reference.MSharpnessStep(parts, (w, j) => losses[j].Gradients(w));
        }

        Assert.True(RandomModels.MaxRelativeDifference(ps, reference.Weights) <= 1e-6);
    }

    [Fact]
    public void M_sharpness_with_one_part_is_sam_exactly()
    {
        var model = new VariantModel(130, tensors: 3);
        Parameter[] a = model.CreateParameters(), b = model.CreateParameters();
        SamOptimizer helper = model.CreateOptimizer(a, new SamSettings(), new Sgd(0.05, 0.9));
        int helperParts = 1;
        SamOptimizer sam = model.CreateOptimizer(b, new SamSettings(), new Sgd(0.05, 0.9));
        for (int step = 0; step < 5; step++)
        {
            helper.MSharpnessStep(helperParts, a, (p, _) => model.Loss.Accumulate(p));
            sam.SharpnessAwareStep(b, model.Loss.Accumulate);
        }

        Assert.Equal(0, RandomModels.MaxRelativeDifference(a, RandomModels.Copy(b)));
        Assert.Equal("parts", Assert.Throws<ArgumentOutOfRangeException>(() => sam.MSharpnessStep(0, b, (p, _) => 0f)).ParamName);
    }

    [Fact]
    public void Gsam_descends_along_the_perturbed_gradient_minus_alpha_times_the_orthogonal_part()
    {
        // One step by hand: w = (1, 0), L = ½‖w − t‖² + 0.3cos w (TestLoss), SGD without momentum.
        var model = new VariantModel(150, tensors: 1);
        Parameter[] ps = model.CreateParameters();
        float[][] w0 = RandomModels.Copy(ps);
        var sam = new SamOptimizer(ps, new SamSettings { Variant = SamVariant.Gsam, Rho = 0.2, GsamAlpha = 0.7 }, new Sgd(0.1));
        sam.SharpnessAwareStep(ps, model.Loss.Accumulate);
        float[] g = model.Loss.Gradients(w0)[0];
        double norm = Math.Sqrt(g.Sum(v => (double)v * v));
        float[] wp = w0[0].Select((v, i) => v + ((float)(0.2 / norm) * g[i])).ToArray();
        float[] gp = model.Loss.Gradients([wp])[0];
        double c = g.Zip(gp, (x, y) => (double)x * y).Sum() / gp.Sum(v => (double)v * v);
        double[] orthogonal = g.Select((v, i) => v - (c * gp[i])).ToArray();
        Assert.True(Math.Abs(orthogonal.Zip(gp, (x, y) => x * y).Sum()) < 1e-6 * (1 + norm * norm));
        for (int i = 0; i < g.Length; i++)
        {
            double expected = w0[0][i] - (0.1 * (gp[i] - (0.7 * orthogonal[i])));
            Assert.Equal(expected, ps[0].TrainedValue[i], 5);
        }
    }

    [Fact]
    public void Invalid_variant_settings_throw_naming_the_property()
    {
        Assert.Equal("AsamEta", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { AsamEta = 0 }).ParamName);
        Assert.Equal("VassoTheta", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { VassoTheta = 1.5 }).ParamName);
        Assert.Equal("FriendlyLambda", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { FriendlyLambda = 1 }).ParamName);
        Assert.Equal("FriendlySigma", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { FriendlySigma = -1 }).ParamName);
        Assert.Equal("GsamAlpha", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { GsamAlpha = double.NaN }).ParamName);
        Assert.Equal("Interval", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { Interval = 0 }).ParamName);
        Assert.Equal("BaseOptimizerSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { BaseOptimizerSteps = -1 }).ParamName);
        Assert.Equal("BaseOptimizerFraction", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { BaseOptimizerFraction = 1 }).ParamName);
        Assert.Equal("TotalSteps", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { TotalSteps = -1 }).ParamName);
        Assert.Equal("MaxGradientNorm", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { MaxGradientNorm = -1 }).ParamName);
        Assert.Equal("Variant", Assert.Throws<ArgumentOutOfRangeException>(() => new SamSettings { Variant = (SamVariant)42 }).ParamName);
    }

    [Fact]
    public void Perturbing_only_some_members_steps_all_of_them()
    {
        Parameter norm = Parameter.Full("norm", 1f, 4), dense = Parameter.Full("dense", 1f, 4);
        var sam = SamOptimizer.PerturbingOnly([dense, norm], [norm], new SamSettings { Rho = 0.5 }, new Sgd(0.1));
        norm.Gradient.Fill(1);
        dense.Gradient.Fill(1);
        sam.Perturb();
        Assert.True(norm.IsPerturbed);
        Assert.False(dense.IsPerturbed);
        Assert.Equal(1f + (0.5f / 2f), norm.Value[0]); // ρ·g/‖g‖ over the perturbed member only: ‖g‖ = 2
        sam.RestoreAndStep();
        Assert.Equal(0.9f, dense.Value[0]);
        Assert.Equal(0.9f, norm.Value[0]);
        Assert.Equal("perturbed", Assert.Throws<ArgumentException>(() => SamOptimizer.PerturbingOnly([dense], [norm], new SamSettings(), new Sgd(0.1))).ParamName);
    }
}
