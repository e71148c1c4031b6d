using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// The TorchSharp backend, compiled (warnings as errors) against tests/TorchSharp.Stub: the exact TorchSharp
/// API the generated code calls, with TorchSharp's namespaces, nesting and signatures. Running it needs the
/// real TorchSharp: see <see cref="RealTorchSharpTests"/>.
/// </summary>
public class TorchSharpBackendTests
{
    /// <summary>A generic Module&lt;Tensor, Tensor&gt; with a nested sub-module holding a batch norm.</summary>
    public const string Net = """
        using Sam;
        using TorchSharp;
        using TorchSharp.Modules;
        using static TorchSharp.torch;

        namespace Demo.Torch
        {
            public sealed class Block : nn.Module<Tensor, Tensor>
            {
                private readonly Linear fc;
                private readonly BatchNorm1d norm;

                public Block()
                    : base("Block")
                {
                    fc = nn.Linear(4, 4);
                    norm = nn.BatchNorm1d(4);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor input) => norm.forward(fc.forward(input));
            }

            [SharpnessAware(Rho = 0.05)]
            [Sgd(LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.0005)]
            public partial class Net : nn.Module<Tensor, Tensor>
            {
                private readonly Linear input;
                private readonly Block {|SAM0050:block|};

                public Net()
                    : base("Net")
                {
                    input = nn.Linear(3, 4);
                    block = new Block();
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => block.forward(input.forward(x));
            }
        }
        """;

