using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Diagnostics;

/// <summary>
/// The shared body of the analyzers: find [SharpnessAware] classes, run the generator's own parser (so analyzer
/// and generator never disagree about what a model is), and report the diagnostics one analyzer owns.
/// </summary>
internal static class SamAttributeAnalysis
{
    public static void Register(AnalysisContext context, Func<string, bool> owns)
    {
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? attribute = start.Compilation.GetTypeByMetadataName(TypeNames.SharpnessAwareAttribute);
            if (attribute is null)
            {
                return;
            }

            start.RegisterSymbolAction(ctx => Analyze(ctx, attribute, owns), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext ctx, INamedTypeSymbol attribute, Func<string, bool> owns)
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
            // An analyzer exception would surface as AD0001 and break the user's build; the robustness tests
            // call the parser directly, so a parser bug still fails them.
            return;
        }

        foreach (DiagnosticInfo d in result.Diagnostics)
        {
            if (owns(d.Id))
            {
                ctx.ReportDiagnostic(d.ToDiagnostic(ctx.Compilation));
            }
        }
    }

    public static ImmutableArray<DiagnosticDescriptor> Descriptors(Func<string, bool> owns) =>
        DiagnosticDescriptors.All.RemoveAll(d => !owns(d.Id));

    /// <summary>SAM0100–SAM0199: the convergence-theory range.</summary>
    public static bool IsTheoryId(string id) => string.CompareOrdinal(id, "SAM0100") >= 0 && string.CompareOrdinal(id, "SAM0199") <= 0;
}
