using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>The MSBuild options the package makes compiler-visible (build/Sam.Dsl.props).</summary>
public class GeneratorOptionsTests
{
    private const string RemarksMarker = "Configured as SAM";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("true")]
    [InlineData("True")]
    [InlineData("not-a-bool")]
    public void Theory_remarks_are_written_unless_turned_off(string? value)
    {
        string text = Generate(value);
        Assert.Contains(RemarksMarker, text, System.StringComparison.Ordinal);
        Assert.Contains("/// <remarks>", text, System.StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("false")]
    [InlineData(" False ")]
    public void SamDslTheoryDocComments_false_leaves_the_remarks_out(string value)
    {
        string text = Generate(value);
        Assert.DoesNotContain(RemarksMarker, text, System.StringComparison.Ordinal);
        Assert.DoesNotContain("<remarks>", text, System.StringComparison.Ordinal);
        Assert.Contains("public void Perturb()", text, System.StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_the_option_regenerates_and_an_unchanged_option_stays_cached()
    {
        CSharpCompilation compilation = CompilationFactory.Create(TestSources.Mlp, TestSources.Dense);
        GeneratorDriver driver = CreateDriver("true").RunGenerators(compilation);

        GeneratorDriver same = driver.WithUpdatedAnalyzerConfigOptions(new GlobalOptionsProvider("true")).RunGenerators(compilation);
        Assert.All(
            same.GetRunResult().Results.Single().TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));

        GeneratorDriver off = same.WithUpdatedAnalyzerConfigOptions(new GlobalOptionsProvider("false")).RunGenerators(compilation);
        GeneratorRunResult result = off.GetRunResult().Results.Single();
        Assert.Contains(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.DoesNotContain(RemarksMarker, result.GeneratedSources.Single().SourceText.ToString(), System.StringComparison.Ordinal);
    }

    private static string Generate(string? value)
    {
        CSharpCompilation compilation = CompilationFactory.Create(TestSources.Mlp, TestSources.Dense);
        CreateDriver(value).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        return output.SyntaxTrees.Single(t => t.FilePath.EndsWith("Demo.Mlp.Sam.g.cs", System.StringComparison.Ordinal)).ToString();
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("false", false)]
    public void The_TorchSharp_backend_follows_SamDslTheoryDocComments_too(string? value, bool remarks)
    {
        // docs/packaging.md says the option applies to every generated Optimizer property, TorchSharp modules included.
        CSharpCompilation compilation = CompilationFactory.Create([TorchSharpBackendTests.Net], TorchSharpReferences.All);
        CreateDriver(value).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        Assert.Empty(diagnostics);
        string text = output.SyntaxTrees.Single(t => t.FilePath.EndsWith("Demo.Torch.Net.Sam.g.cs", System.StringComparison.Ordinal)).ToString();
        Assert.Equal(remarks, text.Contains("/// <remarks>", System.StringComparison.Ordinal));
    }

    private static GeneratorDriver CreateDriver(string? value) =>
        CSharpGeneratorDriver.Create(
            [new SamGenerator().AsSourceGenerator()],
            additionalTexts: [],
            parseOptions: CompilationFactory.ParseOptions,
            optionsProvider: new GlobalOptionsProvider(value),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>What MSBuild hands the compiler for one <c>CompilerVisibleProperty</c> (absent when null).</summary>
    private sealed class GlobalOptionsProvider(string? theoryDocComments) : AnalyzerConfigOptionsProvider
    {
        private readonly Options _global = new(theoryDocComments is null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["build_property.SamDslTheoryDocComments"] = theoryDocComments });

        public override AnalyzerConfigOptions GlobalOptions => _global;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => Options.Empty;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => Options.Empty;

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public static readonly Options Empty = new([]);

            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
