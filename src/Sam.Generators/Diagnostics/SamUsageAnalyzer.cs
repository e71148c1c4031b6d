using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Sam.Generators.Diagnostics;

/// <summary>Reports what is wrong with a [SharpnessAware] class: shape, members, attribute values (every id outside SAM01xx).</summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SamUsageAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableArray<DiagnosticDescriptor> s_supported = SamAttributeAnalysis.Descriptors(Owns);

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => s_supported;

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        SamAttributeAnalysis.Register(context, Owns);
    }

    private static bool Owns(string id) => !SamAttributeAnalysis.IsTheoryId(id);
}
