using System.Linq;
using Microsoft.CodeAnalysis;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// Model shapes found in review that the walker accepted but whose generated code did not compile (or that
/// the walker visited wrongly). Each case asserts the output compilation has no errors and no generator exception.
/// </summary>
public class ReviewRegressionTests
{
    [Theory]
    [InlineData("SubModulePropertyWithPrivateGetter", """
        public class Block { public Parameter W { private get; set; } = Parameter.Zeros("w", 2); public Parameter B { get; } = Parameter.Zeros("b", 2); }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net { public Block Head { get; } = new(); }
        """)]
    [InlineData("ProtectedMemberOfSubModule", """
        public class Block { protected Parameter W = Parameter.Zeros("w", 2); public Parameter B = Parameter.Zeros("b", 2); }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net : Block { public Block Other = new(); }
        """)]
    [InlineData("NewMemberOfAnotherType", """
        public class Base { public Parameter W = Parameter.Zeros("w", 2); }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net : Base { public new Parameter[] W = [Parameter.Zeros("w2", 2)]; }
        """)]
    [InlineData("NewNonParameterMemberHidesParameter", """
        public class Base { public Parameter W = Parameter.Zeros("w", 2); public Parameter B = Parameter.Zeros("b", 2); }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net : Base { public new int W = 3; }
        """)]
    [InlineData("NewMemberInSubModule", """
        public class BaseBlock { public Parameter W = Parameter.Zeros("w", 2); }
        public class Block : BaseBlock { public new Parameter[] W = [Parameter.Zeros("w2", 2)]; }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net { public Block Head = new(); }
        """)]
    [InlineData("MembersNamedLikeGeneratedLocals", """
        public class Block { public Parameter engine = Parameter.Zeros("e", 2); public Parameter scale = Parameter.Zeros("s", 2); }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net
        {
            public Parameter slot = Parameter.Zeros("a", 2);
            public Parameter sumOfSquares = Parameter.Zeros("b", 2);
            public Parameter names = Parameter.Zeros("c", 2);
            public Parameter state = Parameter.Zeros("d", 2);
            public Parameter loss = Parameter.Zeros("f", 2);
            public Parameter m0 = Parameter.Zeros("g", 2);
            public Block[] c1 = [new Block()];
            public Parameter @class = Parameter.Zeros("h", 2);
        }
        """)]
    [InlineData("GenericModelWhoseTypeParameterIsNamedLikeTheCallbackState", """
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net<TCallbackState> { public Parameter W = Parameter.Zeros("w", 2); }
        """)]
    [InlineData("GenericModelWhoseTypeParameterIsNamedLikeTheVisitor", """
        public partial class Outer<TVisitor>
        {
            [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
            public partial class Net { public Parameter[] W = [Parameter.Zeros("w", 2)]; }
        }
        """)]
    [InlineData("OverriddenAutoProperty", """
        public class Base { public virtual Parameter W { get; } = Parameter.Zeros("w", 2); }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net : Base { public override Parameter W { get; } = Parameter.Zeros("w2", 2); }
        """)]
    [InlineData("HintNamesThatSanitizeAlike", """
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net<T> { public Parameter W = Parameter.Zeros("w", 2); }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class Net_1 { public Parameter W = Parameter.Zeros("w", 2); }
        public partial class A
        {
            [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
            public partial class B { public Parameter W = Parameter.Zeros("w", 2); }
        }
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial class A_B { public Parameter W = Parameter.Zeros("w", 2); }
        """)]
    [InlineData("NestedInStaticGenericContainerWithConstraintsAndInterface", """
        public static partial class Outer<T> where T : class, new()
        {
            public partial interface IHolder
            {
                [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
                public partial class Net { public Parameter W = Parameter.Zeros("w", 2); public System.Collections.Generic.IReadOnlyList<Parameter>? Extra; }
            }
        }
        """)]
    [InlineData("RecordWithPrimaryConstructorParameter", """
        [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
        public partial record Net(Parameter W);
        """)]
    public void Generated_code_compiles(string name, string body)
    {
        string source = "using Sam;\nnamespace N;\n" + body;
        GeneratorResult result = GeneratorRunner.Run(source);
        Assert.All(result.RunResult.Results, r => Assert.Null(r.Exception));
        Assert.NotEmpty(result.Sources);
        var errors = CompilationFactory.Errors(result.Output).Where(e => !e.Contains("SAM0", System.StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, name + ":\n" + string.Join("\n", errors) + "\n" + string.Join("\n", result.Sources.Values));
    }

    [Theory]
    [InlineData("public new Parameter W = Parameter.Zeros(\"w2\", 2);")]
    [InlineData("public override Parameter V { get; } = Parameter.Zeros(\"v2\", 2);")]
    public void A_member_reached_by_name_is_visited_once(string derivedMember)
    {
        string source = $$"""
            using Sam;
            namespace N;
            public class Base { public Parameter W = Parameter.Zeros("w", 2); public virtual Parameter V { get; } = Parameter.Zeros("v", 2); }
            [SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]
            public partial class Net : Base { {{derivedMember}} }
            """;
        GeneratorResult result = GeneratorRunner.Run(source);
        string generated = Assert.Single(result.Sources.Values);
        Assert.Equal(1, CountOf(generated, "(ref visitor, this.W, \"W\""));
        Assert.Equal(1, CountOf(generated, "(ref visitor, this.V, \"V\""));
        Assert.DoesNotContain(CompilationFactory.Errors(result.Output), e => !e.Contains("SAM0", System.StringComparison.Ordinal));
    }

    private static int CountOf(string text, string part)
    {
        int count = 0;
        for (int at = text.IndexOf(part, System.StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, System.StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}

/// <summary>Theory claims in the generated remarks that overstated a result.</summary>
public class ReviewGuaranteeTests
{
    [Theory]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic), LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.8)]", "∇f → 0 needs a convex loss or a decaying ρ")]
    [InlineData("[SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Convex), LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.8)]", "on a convex loss and ηₜ ∝ t^(−0.8), ∇f → 0 along a subsequence")]
    public void Constant_rho_with_a_decaying_step_claims_the_convex_result_only(string attributes, string expected)
    {
        // Khanh et al. 2024's liminf ‖∇f‖ = 0 with constant ρ is the convex case; on nonconvex losses constant ρ
        // leaves an O(ρ²) floor (Si & Yun 2023), so the sentence must name the convexity it needs.
        GeneratorResult run = GeneratorRunner.Run(
            $$"""
            using Sam;
            namespace N;
            {{attributes}}
            public partial class Net { public Parameter W = Parameter.Zeros("w", 2); }
            """);
        string line = run.Sources.Single().Value.Split('\n').Single(l => l.Contains("/// Guarantee: ", System.StringComparison.Ordinal));
        Assert.Contains(expected, line, System.StringComparison.Ordinal);
    }
}

/// <summary>Parameters the walk leaves out must not be left out silently.</summary>
public class ReviewWalkDiagnosticTests
{
    [Fact]
    public async System.Threading.Tasks.Task A_sub_module_parameter_the_model_cannot_read_is_reported() =>
        await AnalyzerRunner.VerifyAsync("""
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
}

/// <summary>SAM0014 must see the switch the runtime makes, from the fraction too.</summary>
public class ReviewSwitchingDiagnosticTests
{
    [Fact]
    public System.Threading.Tasks.Task A_fraction_that_rounds_up_to_the_whole_run_means_SAM_never_runs() =>
        AnalyzerRunner.VerifyAsync(Sam.Generators.Tests.Analyzers.Models.With("[SharpnessAware(BaseOptimizerFraction = {|SAM0014:0.995|}, TotalSteps = 100)]\n[Sgd(Momentum = 0.9)]"));

}

/// <summary>A struct holding parameters cannot be walked (generated code needs a reference to it): say so.</summary>
public class ReviewStructModuleTests
{
    [Fact]
    public System.Threading.Tasks.Task A_struct_sub_module_is_reported_not_silently_skipped() =>
        AnalyzerRunner.VerifyAsync("""
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
