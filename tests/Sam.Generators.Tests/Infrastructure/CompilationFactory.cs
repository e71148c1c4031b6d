using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Builds in-memory compilations against the running framework (the trusted platform assemblies: there is no
/// reference-assembly package here) plus Sam.Runtime, with nullable on and every warning reported.
/// </summary>
public static class CompilationFactory
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(() =>
    {
        var paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        foreach (string path in tpa.Split(Path.PathSeparator))
        {
            string name = Path.GetFileName(path);
            if (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll")
            {
                paths.Add(path);
            }
        }

        paths.Add(typeof(Sam.Parameter).Assembly.Location);
        paths.Add(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToImmutableArray();
    });

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
                }));

    /// <summary>Errors (every warning counts as one) of a compilation, as readable lines.</summary>
    public static IReadOnlyList<string> Errors(Compilation compilation) =>
        compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.ToString())
            .ToList();
}
