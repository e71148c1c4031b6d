using System.Linq;
using Microsoft.CodeAnalysis;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// The TorchSharp backend, compiled (warnings as errors) against the real TorchSharp and Sam.TorchSharp: a module
/// gets thin members over <c>Sam.TorchSamOptimizer</c>, the engine compiled once in the Sam.Dsl.TorchSharp package.
/// Running them is tests/Sam.TorchSharp.Tests.
/// </summary>
public class TorchSharpBackendTests
{
    /// <summary>A module with a sub-module holding a batch norm, excluded and frozen members.</summary>
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

            [SharpnessAware(Rho = 0.05, Variant = SamVariant.Asam)]
            [Sgd(LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.0005)]
            public partial class Net : nn.Module<Tensor, Tensor>
            {
                private readonly Linear input;
                [ExcludeFromPerturbation] private readonly Block block;
                [Frozen] private readonly Linear embedding;

                public Net()
                    : base("Net")
                {
                    input = nn.Linear(3, 4);
                    block = new Block();
                    embedding = nn.Linear(4, 4);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => block.forward(input.forward(embedding.forward(x)));
            }
        }
        """;

    [Fact]
    public void A_module_gets_thin_members_over_the_compiled_engine_with_its_exclusions()
    {
        GeneratorResult run = Run(Net);
        AssertCompiles(run);
        string generated = Assert.Single(run.Sources.Values);
        SnapshotAssert.Match(generated, "Demo.Torch.Net.Sam.g");
        Assert.Contains("new global::Sam.TorchSamOptimizer(", generated, System.StringComparison.Ordinal);
        Assert.Contains("ExcludeFromPerturbation = static name => global::Sam.TorchSamOptions.IsUnder(name, \"block\")", generated, System.StringComparison.Ordinal);
        Assert.Contains("Frozen = static name => global::Sam.TorchSamOptions.IsUnder(name, \"embedding\")", generated, System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Variant = SamVariant.Vasso")]
    [InlineData("Variant = SamVariant.FriendlySam")]
    [InlineData("Variant = SamVariant.Gsam")]
    [InlineData("Variant = SamVariant.Gcsam")]
    [InlineData("Interval = 2, MaxGradientNorm = 1, PerturbWeightDecay = true")]
    public void Every_variant_and_option_compiles_on_a_module_without_diagnostics(string arguments)
    {
        GeneratorResult run = Run($$"""
            using Sam;
            using TorchSharp;
            using static TorchSharp.torch;

            [SharpnessAware(Rho = 0.05, {{arguments}})]
            [AdamW(LearningRate = 0.001)]
            public partial class M : nn.Module<Tensor, Tensor>
            {
                public M() : base("M") { }
                public override Tensor forward(Tensor x) => x;
            }
            """);
        AssertCompiles(run);
    }

    [Fact]
    public void A_span_model_does_not_use_the_TorchSharp_backend_even_when_TorchSharp_is_referenced()
    {
        GeneratorResult run = Run(TestSources.Mlp, TestSources.Dense);
        AssertCompiles(run);
        Assert.DoesNotContain("TorchSharp", run.Sources["Demo.Mlp.Sam.g.cs"], System.StringComparison.Ordinal);
        Assert.DoesNotContain("Torch", run.Sources["Demo.Mlp.Sam.g.cs"], System.StringComparison.Ordinal);
    }

    [Fact]
    public void Rerunning_on_an_identical_compilation_caches_the_TorchSharp_model()
    {
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation compilation = CompilationFactory.Create([Net], TorchSharpReferences.All);
        GeneratorResult first = GeneratorRunner.Run(compilation);
        GeneratorRunResult run = GeneratorRunner.Run(compilation.Clone(), first.Driver).RunResult.Results.Single();
        Assert.All(
            run.TrackedSteps[Sam.Generators.TrackingNames.Models].SelectMany(s => s.Outputs),
            o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, o.Reason.ToString()));
        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_module_without_the_Sam_Dsl_TorchSharp_package_is_SAM0052_and_not_generated()
    {
        const string source = """
            using Sam;
            using TorchSharp;
            using static TorchSharp.torch;

            [SharpnessAware]
            public partial class {|SAM0052:Lonely|} : nn.Module<Tensor, Tensor>
            {
                public Lonely() : base("Lonely") { }
                public override Tensor forward(Tensor x) => x;
            }
            """;
        (string plain, System.Collections.Generic.IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(source);
        GeneratorResult run = GeneratorRunner.Run(CompilationFactory.Create([plain], [TorchSharpReferences.All[0]]));
        Assert.Empty(run.Sources);
        Assert.Empty(CompilationFactory.Errors(run.Output));
        System.Collections.Immutable.ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(run.Output);
        Assert.Equal(expected.Select(e => ("SAM0052", e.Span)), diagnostics.Where(d => d.Id == "SAM0052").Select(d => (d.Id, d.Location.SourceSpan)));
    }

    internal static GeneratorResult Run(params string[] sources) =>
        GeneratorRunner.Run(CompilationFactory.Create(sources, TorchSharpReferences.All));

    private static void AssertCompiles(GeneratorResult run)
    {
        Assert.Empty(run.GeneratorDiagnostics);
        Assert.All(run.RunResult.Results, r => Assert.Null(r.Exception));
        Assert.Empty(CompilationFactory.Errors(run.Input));
        Assert.Empty(CompilationFactory.Errors(run.Output));
    }
}
