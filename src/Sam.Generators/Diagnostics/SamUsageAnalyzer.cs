using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Diagnostics;

/// <summary>
/// Reports what is wrong with a [SharpnessAware] class, using the generator's own parser so the two never
/// disagree about what a model is.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SamUsageAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? attribute = start.Compilation.GetTypeByMetadataName(TypeNames.SharpnessAwareAttribute);
            if (attribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(ctx => Analyze(ctx, attribute), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext ctx, INamedTypeSymbol attribute)
    {
        var type = (INamedTypeSymbol)ctx.Symbol;
        AttributeData? sam = null;
        foreach (AttributeData a in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute))
            {
                sam = a;
                break;
            }
        }

        if (sam is null)
        {
            return;
        }

        ParseResult result;
        try
        {
            result = ModelParser.Parse(type, sam, ctx.Compilation, ctx.CancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An analyzer exception would surface as AD0001; a parser bug must not break the user's build.
            return;
        }

        foreach (DiagnosticInfo d in result.Diagnostics)
        {
            ctx.ReportDiagnostic(d.ToDiagnostic(ctx.Compilation));
        }
    }
}
