using System.Threading.Tasks;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

// Default models (SGD without momentum) that can be generated also get the theory analyzer's SAM0107 information.
public class UsageDiagnosticTests
{
    [Fact]
    public Task A_class_that_is_not_partial_is_reported_at_its_name() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [SharpnessAware]
        public class {|SAM0001:Model|}
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
        }
        """);

    [Fact]
    public Task A_containing_type_that_is_not_partial_is_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        public class {|SAM0001:Outer|}
        {
            [SharpnessAware]
            public partial class Model
            {
                public Parameter W { get; } = Parameter.Zeros("w", 1);
            }
        }
        """);

    [Fact]
    public Task A_model_without_parameters_is_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [{|SAM0107:SharpnessAware|}]
        public partial class {|SAM0002:Empty|}
        {
            public int Count { get; set; }
        }
        """);

    [Fact]
    public Task Unsupported_and_inaccessible_members_are_reported_at_the_member() => AnalyzerRunner.VerifyAsync("""
        using System.Collections.Generic;
        using Sam;
        public class Sub
        {
            private Parameter _hidden = Parameter.Zeros("h", 1);
            public Parameter Visible { get; } = Parameter.Zeros("v", 1);
            public Parameter Peek() => _hidden;
        }
        [{|SAM0107:SharpnessAware|}]
        public partial class Model
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
            public Dictionary<string, Parameter> {|SAM0003:ByName|} { get; } = new();
            public Parameter[,] {|SAM0003:Grid|} = new Parameter[1, 1];
            public Sub Sub { get; } = new();
        }
        """);

    [Fact]
    public Task Out_of_range_arguments_are_reported_at_the_argument() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [SharpnessAware(Rho = {|SAM0004:-0.5|})]
        [Sgd(LearningRate = {|SAM0004:double.NaN|}, Momentum = {|SAM0004:1.0|}, WeightDecay = {|SAM0004:double.PositiveInfinity|})]
        public partial class Model
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
        }
        """);

    [Fact]
    public Task Conflicting_optimizer_settings_are_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [SharpnessAware]
        [Sgd(Nesterov = {|SAM0008:true|})]
        public partial class Model
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
        }
        """);

    [Fact]
    public Task A_member_named_like_a_generated_one_is_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [SharpnessAware]
        public partial class Model
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
            public void {|SAM0005:BaseStep|}() { }
        }
        """);

    [Fact]
    public Task A_member_named_like_the_checkpoint_walk_is_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [SharpnessAware]
        public partial class Model
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
            public void {|SAM0005:VisitParameters|}() { }
        }
        """);

    [Fact]
    public Task A_member_named_like_the_m_sharpness_step_is_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [SharpnessAware]
        public partial class Model
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
            public float {|SAM0005:MSharpnessStep|}(int parts) => parts;
        }
        """);

    [Fact]
    public Task Deriving_from_another_annotated_model_is_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [{|SAM0107:SharpnessAware|}]
        public partial class Base
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
        }
        [SharpnessAware]
        public partial class {|SAM0005:Derived|} : Base
        {
        }
        """);

    [Fact]
    public Task A_static_class_is_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [SharpnessAware]
        public static partial class {|SAM0009:Model|}
        {
            public static Parameter W { get; } = Parameter.Zeros("w", 1);
        }
        """);

    [Fact]
    public Task A_valid_model_reports_nothing() => AnalyzerRunner.VerifyAsync(TestSources.Mlp, TestSources.Dense);
}
