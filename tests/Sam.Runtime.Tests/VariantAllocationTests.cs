using System;
using Xunit;

namespace Sam.Runtime.Tests;

public class VariantAllocationTests
{
    public static TheoryData<SamVariant, bool> Cases()
    {
        var data = new TheoryData<SamVariant, bool>();
        foreach (SamVariant v in Enum.GetValues<SamVariant>())
        {
            data.Add(v, false);
            data.Add(v, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_variant_allocates_nothing_per_step_with_schedules_clipping_and_intervals(SamVariant variant, bool adamW)
    {
        var model = new VariantModel(300 + (int)variant, tensors: 4);
        Parameter[] ps = model.CreateParameters();
        var settings = new SamSettings
        {
            Variant = variant,
            Interval = 2,
            MaxGradientNorm = 0.5,
            PerturbWeightDecay = true,
            RhoSchedule = Schedule.Polynomial(0.5, warmupSteps: 5),
            LearningRateSchedule = Schedule.Cosine(1000, floor: 1e-4, warmupSteps: 10),
        };
        BaseOptimizer optimizer = adamW ? new AdamW(1e-3, amsgrad: true) : new Sgd(0.01, 0.9, weightDecay: 1e-4);
        SamOptimizer sam = model.CreateOptimizer(ps, settings, optimizer);
        Func<Parameter[], float> callback = model.Loss.Accumulate;
        SamOptimizer helper = sam;
        int helperParts = 2;
        Func<Parameter[], int, float> partCallback = static (p, _) => 0f;

        Assert.Equal(0, AllocationMeter.BytesOverSteps(() =>
        {
            sam.SharpnessAwareStep(ps, callback);
            sam.ZeroGradients();
            callback(ps);
            sam.Perturb();
            sam.Restore();
            sam.BaseStep();
            helper.MSharpnessStep(helperParts, ps, partCallback);
            _ = sam.LastStep.Sharpness;
        }));
    }
}
