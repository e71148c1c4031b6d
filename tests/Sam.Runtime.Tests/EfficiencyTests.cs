using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// The efficient variants and step policies (LookSAM, ESAM, AE-SAM, randomized switching): each against the scalar
/// reference written from its paper, their telemetry, checkpoints and failed steps.
/// </summary>
public class EfficiencyTests
{
    public static TheoryData<SamVariant, SamStepPolicy, int> PolicyCases()
    {
        var data = new TheoryData<SamVariant, SamStepPolicy, int>();
        foreach (SamVariant v in new[] { SamVariant.Sam, SamVariant.LookSam, SamVariant.Esam })
        {
            foreach (SamStepPolicy p in Enum.GetValues<SamStepPolicy>())
            {
                data.Add(v, p, 1);
                data.Add(v, p, 2);
            }
        }

        return data;
    }

    private static VariantConfig Config(SamVariant variant, SamStepPolicy policy, int seed) => new(
        variant,
        Rho: 0.5,
        Alpha: 0.7,
        Beta: 0.5,
        Seed: seed * 977,
        Interval: variant == SamVariant.LookSam && policy == SamStepPolicy.Periodic ? 3 : 1,
        Policy: policy,
        Lambda1: -0.5,
        Lambda2: 1,
        TotalSteps: 30,
        Probability: 0.4);

    [Theory]
    [MemberData(nameof(PolicyCases))]
    public void Efficient_variants_and_policies_match_the_scalar_reference(SamVariant variant, SamStepPolicy policy, int seed)
    {
        var model = new VariantModel(500 + seed, tensors: 5);
        Parameter[] ps = model.CreateParameters();
        VariantConfig config = Config(variant, policy, seed);
        var b = new ReferenceSgd(new ReferenceConfig(0, true, 0.05, Momentum: 0.9));
        var reference = new ReferenceVariants(RandomModels.Copy(ps), model.Perturbed, model.Rows, config, b);
        SamOptimizer sam = model.CreateOptimizer(ps, config.Settings(), b.Create());
        int sams = 0, bases = 0;
        for (int step = 0; step < 30; step++)
        {
            sam.SharpnessAwareStep(ps, model.Loss.Accumulate);
            reference.Step(model.Loss.Gradients);
            Assert.Equal(reference.LastWasSam, sam.LastStep.IsSamStep);
            Assert.Equal(reference.SamSteps, sam.LastStep.SamSteps);
            _ = reference.LastWasSam ? sams++ : bases++;
        }

        Assert.Equal(reference.SamSteps, sam.SamStepCount);
        double diff = RandomModels.MaxRelativeDifference(ps, reference.Weights);
        Assert.True(diff <= 1e-5, $"{variant}/{policy}: max relative difference {diff}");
        if (policy != SamStepPolicy.Periodic || variant == SamVariant.LookSam)
        {
            Assert.True(sams > 0 && bases > 0, $"{variant}/{policy}: {sams} SAM and {bases} base steps; the test must see both");
        }
    }

    [Fact]
    public void Looksam_between_sam_steps_adds_the_stored_orthogonal_component_scaled_by_alpha_and_the_norm_ratio()
    {
        // Two parameters of one element each, so g_v and the reuse can be written down by hand.
        var w = new Parameter[] { new("a", [1f]), new("b", [2f]) };
        var sam = new SamOptimizer(w, new SamSettings { Variant = SamVariant.LookSam, Interval = 2, LookSamAlpha = 0.5, Rho = 0.1 }, new Sgd(1.0));
        float[][] grads = [[3f, 4f], [1f, -2f], [6f, 8f]]; // g at w; g_s; the next step's g
        int call = 0;
        float Callback()
        {
            float[] g = grads[call++];
            w[0].Gradient[0] = g[0];
            w[1].Gradient[0] = g[1];
            return 0;
        }

        sam.SharpnessAwareStep(Callback); // SAM: c = g·g_s/‖g‖² = (3 − 8)/25 = −0.2, g_v = g_s + 0.2·g = (1.6, −1.2)
        Assert.Equal(1 - 1f, w[0].TrainedValue[0], 5);
        Assert.Equal(2 + 2f, w[1].TrainedValue[0], 5);
        sam.SharpnessAwareStep(Callback); // reuse: a = 0.5·‖(6, 8)‖/‖(1.6, −1.2)‖ = 0.5·10/2 = 2.5, step (6 + 4, 8 − 3)
        Assert.Equal(0 - 10f, w[0].TrainedValue[0], 4);
        Assert.Equal(4 - 5f, w[1].TrainedValue[0], 4);
        Assert.Equal(1, sam.SamStepCount);
        Assert.Equal(3, call);
    }

