using System;
using System.Collections.Generic;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Roslyn's analyzer test (Microsoft.CodeAnalysis.Testing, <see cref="DefaultVerifier"/>) set up the way a user's
/// project is: every Sam analyzer, the generator running first so its members exist (as in an IDE), nullable on,
/// and the net10.0 reference pack from Basic.Reference.Assemblies plus Sam.Runtime, so nothing is downloaded.
/// Markup like <c>{|SAM0004:Rho = -1|}</c> states each diagnostic's id and span; the framework fails on any
/// diagnostic not in the markup, on compiler errors in the input or the generated code, and checks that each
/// diagnostic can be suppressed with <c>#pragma warning disable</c> and is not reported in generated code.
/// </summary>
public sealed class SamAnalyzerTest : AnalyzerTest<DefaultVerifier>
{
    public SamAnalyzerTest() => SamTestSetup.Configure(this);

    public override string Language => LanguageNames.CSharp;

    protected override string DefaultFileExt => "cs";

    protected override CompilationOptions CreateCompilationOptions() => SamTestSetup.CompilationOptions();

    protected override ParseOptions CreateParseOptions() => CompilationFactory.ParseOptions;

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => AnalyzerRunner.Analyzers;

    protected override IEnumerable<Type> GetSourceGenerators() => [typeof(SamGenerator)];
}

/// <summary>What every Sam analyzer and code-fix test shares: references, generator behaviour, compilation options.</summary>
internal static class SamTestSetup
{
    /// <summary>
    /// An empty reference set for net10.0: with no reference-assembly package named, the framework resolves nothing
    /// and downloads nothing; the references come from <see cref="CompilationFactory.References"/> instead.
    /// </summary>
    public static ReferenceAssemblies NoDownload { get; } = new("net10.0");

    public static void Configure(AnalyzerTest<DefaultVerifier> test)
    {
        test.ReferenceAssemblies = NoDownload;
        test.TestState.AdditionalReferences.AddRange(CompilationFactory.References);
        // The generated files are compared by the snapshot tests; here they must only compile.
        test.TestBehaviors |= TestBehaviors.SkipGeneratedSourcesCheck;
        test.SolutionTransforms.Add((solution, project) => solution.WithProjectCompilationOptions(project, CompilationOptions()));
    }

    public static CSharpCompilationOptions CompilationOptions() =>
        new(
            OutputKind.DynamicallyLinkedLibrary,
            nullableContextOptions: NullableContextOptions.Enable,
            warningLevel: 9999);

    /// <summary>Adds TorchSharp.dll and Sam.TorchSharp.dll, for tests of TorchSharp modules.</summary>
    public static void AddTorchSharp(SolutionState state) => state.AdditionalReferences.AddRange(TorchSharpReferences.All);
}

/// <summary>Short forms for the common cases of <see cref="SamAnalyzerTest"/>.</summary>
public static class SamVerifier
{
    /// <summary>An expected diagnostic with the catalogue's descriptor (id, default severity, message format).</summary>
    public static DiagnosticResult Diagnostic(string id) =>
        new(Sam.Generators.Diagnostics.DiagnosticDescriptors.ById(id) ?? throw new ArgumentException($"{id} is not in the catalogue", nameof(id)));

    /// <summary>Runs the analyzers (after the generator) on the sources; the first may carry markup.</summary>
    public static System.Threading.Tasks.Task VerifyAnalyzerAsync(string source, params DiagnosticResult[] expected) =>
        VerifyAnalyzerAsync([source], expected);

    /// <summary>Runs the analyzers on several files (Test0.cs, Test1.cs, …), each of which may carry markup.</summary>
    public static System.Threading.Tasks.Task VerifyAnalyzerAsync(string[] sources, params DiagnosticResult[] expected)
    {
        var test = new SamAnalyzerTest();
        foreach (string source in sources)
        {
            test.TestState.Sources.Add(source);
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }
}

/// <summary>
/// Roslyn's code-fix test for one Sam fix: the markup of <see cref="CodeFixTest{TVerifier}.TestCode"/> says where
/// the diagnostics are, <see cref="CodeFixTest{TVerifier}.FixedCode"/> the text after fixing (one at a time and
/// through the fix-all provider); the fixed code must compile with the generator and report only what its markup says.
/// </summary>
public sealed class SamCodeFixTest<TFix> : CodeFixTest<DefaultVerifier>
    where TFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new()
{
    public SamCodeFixTest() => SamTestSetup.Configure(this);

    public override string Language => LanguageNames.CSharp;

    protected override string DefaultFileExt => "cs";

    protected override CompilationOptions CreateCompilationOptions() => SamTestSetup.CompilationOptions();

    protected override ParseOptions CreateParseOptions() => CompilationFactory.ParseOptions;

    protected override IEnumerable<DiagnosticAnalyzer> GetDiagnosticAnalyzers() => AnalyzerRunner.Analyzers;

    protected override IEnumerable<Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider> GetCodeFixProviders() => [new TFix()];

    public override Type SyntaxKindType => typeof(SyntaxKind);

    protected override IEnumerable<Type> GetSourceGenerators() => [typeof(SamGenerator)];
}
