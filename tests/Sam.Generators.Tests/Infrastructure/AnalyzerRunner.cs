using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Runs the analyzers on the generator's output compilation (as an IDE does: the generated members exist), for
/// tests that read diagnostics' messages and properties; markup is checked by <see cref="SamVerifier"/>.
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

    /// <summary>
    /// Verifies the markup with Roslyn's test framework (<see cref="SamVerifier"/>: every file, every diagnostic,
    /// the input and generated code compile), then returns the diagnostics of a plain run so a test can read
    /// their messages and properties.
    /// </summary>
    public static async Task<ImmutableArray<Diagnostic>> VerifyAsync(string markedSource, params string[] otherSources)
    {
        await SamVerifier.VerifyAnalyzerAsync([markedSource, .. otherSources]);
        (string source, _) = Markup.Parse(markedSource);
        GeneratorResult run = GeneratorRunner.Run([source, .. otherSources]);
        return await RunAsync(run.Output);
    }
}
