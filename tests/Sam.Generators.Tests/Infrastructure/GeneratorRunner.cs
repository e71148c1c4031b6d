using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>The outcome of running the generator on a compilation.</summary>
public sealed record GeneratorResult(
    GeneratorDriver Driver,
    Compilation Input,
    Compilation Output,
    GeneratorDriverRunResult RunResult,
    ImmutableArray<Diagnostic> GeneratorDiagnostics)
{
    /// <summary>Hint name → generated text.</summary>
    public IReadOnlyDictionary<string, string> Sources =>
        RunResult.Results.SelectMany(r => r.GeneratedSources).ToDictionary(s => s.HintName, s => s.SourceText.ToString());
}

/// <summary>Runs <see cref="SamGenerator"/> with step tracking on, the way the compiler would.</summary>
public static class GeneratorRunner
{
    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new SamGenerator().AsSourceGenerator()],
            parseOptions: CompilationFactory.ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    public static GeneratorResult Run(Compilation compilation, GeneratorDriver? driver = null)
    {
        driver = (driver ?? CreateDriver()).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return new GeneratorResult(driver, compilation, output, driver.GetRunResult(), diagnostics);
    }

    public static GeneratorResult Run(params string[] sources) => Run(CompilationFactory.Create(sources));
}