    [Fact]
    public async Task Generic_module_with_a_nested_batch_norm_compiles_and_reports_SAM0050()
    {
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(Net);
        GeneratorResult run = Run(source);
        AssertCompiles(run);
        SnapshotAssert.Match(run.Sources["Demo.Torch.Net.Sam.g.cs"], "Demo.Torch.Net.Sam.g");

        ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(run.Output);
        Diagnostic sam0050 = Assert.Single(diagnostics);
        Assert.Equal("SAM0050", sam0050.Id);
        Assert.Equal(DiagnosticSeverity.Info, sam0050.Severity);
        Assert.Equal(expected.Single().Span, sam0050.Location.SourceSpan);
        Assert.Contains("block.norm", sam0050.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_module_subclass_with_buffers_Nesterov_and_decoupled_decay_compiles_without_diagnostics()
    {
        // Derives from the non-generic torch.nn.Module, through a user base class; registers a buffer besides its
        // parameters (SAM finds parameters at run time with named_parameters(), so buffers are never stepped).
        const string source = """
            using Sam;
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;

            namespace Demo.Torch
            {
                public abstract class ModelBase : nn.Module
                {
                    protected ModelBase(string name) : base(name) { }
                }

                public partial class Outer
                {
                    [SharpnessAware(Rho = 0.1, Normalize = false)]
                    [Sgd(LearningRate = 0.05, Momentum = 0.8, Nesterov = true, WeightDecay = 0.01, DecoupledWeightDecay = true)]
                    internal partial class Plain<TTag> : ModelBase
                        where TTag : class
                    {
                        private readonly Linear head;
                        private readonly Tensor scale;
                        public TTag? Tag { get; set; }

                        public Plain(Tensor scale)
                            : base("Plain")
                        {
                            head = nn.Linear(2, 1);
                            this.scale = scale;
                            RegisterComponents();
                        }
                    }
                }
            }
            """;
        GeneratorResult run = Run(source);
        AssertCompiles(run);
        string generated = run.Sources.Single().Value;
        SnapshotAssert.Match(generated, "Plain");
        Assert.Contains("parameter.mul_(S(1d - learningRate * 0.01));", generated, System.StringComparison.Ordinal);
        Assert.Contains("d = d.add(buffer, S(0.8));", generated, System.StringComparison.Ordinal);
        Assert.Empty(await AnalyzerRunner.RunAsync(run.Output));
    }

    [Fact]
    public async Task Batch_norms_in_arrays_and_generic_collections_are_found_too()
    {
        const string source = """
            using System.Collections.Generic;
            using Sam;
            using TorchSharp;
            using TorchSharp.Modules;
            using static TorchSharp.torch;

            [SharpnessAware]
            public partial class Deep : nn.Module<Tensor, Tensor>
            {
                private readonly BatchNorm1d[] {|SAM0050:norms|} = new BatchNorm1d[0];
                public List<BatchNorm1d> More { get; } = new List<BatchNorm1d>();
                public Deep() : base("Deep") { }
                public override Tensor forward(Tensor x) => x;
            }
            """;
        (string plain, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(source);
        GeneratorResult run = Run(plain);
        AssertCompiles(run);
        // The theory analyzer's SAM0107 information (SGD without momentum) is not this test's subject.
        Diagnostic sam0050 = Assert.Single((await AnalyzerRunner.RunAsync(run.Output)).Where(d => d.Descriptor.Category != "Sam.Theory"));
        Assert.Equal(("SAM0050", expected.Single().Span), (sam0050.Id, sam0050.Location.SourceSpan));
        Assert.Contains("(norms, More)", sam0050.GetMessage(System.Globalization.CultureInfo.InvariantCulture), System.StringComparison.Ordinal);
    }

    [Fact]
    public void Plain_SGD_without_momentum_keeps_no_optimizer_tensors()
    {
        const string source = """
            using Sam;
            using TorchSharp;
            using static TorchSharp.torch;

            [SharpnessAware]
            public partial class Tiny : nn.Module<Tensor, Tensor>
            {
                public Tiny() : base("Tiny") { }
                public override Tensor forward(Tensor x) => x;
            }
            """;
        GeneratorResult run = Run(source);
        AssertCompiles(run);
        string generated = run.Sources.Single().Value;
        Assert.DoesNotContain("_momentum", generated, System.StringComparison.Ordinal);
        Assert.Contains("parameter.add_(d, S(-learningRate));", generated, System.StringComparison.Ordinal);
    }

    [Fact]
    public void AdamW_emits_the_PyTorch_update()
    {
        const string source = """
            using Sam;
            using TorchSharp;
            using static TorchSharp.torch;

            [SharpnessAware(Rho = 0.05)]
            [AdamW(LearningRate = 0.001, WeightDecay = 0.01, Amsgrad = true)]
            public partial class Adam : nn.Module<Tensor, Tensor>
            {
                public Adam() : base("Adam") { }
                public override Tensor forward(Tensor x) => x;
            }
            """;
        GeneratorResult run = Run(source);
        AssertCompiles(run);
        string generated = run.Sources.Single().Value;
        SnapshotAssert.Match(generated, "Adam");
        Assert.Contains("parameter.addcdiv_(expAvg, denominator, S(-learningRate / biasCorrection1));", generated, System.StringComparison.Ordinal);
        Assert.Contains("maxExpAvgSq.copy_(global::TorchSharp.torch.maximum(maxExpAvgSq, expAvgSq));", generated, System.StringComparison.Ordinal);
    }

    [Fact]
    public void A_TorchSharp_older_than_0_102_5_gets_grad_called_as_a_method()
    {
        // Only the shape the parser looks at: Tensor.grad() as a method, and the module base class.
        const string oldTorchSharp = """
            namespace TorchSharp
            {
                public static partial class torch
                {
                    public class Tensor { public Tensor? grad() => null; }
                    public static partial class nn { public class Module { protected Module(string name) { } } }
                }
            }
            """;
        const string model = """
            [Sam.SharpnessAware]
            public partial class Old : TorchSharp.torch.nn.Module
            {
                public Old() : base("Old") { }
            }
            """;
        GeneratorResult run = GeneratorRunner.Run(CompilationFactory.Create([oldTorchSharp, model], []));
        string generated = run.Sources.Single().Value;
        Assert.Contains("parameter.grad() is { } gradient", generated, System.StringComparison.Ordinal);
        Assert.Contains("_parameters[i].grad();", generated, System.StringComparison.Ordinal);
    }

    [Fact]
    public void A_span_model_does_not_use_the_TorchSharp_backend_even_when_TorchSharp_is_referenced()
    {
        GeneratorResult run = Run(TestSources.Mlp, TestSources.Dense);
        AssertCompiles(run);
        Assert.DoesNotContain("TorchSharp", run.Sources["Demo.Mlp.Sam.g.cs"], System.StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_member_named_like_the_TorchSharp_backend_state_is_a_conflict()
    {
        const string source = """
            using Sam;
            using TorchSharp;
            using static TorchSharp.torch;

            [SharpnessAware]
            public partial class Clash : nn.Module<Tensor, Tensor>
            {
                public Clash() : base("Clash") { }
                public override Tensor forward(Tensor x) => x;
                public void {|SAM0005:FreezeRunningStatistics|}() { }
            }
            """;
        (string plain, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(source);
        GeneratorResult run = Run(plain);
        Assert.Empty(run.Sources);
        ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(run.Output);
        Assert.Equal(expected.Select(e => ("SAM0005", e.Span)), diagnostics.Select(d => (d.Id, d.Location.SourceSpan)));
    }

    [Fact]
    public void Rerunning_on_an_identical_compilation_caches_the_TorchSharp_model()
    {
        // The TorchSpec read from the referenced TorchSharp is equatable data, so the model step stays cached.
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = CompilationFactory.Create([Markup.Parse(Net).Source], [TorchSharpReferences.Stub]);
        GeneratorResult first = GeneratorRunner.Run(compilation);
        GeneratorRunResult run = GeneratorRunner.Run(compilation.Clone(), first.Driver).RunResult.Results.Single();
        Assert.All(
            run.TrackedSteps[Sam.Generators.TrackingNames.Models].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public async Task A_variant_the_TorchSharp_backend_does_not_implement_is_SAM0051_and_Perturb_throws()
    {
        const string source = """
            using Sam;
            using TorchSharp;
            using static TorchSharp.torch;

            [{|SAM0051:SharpnessAware(Rho = 0.5, Variant = SamVariant.Asam)|}]
            public partial class Adaptive : nn.Module<Tensor, Tensor>
            {
                public Adaptive() : base("Adaptive") { }
                public override Tensor forward(Tensor x) => x;
            }
            """;
        (string plain, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(source);
        GeneratorResult run = Run(plain);
        AssertCompiles(run);
        Assert.Contains("throw new global::System.NotSupportedException(\"The TorchSharp backend does not implement the Asam variant (SAM0051)", run.Sources.Single().Value, System.StringComparison.Ordinal);
        ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(run.Output);
        Assert.Equal(expected.Select(e => ("SAM0051", e.Span)), diagnostics.Select(d => (d.Id, d.Location.SourceSpan)));
    }

    // TorchSharp converts .NET numbers implicitly to both Tensor and Scalar (src/TorchSharp/Tensor/Tensor.cs), and
    // since 0.100.7 (#1073/#1083) also declares a never-invoked Scalar → Tensor conversion so that C# prefers the
    // Scalar overload (a better conversion target) instead of reporting CS0121. The stub declares the same
    // conversions and the competing overloads, so overload resolution here is the real one; the generated code
    // passes typed Scalars anyway (S(...)), which also binds on TorchSharp versions before 0.100.7.
    [Theory]
    [InlineData("t.mul(2.0)", "mul")]
    [InlineData("t.mul_(0.9)", "mul_")]
    [InlineData("t.add_(1e-8)", "add_")]
    [InlineData("t.div_(2.0)", "div_")]
    [InlineData("t.add(g, 0.5)", "add")]
    public void A_number_where_TorchSharp_overloads_Tensor_and_Scalar_binds_to_the_Scalar_overload_as_in_TorchSharp(string call, string method)
    {
        string source = $$"""
            using TorchSharp;
            using static TorchSharp.torch;

            public static class Calls
            {
                public static Tensor Untyped(Tensor t, Tensor g) => {{call}};

                public static Tensor Typed(Tensor t, Tensor g) =>
                    t.mul(S(2.0)).mul_(S(0.9)).add_(S(1e-8)).div_(S(2.0)).add_(g, S(0.5)).add(g, S(0.1)).addcmul_(g, g, S(0.001)).addcdiv_(g, g, S(-0.1)).sum();

                private static Scalar S(double value) => value;
            }
            """;
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = CompilationFactory.Create([source], [TorchSharpReferences.Stub]);
        Assert.Empty(CompilationFactory.Errors(compilation));
        SyntaxTree tree = compilation.SyntaxTrees.Single();
        Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax invocation = tree.GetRoot().DescendantNodes()
            .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.InvocationExpressionSyntax>()
            .First(i => i.ToString() == call);
        var bound = (IMethodSymbol)compilation.GetSemanticModel(tree).GetSymbolInfo(invocation).Symbol!;
        Assert.Equal(method, bound.Name);
        Assert.Equal("TorchSharp.Scalar", bound.Parameters.Last(p => !p.IsOptional).Type.ToDisplayString());
    }

    internal static GeneratorResult Run(params string[] sources) =>
        GeneratorRunner.Run(CompilationFactory.Create(sources, [TorchSharpReferences.Stub]));

    private static void AssertCompiles(GeneratorResult run)
    {
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.All(run.RunResult.Results, r => Assert.Null(r.Exception));
        Assert.Empty(CompilationFactory.Errors(run.Input));
        Assert.Empty(CompilationFactory.Errors(run.Output));
    }
}
