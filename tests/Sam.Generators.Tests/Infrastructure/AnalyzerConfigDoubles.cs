using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// .editorconfig as the compiler sees it, without files: <see cref="AnalyzerConfig"/> text parsed into an
/// <see cref="AnalyzerConfigSet"/>, whose per-file result feeds the two test doubles below (one for
/// <c>dotnet_diagnostic.ID.severity</c>, one for <c>dotnet_analyzer_diagnostic.category-X.severity</c> and other keys).
/// </summary>
public static class EditorConfig
{
    public static (SyntaxTreeOptionsProvider Severities, AnalyzerConfigOptionsProvider Options) Parse(string sectionBody)
    {
        AnalyzerConfig config = AnalyzerConfig.Parse("root = true\n\n[*.cs]\n" + sectionBody + "\n", "/repo/.editorconfig");
        AnalyzerConfigOptionsResult result = AnalyzerConfigSet.Create(ImmutableArray.Create(config)).GetOptionsForSourcePath("/repo/Source0.cs");
        return (new TestSyntaxTreeOptionsProvider(result.TreeOptions), new TestAnalyzerConfigOptionsProvider(result.AnalyzerOptions));
    }

    /// <summary>The compilation with the .editorconfig severities applied to every tree.</summary>
    public static Compilation WithSeverities(Compilation compilation, SyntaxTreeOptionsProvider severities) =>
        compilation.WithOptions(compilation.Options.WithSyntaxTreeOptionsProvider(severities));
}

/// <summary>Per-id severities (<c>dotnet_diagnostic.ID.severity</c>) for every tree.</summary>
public sealed class TestSyntaxTreeOptionsProvider(ImmutableDictionary<string, ReportDiagnostic> severities) : SyntaxTreeOptionsProvider
{
    public override GeneratedKind IsGenerated(SyntaxTree tree, CancellationToken cancellationToken) => GeneratedKind.Unknown;

    public override bool TryGetDiagnosticValue(SyntaxTree tree, string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity) =>
        severities.TryGetValue(diagnosticId, out severity);

    public override bool TryGetGlobalDiagnosticValue(string diagnosticId, CancellationToken cancellationToken, out ReportDiagnostic severity)
    {
        severity = ReportDiagnostic.Default;
        return false;
    }
}

/// <summary>The analyzer options of an .editorconfig section, the same for every tree and globally.</summary>
public sealed class TestAnalyzerConfigOptionsProvider(ImmutableDictionary<string, string> values) : AnalyzerConfigOptionsProvider
{
    private readonly DictionaryOptions _options = new(values);

    public override AnalyzerConfigOptions GlobalOptions => _options;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;

    private sealed class DictionaryOptions(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
