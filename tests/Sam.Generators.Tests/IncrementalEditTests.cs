using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// What the generator redoes after an edit (steps tracked by name, see <see cref="TrackingNames"/>): an edit that
/// does not touch a model leaves every tracked step Cached or Unchanged, and an attribute edit re-emits only the
/// class it is on.
/// </summary>
/// <remarks>
/// ForAttributeWithMetadataName re-runs its (semantic) transform for every annotated class whenever the
/// compilation changes, so <see cref="TrackingNames.Parse"/> reports Unchanged rather than Cached; the equatable
/// model is what stops the work there: the models step and the source outputs must come from the cache.
/// </remarks>
public class IncrementalEditTests
{
    private const int Models = 3;

    private static readonly string[] s_trackedSteps = [TrackingNames.Parse, TrackingNames.Models];

    [Fact]
    public void Adding_an_unrelated_file_leaves_every_step_cached()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        CSharpCompilation edited = compilation.AddSyntaxTrees(Parse("namespace Other; public static class Helpers { public static int Twice(int x) => 2 * x; }", "Helpers.cs"));

        GeneratorRunResult rerun = Rerun(driver, edited);

        AssertAllCachedOrUnchanged(rerun, s_trackedSteps);
        Assert.All(Reasons(rerun, TrackingNames.Models), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        AssertOutputs(rerun, modified: 0);
    }

    [Fact]
    public void Editing_a_method_body_in_a_model_file_leaves_every_step_cached_or_unchanged()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Model1.cs");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, Parse(Source(1).Replace("x * 0.5f", "x * 0.25f", StringComparison.Ordinal), "Model1.cs"));

        GeneratorRunResult rerun = Rerun(driver, edited);

        AssertAllCachedOrUnchanged(rerun, s_trackedSteps);
        Assert.All(Reasons(rerun, TrackingNames.Models), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        AssertOutputs(rerun, modified: 0);
    }

    [Fact]
    public void Editing_one_attribute_re_emits_only_that_class()
    {
        (GeneratorDriver driver, CSharpCompilation compilation) = FirstRun();
        SyntaxTree old = compilation.SyntaxTrees.Single(t => t.FilePath == "Model1.cs");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, Parse(Source(1).Replace("Rho = 0.05", "Rho = 0.1", StringComparison.Ordinal), "Model1.cs"));

        GeneratorRunResult rerun = Rerun(driver, edited);

        IncrementalStepRunReason[] parse = Reasons(rerun, TrackingNames.Parse);
        Assert.Equal(Models, parse.Length);
        Assert.Equal(1, parse.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.All(parse.Where(r => r != IncrementalStepRunReason.Modified), r => Assert.True(IsReused(r), $"Parse: {r}"));
        Assert.Equal(1, Reasons(rerun, TrackingNames.Models).Count(r => r == IncrementalStepRunReason.Modified));

        AssertOutputs(rerun, modified: 1);
        GeneratedSourceResult model1 = rerun.GeneratedSources.Single(s => s.HintName.Contains("Model1", StringComparison.Ordinal));
        Assert.Contains("Rho = 0.1", model1.SourceText.ToString(), StringComparison.Ordinal);
    }

    private static (GeneratorDriver Driver, CSharpCompilation Compilation) FirstRun()
    {
        CSharpCompilation compilation = CSharpCompilation.Create(
            "IncrementalModels",
            Enumerable.Range(0, Models).Select(i => Parse(Source(i), $"Model{i}.cs")),
            CompilationFactory.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorResult first = GeneratorRunner.Run(compilation);
        Assert.DoesNotContain(first.Output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(Models, first.RunResult.Results.Single().GeneratedSources.Length);
        return (first.Driver, compilation);
    }

    private static GeneratorRunResult Rerun(GeneratorDriver driver, Compilation edited) =>
        GeneratorRunner.Run(edited, driver).RunResult.Results.Single();

    private static SyntaxTree Parse(string text, string path) => CSharpSyntaxTree.ParseText(text, CompilationFactory.ParseOptions, path);

    private static string Source(int i) => string.Format(CultureInfo.InvariantCulture, """
        using Sam;

        namespace Models.N{0};

        public sealed class Block{0}
        {{
            public Parameter W {{ get; }} = Parameter.Zeros("w", 4, 4);
            public Parameter B {{ get; }} = Parameter.Zeros("b", 4);
        }}

        /// <summary>Model {0}.</summary>
        [SharpnessAware(Rho = 0.05)]
        [Sgd(LearningRate = 0.1, Momentum = 0.9)]
        public partial class Model{0}
        {{
            /// <summary>A weight.</summary>
            public Parameter Embedding {{ get; }} = Parameter.Zeros("e", 8, 4);

            /// <summary>Blocks.</summary>
            public Block{0}[] Blocks {{ get; }} = [new(), new()];

            /// <summary>Not a parameter.</summary>
            public float Scale(float x) => x * 0.5f;
        }}
        """, i);

    private static bool IsReused(IncrementalStepRunReason reason) =>
        reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged;

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult run, string step)
    {
        Assert.True(run.TrackedSteps.TryGetValue(step, out var steps), $"step {step} was not tracked");
        return [.. steps.SelectMany(s => s.Outputs).Select(o => o.Reason)];
    }

    private static void AssertAllCachedOrUnchanged(GeneratorRunResult run, IEnumerable<string> stepNames)
    {
        foreach (string step in stepNames)
        {
            IncrementalStepRunReason[] reasons = Reasons(run, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(IsReused(r), $"{step}: {r}"));
        }
    }

    // The source outputs: each model's file is emitted again only when its model changed (and the error branch never).
    private static void AssertOutputs(GeneratorRunResult run, int modified)
    {
        IncrementalStepRunReason[] outputs = [.. run.TrackedOutputSteps[WellKnownGeneratorOutputs.SourceOutput].SelectMany(s => s.Outputs).Select(o => o.Reason)];
        // Two source outputs per model: its file, and its internal-error (SAM0017) branch, which reports nothing here.
        Assert.Equal(2 * Models, outputs.Length);
        Assert.Equal(modified, outputs.Count(r => r == IncrementalStepRunReason.Modified));
        Assert.All(outputs.Where(r => r != IncrementalStepRunReason.Modified), r => Assert.True(IsReused(r), $"output: {r}"));
        Assert.Equal(Models, run.GeneratedSources.Length);
    }
}
