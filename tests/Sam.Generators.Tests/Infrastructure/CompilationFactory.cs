using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Builds in-memory compilations against the net10.0 reference pack (Basic.Reference.Assemblies: the same
/// assemblies on every machine, whatever runtime runs the tests) plus Sam.Runtime, with nullable on and every
/// warning reported.
/// </summary>
public static class CompilationFactory
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
        [
            .. Basic.Reference.Assemblies.Net100.References.All,
            MetadataReference.CreateFromFile(typeof(Sam.Parameter).Assembly.Location),
            // Not in the reference pack: a package the runtime's kernels use.
            MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location),
        ]);

    public static ImmutableArray<MetadataReference> References => s_references.Value;

    public static CSharpCompilation Create(params string[] sources) => Create(sources, extraReferences: []);

    public static CSharpCompilation Create(IEnumerable<string> sources, IEnumerable<MetadataReference> extraReferences, string assemblyName = "TestModels") =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References.AddRange(extraReferences),
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999,
                generalDiagnosticOption: ReportDiagnostic.Error,
                specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
                {
                    // Missing XML docs on the test's own hand-written models are not the generator's business.
                    ["CS1591"] = ReportDiagnostic.Suppress,
                    // TorchSharp is built against an older System.Runtime than the net10.0 pack: unification, which
                    // the SDK also silences (its default NoWarn is CS1701;CS1702).
                    ["CS1701"] = ReportDiagnostic.Suppress,
                    ["CS1702"] = ReportDiagnostic.Suppress,
                }));

    /// <summary>Errors (every warning counts as one) of a compilation, as readable lines.</summary>
    public static IReadOnlyList<string> Errors(Compilation compilation) =>
        compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .ToList();
}
