using System.Threading.Tasks;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>Usage errors and warnings, each at the precise argument, attribute or member that causes it.</summary>
public class UsageDiagnosticTests
{
    // Momentum keeps the theory analyzer's SAM0107 information out of these tests.
    private const string Sgd = "[Sgd(Momentum = 0.9)]";

    [Fact]
    public Task Class_not_partial_is_reported_on_its_identifier() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware]\n" + Sgd, "public class {|SAM0001:M|}"));

    [Fact]
    public Task Containing_type_not_partial_is_reported_on_the_container() =>
        AnalyzerRunner.VerifyAsync("""
            using Sam;
            public class {|SAM0001:Outer|}
            {
                [SharpnessAware, Sgd(Momentum = 0.9)]
                public partial class M { public Parameter W { get; } = Parameter.Zeros("w", 1); }
            }
            """);

    [Fact]
    public Task No_parameters_and_unsupported_member_types() =>
        AnalyzerRunner.VerifyAsync("""
            using System.Collections.Generic;
            using Sam;
            [SharpnessAware, Sgd(Momentum = 0.9)]
            public partial class {|SAM0002:M|}
            {
                public Dictionary<string, Parameter> {|SAM0003:Map|} { get; } = new();
            }
            """);

    [Theory]
    [InlineData("Rho = {|SAM0004:-0.1|}")]
    [InlineData("Rho = {|SAM0004:double.NaN|}")]
    [InlineData("Rho = {|SAM0004:double.PositiveInfinity|}")]
    [InlineData("AsamEta = {|SAM0004:0|}, Variant = SamVariant.Asam")]
    [InlineData("VassoTheta = {|SAM0004:1.5|}, Variant = SamVariant.Vasso")]
    [InlineData("FriendlyLambda = {|SAM0004:1|}, Variant = SamVariant.FriendlySam")]
    [InlineData("FriendlySigma = {|SAM0004:-1|}, Variant = SamVariant.FriendlySam")]
    [InlineData("GsamAlpha = {|SAM0004:double.NegativeInfinity|}, Variant = SamVariant.Gsam")]
    [InlineData("Interval = {|SAM0004:0|}")]
    [InlineData("BaseOptimizerSteps = {|SAM0004:-5|}")]
    [InlineData("BaseOptimizerFraction = {|SAM0004:1.0|}, TotalSteps = 100")]
    [InlineData("BaseOptimizerFraction = {|SAM0004:-0.1|}, TotalSteps = 100")]
    [InlineData("TotalSteps = {|SAM0004:-1|}")]
    [InlineData("MaxGradientNorm = {|SAM0004:-1|}")]
    [InlineData("Smoothness = {|SAM0004:double.NaN|}")]
    [InlineData("Variant = {|SAM0004:(SamVariant)42|}")]
    [InlineData("Noise = {|SAM0004:(GradientNoise)7|}")]
    [InlineData("Landscape = {|SAM0004:(LossLandscape)(-1)|}")]
    [InlineData("Expect = {|SAM0004:(ExpectedGuarantee)9|}")]
    public Task Invalid_SharpnessAware_values_are_reported_on_the_argument(string arguments) =>
        AnalyzerRunner.VerifyAsync(Models.With($"[SharpnessAware({arguments})]\n" + Sgd));

    [Theory]
    [InlineData("[Sgd(LearningRate = {|SAM0004:0|}, Momentum = 0.9)]")]
    [InlineData("[Sgd(LearningRate = {|SAM0004:double.NaN|}, Momentum = 0.9)]")]
    [InlineData("[Sgd(Momentum = {|SAM0004:1|})]")]
    [InlineData("[Sgd(Momentum = 0.9, Dampening = {|SAM0004:2|})]")]
    [InlineData("[Sgd(Momentum = 0.9, WeightDecay = {|SAM0004:-1e-4|})]")]
    [InlineData("[AdamW(LearningRate = {|SAM0004:-1|})]")]
    [InlineData("[AdamW(Beta1 = {|SAM0004:1|})]")]
    [InlineData("[AdamW(Beta2 = {|SAM0004:-0.5|})]")]
    [InlineData("[AdamW(Epsilon = {|SAM0004:0|})]")]
    [InlineData("[AdamW(WeightDecay = {|SAM0004:double.PositiveInfinity|})]")]
    [InlineData("[Sgd(Momentum = 0.9)][RhoSchedule(ScheduleKind.Polynomial, Exponent = {|SAM0004:-1|})]")]
    [InlineData("[Sgd(Momentum = 0.9)][RhoSchedule(ScheduleKind.Cosine, TotalSteps = 10, Floor = {|SAM0004:-0.01|})]")]
    [InlineData("[Sgd(Momentum = 0.9)][LearningRateSchedule(ScheduleKind.Cosine, TotalSteps = {|SAM0004:-10|})]")]
    [InlineData("[Sgd(Momentum = 0.9)][LearningRateSchedule(ScheduleKind.Step, StepSize = {|SAM0004:-10|})]")]
    [InlineData("[Sgd(Momentum = 0.9)][LearningRateSchedule(ScheduleKind.Step, StepSize = 10, Gamma = {|SAM0004:0|})]")]
    [InlineData("[Sgd(Momentum = 0.9)][LearningRateSchedule(ScheduleKind.Constant, WarmupSteps = {|SAM0004:-1|})]")]
    [InlineData("[Sgd(Momentum = 0.9)][{|SAM0004:RhoSchedule((ScheduleKind)8)|}]")]
    public Task Invalid_optimizer_and_schedule_values_are_reported_on_the_argument(string attributes) =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware]\n" + attributes));

    [Fact]
    public Task Conflicting_optimizers() =>
        AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware]
            [Sgd(Momentum = 0.9)]
            [{|SAM0008:AdamW|}]
            """));

    [Fact]
    public Task Warm_up_steps_and_fraction_together_are_legal() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(BaseOptimizerSteps = 10, BaseOptimizerFraction = 0.1, TotalSteps = {|SAM0113:1000|})]\n" + Sgd));

    [Fact]
    public Task Nesterov_without_momentum_conflicts() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware]\n[Sgd(Momentum = 0, Nesterov = {|SAM0008:true|})]"));

    [Fact]
    public Task Incomplete_schedules() =>
        AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware]
            [Sgd(Momentum = 0.9)]
            [{|SAM0010:RhoSchedule(ScheduleKind.Cosine)|}]
            [{|SAM0011:LearningRateSchedule(ScheduleKind.Step)|}]
            """));

    [Fact]
    public Task Cosine_takes_its_horizon_from_SharpnessAware_TotalSteps() =>
        AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware(TotalSteps = {|SAM0113:1000|})]
            [Sgd(Momentum = 0.9)]
            [{|SAM0105:RhoSchedule(ScheduleKind.Cosine)|}]
            """));

    [Fact]
    public Task Fraction_without_total_steps() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(BaseOptimizerFraction = {|SAM0012:0.1|})]\n" + Sgd));

    [Fact]
    public Task Variant_options_for_another_variant_are_ignored() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(AsamEta = {|SAM0013:0.1|}, GsamAlpha = {|SAM0013:0.2|}, Variant = SamVariant.Vasso, VassoTheta = 0.5)]\n" + Sgd));

    [Fact]
    public Task The_bias_option_of_ASAM_under_another_variant_is_reported() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(AsamScaleBiases = {|SAM0013:true|}, Variant = SamVariant.Gsam)]\n" + Sgd));

    [Fact]
    public Task Warm_up_as_long_as_training_means_SAM_never_runs() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(BaseOptimizerSteps = {|SAM0014:500|}, TotalSteps = 500)]\n" + Sgd));

    [Fact]
    public Task Parameter_member_hiding_an_inherited_one() =>
        AnalyzerRunner.VerifyAsync("""
            using Sam;
            public class Base { public Parameter W { get; } = Parameter.Zeros("w", 1); }
            [SharpnessAware, Sgd(Momentum = 0.9)]
            public partial class M : Base
            {
                public new Parameter {|SAM0015:W|} { get; } = Parameter.Zeros("w2", 1);
            }
            """);

    [Fact]
    public Task Schedule_arguments_of_another_kind_are_ignored() =>
        AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware]
            [Sgd(Momentum = 0.9)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.5, Gamma = {|SAM0016:0.5|}, StepSize = {|SAM0016:10|})]
            """));
}
