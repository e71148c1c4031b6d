using System.Linq;
using Microsoft.CodeAnalysis;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// Unusual model shapes the walker accepts (hidden, overridden and protected members, names like generated locals,
/// generic containers, records): the generated code compiles, and a member reached by two names is visited once.
/// </summary>
public class UnusualModelShapeTests
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
    public void Generated_code_for_an_unusual_shape_compiles(string name, string body)
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
