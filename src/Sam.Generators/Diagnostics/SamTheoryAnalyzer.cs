using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace Sam.Generators.Diagnostics;

/// <summary>
/// Reports what the convergence theory says about a [SharpnessAware] configuration (SAM0100–SAM0199,
/// Validation/TheoryRules.cs): information for the usual configuration, warnings when a declared assumption or
/// a declared decaying schedule is not covered by the known guarantees.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SamTheoryAnalyzer : DiagnosticAnalyzer
{
    private static readonly ImmutableArray<DiagnosticDescriptor> s_supported = SamAttributeAnalysis.Descriptors(SamAttributeAnalysis.IsTheoryId);

    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => s_supported;

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        SamAttributeAnalysis.Register(context, SamAttributeAnalysis.IsTheoryId);
    }
}
