using System.Threading.Tasks;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>
/// Usage errors and warnings (SAM0001–SAM0016), each at the precise argument, attribute or member that causes it,
/// through Roslyn's analyzer test framework: the markup is the whole expected set, and the input must compile.
/// </summary>
public class UsageDiagnosticTests
{
    // Momentum keeps the theory analyzer's SAM0107 information out of these tests.
    private const string Sgd = "[Sgd(Momentum = 0.9)]";

    [Fact]
    public Task Class_not_partial_is_reported_on_its_identifier() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware]\n" + Sgd, "public class {|SAM0001:M|}"));

    [Fact]
    public Task Containing_type_not_partial_is_reported_on_the_container() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using Sam;
            public class {|SAM0001:Outer|}
            {
                [SharpnessAware, Sgd(Momentum = 0.9)]
                public partial class M { public Parameter W { get; } = Parameter.Zeros("w", 1); }
            }
            """);

    [Fact]
    public Task Only_the_innermost_type_that_is_not_partial_is_reported_once_per_model() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using Sam;
            public class Outer
            {
                public class {|SAM0001:Inner|}
                {
                    [SharpnessAware, Sgd(Momentum = 0.9)]
                    public partial class M { public Parameter W { get; } = Parameter.Zeros("w", 1); }
                }
            }
            public class {|SAM0001:Far|}
            {
                public partial class Middle
                {
                    [SharpnessAware, Sgd(Momentum = 0.9)]
                    public partial class N { public Parameter W { get; } = Parameter.Zeros("w", 1); }
                }
            }
            """);

    [Fact]
    public Task A_model_without_parameters_is_reported_on_its_identifier() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using Sam;
            [SharpnessAware, Sgd(Momentum = 0.9)]
            public partial class {|SAM0002:Empty|}
            {
                public int Count { get; set; }
            }
            """);

    [Fact]
    public Task Dictionaries_and_multidimensional_arrays_of_parameters_are_reported_at_the_member() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using Sam;
            public class Sub
            {
                private Parameter _hidden = Parameter.Zeros("h", 1);
                public Parameter Visible { get; } = Parameter.Zeros("v", 1);
                public Parameter Peek() => _hidden;
            }
            [SharpnessAware, Sgd(Momentum = 0.9)]
            public partial class Model
            {
                public Parameter W { get; } = Parameter.Zeros("w", 1);
                public Dictionary<string, Parameter> {|SAM0003:ByName|} { get; } = new();
                public Parameter[,] {|SAM0003:Grid|} = new Parameter[1, 1];
                public Sub Sub { get; } = new();
            }
            """);

    [Fact]
    public Task A_model_with_only_an_unsupported_member_reports_both() =>
        SamVerifier.VerifyAnalyzerAsync("""
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
        SamVerifier.VerifyAnalyzerAsync(Models.With($"[SharpnessAware({arguments})]\n" + Sgd));

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
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware]\n" + attributes));

    // Each range's edges, on both sides, where docs/attributes.md puts them (SamRanges: [0, 1), (0, 1], [0, 1], ≥ 1).
    [Theory]
    [InlineData("[SharpnessAware(Variant = SamVariant.Vasso, VassoTheta = 1)]\n" + Sgd)]
    [InlineData("[SharpnessAware(Variant = SamVariant.Vasso, VassoTheta = {|SAM0004:0|})]\n" + Sgd)]
    [InlineData("[SharpnessAware(Variant = SamVariant.FriendlySam, FriendlyLambda = 0)]\n" + Sgd)]
    [InlineData("[SharpnessAware(Interval = 1)]\n" + Sgd)]
    [InlineData("[SharpnessAware(BaseOptimizerFraction = 0)]\n" + Sgd)]
    [InlineData("[SharpnessAware]\n[Sgd(Momentum = 0.9, Dampening = 1)]")]
    [InlineData("[SharpnessAware]\n[Sgd(Momentum = 0.9, Dampening = 0)]")]
    [InlineData("[SharpnessAware]\n[Sgd(Momentum = 0.9, Dampening = {|SAM0004:-1e-9|})]")]
    [InlineData("[SharpnessAware]\n[Sgd(Momentum = 0.9)][LearningRateSchedule(ScheduleKind.Step, StepSize = 10, Gamma = 1)]")]
    [InlineData("[SharpnessAware]\n[Sgd(Momentum = 0.9)][LearningRateSchedule(ScheduleKind.Step, StepSize = 10, Gamma = {|SAM0004:1.0000001|})]")]
    [InlineData("[SharpnessAware]\n[AdamW(Beta1 = 0, Beta2 = 0)]")]
    public Task Range_edges_are_accepted_or_reported_as_documented(string attributes) =>
        SamVerifier.VerifyAnalyzerAsync(Models.With(attributes));

    [Theory]
    [InlineData("public void {|SAM0005:BaseStep|}() { }")]
    [InlineData("public void {|SAM0005:VisitParameters|}() { }")]
    [InlineData("public float {|SAM0005:MSharpnessStep|}(int parts) => parts;")]
    public Task A_member_named_like_a_generated_one_is_reported_at_the_member(string member) =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware]\n" + Sgd, "public partial class M\n{\n    " + member + "\n}\npartial class M"));

    [Fact]
    public Task Deriving_from_another_annotated_model_is_reported_on_the_derived_identifier() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using Sam;
            [SharpnessAware, Sgd(Momentum = 0.9)]
            public partial class Base
            {
                public Parameter W { get; } = Parameter.Zeros("w", 1);
            }
            [SharpnessAware, Sgd(Momentum = 0.9)]
            public partial class {|SAM0005:Derived|} : Base
            {
            }
            """);

    [Fact]
    public Task A_static_class_is_reported_on_its_identifier() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using Sam;
            [SharpnessAware, Sgd(Momentum = 0.9)]
            public static partial class {|SAM0009:Model|}
            {
                public static Parameter W { get; } = Parameter.Zeros("w", 1);
            }
            """);

    [Fact]
    public Task A_valid_model_with_sub_modules_in_two_files_reports_nothing() =>
        SamVerifier.VerifyAnalyzerAsync([TestSources.Mlp, TestSources.Dense]);

    [Fact]
    public Task Two_optimizer_attributes_are_reported_on_the_second() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware]
            [Sgd(Momentum = 0.9)]
            [{|SAM0008:AdamW|}]
            """));

    [Fact]
    public Task Warm_up_steps_and_fraction_together_are_legal() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(BaseOptimizerSteps = 10, BaseOptimizerFraction = 0.1, TotalSteps = {|SAM0113:1000|})]\n" + Sgd));

    [Fact]
    public Task Nesterov_without_momentum_is_reported_on_the_Nesterov_argument() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware]\n[Sgd(Momentum = 0, Nesterov = {|SAM0008:true|})]"));

    [Fact]
    public Task Schedules_missing_their_horizon_or_step_size_are_reported_on_the_attribute() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware]
            [Sgd(Momentum = 0.9)]
            [{|SAM0010:RhoSchedule(ScheduleKind.Cosine)|}]
            [{|SAM0011:LearningRateSchedule(ScheduleKind.Step)|}]
            """));

    [Fact]
    public Task Cosine_takes_its_horizon_from_SharpnessAware_TotalSteps() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(TotalSteps = {|SAM0113:1000|})]
            [Sgd(Momentum = 0.9)]
            [{|SAM0105:RhoSchedule(ScheduleKind.Cosine)|}]
            """));

    [Fact]
    public Task A_warm_up_fraction_without_total_steps_is_reported_on_the_fraction() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(BaseOptimizerFraction = {|SAM0012:0.1|})]\n" + Sgd));

    [Fact]
    public Task Options_of_another_variant_are_reported_as_ignored() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(AsamEta = {|SAM0013:0.1|}, GsamAlpha = {|SAM0013:0.2|}, Variant = SamVariant.Vasso, VassoTheta = 0.5)]\n" + Sgd));

    [Fact]
    public Task The_bias_option_of_ASAM_under_another_variant_is_reported() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(AsamScaleBiases = {|SAM0013:true|}, Variant = SamVariant.Gsam)]\n" + Sgd));

    [Fact]
    public Task Warm_up_as_long_as_training_means_SAM_never_runs() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(BaseOptimizerSteps = {|SAM0014:500|}, TotalSteps = 500)]\n" + Sgd));

    [Fact]
    public Task A_parameter_hiding_an_inherited_one_is_reported_at_the_new_member() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using Sam;
            public class Base { public Parameter W { get; } = Parameter.Zeros("w", 1); }
            [SharpnessAware, Sgd(Momentum = 0.9)]
            public partial class M : Base
            {
                public new Parameter {|SAM0015:W|} { get; } = Parameter.Zeros("w2", 1);
            }
            """);

    [Fact]
    public Task Schedule_arguments_of_another_kind_are_reported_as_ignored() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware]
            [Sgd(Momentum = 0.9)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.5, Gamma = {|SAM0016:0.5|}, StepSize = {|SAM0016:10|})]
            """));

    [Fact]
    public Task A_sub_module_parameter_the_model_cannot_read_is_reported_at_the_member() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using Sam;
            namespace N;
            public class Block
            {
                protected Parameter {|SAM0007:W|} = Parameter.Zeros("w", 2);
                public Parameter {|SAM0007:V|} { private get; set; } = Parameter.Zeros("v", 2);
                public Parameter B = Parameter.Zeros("b", 2);
            }
            [SharpnessAware(Rho = 0.05, Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Convex), Sgd(LearningRate = 0.1)]
            public partial class Net { public Block Head = new(); public Block Tail = new(); }
            """);

    [Fact]
    public Task A_fraction_that_rounds_up_to_the_whole_run_means_SAM_never_runs() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(BaseOptimizerFraction = {|SAM0014:0.995|}, TotalSteps = 100)]\n[Sgd(Momentum = 0.9)]"));

    [Fact]
    public Task Struct_and_interface_sub_modules_holding_parameters_are_reported_not_skipped() =>
        SamVerifier.VerifyAnalyzerAsync("""
            using System.Collections.Generic;
            using Sam;
            namespace N;
            public struct Pair { public Parameter W; public Pair[] Nested; }
            public interface IBlock { Parameter W { get; } }
            public interface IOther { int Size { get; } }
            public record struct Plain(int X);
            [SharpnessAware(Rho = 0.05, Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Convex), Sgd(LearningRate = 0.1)]
            public partial class Net
            {
                public Parameter B = Parameter.Zeros("b", 2);
                public Pair {|SAM0003:Head|};
                public List<Pair> {|SAM0003:Rows|} = new();
                public Plain Config;
                public IBlock {|SAM0003:Block|} = null!;
                public IOther Other = null!;
            }
            """);
}