    [Fact]
    public void Esam_perturbs_about_a_beta_fraction_of_tensors_by_rho_over_beta()
    {
        var ps = Enumerable.Range(0, 400).Select(i => new Parameter("p" + i, [0f])).ToArray();
        var sam = new SamOptimizer(ps, new SamSettings { Variant = SamVariant.Esam, EsamBeta = 0.25, Rho = 1, Seed = 5 }, new Sgd(0.1));
        foreach (Parameter p in ps)
        {
            p.Gradient[0] = 1;
        }

        sam.Perturb();
        int moved = ps.Count(p => p.Value[0] != 0);
        Assert.InRange(moved, 70, 130);
        double norm = Math.Sqrt(ps.Sum(p => (double)p.Value[0] * p.Value[0]));
        Assert.Equal(1 / 0.25, norm, 4); // ‖e‖ = ρ/β: the code's scale ρ/‖g_S‖/β
        sam.Restore();
    }

    [Fact]
    public void Adaptive_policy_needs_total_steps_and_declines_without_touching_the_weights()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SamOptimizer([new Parameter("p", [1f])], new SamSettings { StepPolicy = SamStepPolicy.Adaptive }, new Sgd(0.1)));
        Assert.Equal("TotalSteps", ex.ParamName);

        var p = new Parameter("p", [1f, 1f], 2);
        var sam = new SamOptimizer([p], new SamSettings { StepPolicy = SamStepPolicy.Adaptive, TotalSteps = 10, AdaptiveThresholdStart = 5, AdaptiveThresholdEnd = 5 }, new Sgd(0.1));
        p.Gradient[0] = 1;
        sam.Perturb(); // first decision: μ = 0.1, σ = 0.3 → 1 ≥ 0.1 + 5·0.3 is false
        Assert.False(sam.IsPerturbed);
        Assert.Equal(0, sam.AdaptiveMean); // pending until the step completes
        sam.RestoreAndStep();
        Assert.Equal(0.1, sam.AdaptiveMean, 12);
        Assert.Equal(0.1 * 0.9 * 0.9, sam.AdaptiveVariance, 12);
        Assert.False(sam.LastStep.IsSamStep);
        Assert.Equal(0, sam.SamStepCount);
    }

    [Fact]
    public void A_failed_step_leaves_the_adaptive_averages_lookSam_state_and_sam_count_as_they_were()
    {
        var model = new VariantModel(640, tensors: 3);
        Parameter[] ps = model.CreateParameters();
        var settings = new SamSettings { Variant = SamVariant.LookSam, Interval = 2, StepPolicy = SamStepPolicy.Adaptive, TotalSteps = 100, AdaptiveThresholdStart = -3, AdaptiveThresholdEnd = -3 };
        SamOptimizer sam = model.CreateOptimizer(ps, settings, new Sgd(0.01, 0.9));
        for (int i = 0; i < 6; i++)
        {
            sam.SharpnessAwareStep(ps, model.Loss.Accumulate);
        }

        Assert.True(sam.SamStepDue);
        byte[] before = Save(sam);
        float[][] weights = RandomModels.Copy(ps);
        int calls = 0;
        Assert.Throws<InvalidOperationException>(() => sam.SharpnessAwareStep(ps, p =>
        {
            model.Loss.Accumulate(p);
            if (++calls == 2)
            {
                throw new InvalidOperationException("second pass fails");
            }

            return 0;
        }));
        Assert.Equal(2, calls); // it was a SAM step
        Assert.Equal(before, Save(sam));
        Assert.Equal(0, RandomModels.MaxRelativeDifference(ps, weights));
    }

    [Fact]
    public void Checkpoint_resumes_lookSam_adaptive_and_random_runs_bit_identically()
    {
        foreach ((SamVariant v, SamStepPolicy policy) in new[] { (SamVariant.LookSam, SamStepPolicy.Adaptive), (SamVariant.Esam, SamStepPolicy.Random) })
        {
            var model = new VariantModel(700, tensors: 4);
            var settings = new SamSettings { Variant = v, Interval = v == SamVariant.LookSam ? 2 : 1, StepPolicy = policy, TotalSteps = 40, Seed = 11 };
            Parameter[] a = model.CreateParameters(), b = model.CreateParameters();
            SamOptimizer first = model.CreateOptimizer(a, settings, new AdamW(1e-2));
            for (int i = 0; i < 7; i++)
            {
                first.SharpnessAwareStep(a, model.Loss.Accumulate);
            }

            byte[] state = Save(first);
            for (int k = 0; k < a.Length; k++)
            {
                a[k].TrainedValue.CopyTo(b[k].Value);
            }

            SamOptimizer second = model.CreateOptimizer(b, settings, new AdamW(1e-2));
            second.LoadState(new MemoryStream(state));
            Assert.Equal(first.SamStepCount, second.SamStepCount);
            Assert.Equal(first.AdaptiveMean, second.AdaptiveMean);
            for (int i = 0; i < 9; i++)
            {
                first.SharpnessAwareStep(a, model.Loss.Accumulate);
                second.SharpnessAwareStep(b, model.Loss.Accumulate);
                Assert.Equal(first.LastStep.IsSamStep, second.LastStep.IsSamStep);
            }

            Assert.Equal(0, RandomModels.MaxRelativeDifference(a, b.Select(p => p.TrainedValue.ToArray()).ToArray()));
            Assert.Equal(first.SamStepCount, second.SamStepCount);
        }
    }

    [Theory]
    [InlineData(SamStepPolicy.Adaptive)]
    [InlineData(SamStepPolicy.Random)]
    public void Step_policies_allocate_nothing_per_step(SamStepPolicy policy)
    {
        var model = new VariantModel(800, tensors: 4);
        Parameter[] ps = model.CreateParameters();
        SamOptimizer sam = model.CreateOptimizer(ps, new SamSettings { Variant = SamVariant.LookSam, Interval = 2, StepPolicy = policy, TotalSteps = 1000, SamProbabilitySchedule = Schedule.Cosine(1000) }, new Sgd(0.01, 0.9));
        Func<Parameter[], float> callback = model.Loss.Accumulate;
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() => sam.SharpnessAwareStep(ps, callback)));
    }

    [Fact]
    public void Invalid_efficiency_settings_throw_naming_the_property()
    {
        var s = new SamSettings();
        Assert.Equal("LookSamAlpha", Assert.Throws<ArgumentOutOfRangeException>(() => s.LookSamAlpha = -1).ParamName);
        Assert.Equal("EsamBeta", Assert.Throws<ArgumentOutOfRangeException>(() => s.EsamBeta = 0).ParamName);
        Assert.Equal("AdaptiveDecay", Assert.Throws<ArgumentOutOfRangeException>(() => s.AdaptiveDecay = 1).ParamName);
        Assert.Equal("AdaptiveThresholdStart", Assert.Throws<ArgumentOutOfRangeException>(() => s.AdaptiveThresholdStart = double.NaN).ParamName);
        Assert.Equal("SamProbability", Assert.Throws<ArgumentOutOfRangeException>(() => s.SamProbability = 1.5).ParamName);
        Assert.Equal("StepPolicy", Assert.Throws<ArgumentOutOfRangeException>(() => s.StepPolicy = (SamStepPolicy)9).ParamName);
    }

    private static byte[] Save(SamOptimizer sam)
    {
        var stream = new MemoryStream();
        sam.SaveState(stream);
        return stream.ToArray();
    }
}
