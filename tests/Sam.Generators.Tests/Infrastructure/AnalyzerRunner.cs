using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Runs the analyzers on the generator's output compilation (as an IDE does: the generated members exist)
/// and checks the reported diagnostics against markup, mapperly-style: every diagnostic must be expected.
/// </summary>
public static class AnalyzerRunner
{
    /// <summary>Every analyzer in the generator assembly (found by reflection, so a new analyzer is covered at once).</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(SamGenerator).Assembly.GetTypes()
        .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t))
        .OrderBy(t => t.FullName, System.StringComparer.Ordinal)
        .Select(t => (DiagnosticAnalyzer)System.Activator.CreateInstance(t)!)
        .ToImmutableArray();

    public static async Task<ImmutableArray<Diagnostic>> RunAsync(Compilation compilation, AnalyzerOptions? options = null, IEnumerable<DiagnosticAnalyzer>? analyzers = null)
    {
        var withAnalyzers = compilation.WithAnalyzers(analyzers?.ToImmutableArray() ?? Analyzers, options ?? new AnalyzerOptions([]));
        ImmutableArray<Diagnostic> all = await withAnalyzers.GetAllDiagnosticsAsync();
        Assert.DoesNotContain(all, d => d.Id == "AD0001");
        return await withAnalyzers.GetAnalyzerDiagnosticsAsync();
    }

    /// <summary>Generates, analyzes, and asserts the analyzer diagnostics equal the markup exactly (id and span).</summary>
    public static async Task<ImmutableArray<Diagnostic>> VerifyAsync(string markedSource, params string[] otherSources)
    {
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(markedSource);
        GeneratorResult run = GeneratorRunner.Run([source, .. otherSources]);
        ImmutableArray<Diagnostic> actual = await RunAsync(run.Output);
        var actualSet = actual
            .Where(d => d.Location.SourceTree?.FilePath == "Source0.cs")
            .Select(d => $"{d.Id} {d.Location.SourceSpan} '{source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length)}'")
            .OrderBy(s => s)
            .ToList();
        var expectedSet = expected
            .Select(e => $"{e.Id} {e.Span} '{source.Substring(e.Span.Start, e.Span.Length)}'")
            .OrderBy(s => s)
            .ToList();
        Assert.Equal(expectedSet, actualSet);
        return actual;
    }
}
