using System;
using System.Collections.Immutable;
using System.Linq;
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
    /// <summary>
    /// Registers the analysis. The analyzers configure generated code as Analyze | ReportDiagnostics: a model in a file
    /// marked &lt;auto-generated&gt; (a designer's or a tool's output the user still compiles) must not lose SAM0001 or
    /// SAM0004 silently. Only types carrying [SharpnessAware] are parsed, so other generated code costs one attribute scan.
    /// </summary>
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

        try
        {
            ParseResult result = ModelParser.Parse(type, sam, ctx.Compilation, ctx.CancellationToken);
            foreach (DiagnosticInfo d in result.Diagnostics)
            {
                if (owns(d.Id))
                {
                    ctx.ReportDiagnostic(d.ToDiagnostic(ctx.Compilation));
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // An analyzer exception would surface as AD0001 and break the user's build; a silent return would hide
            // the bug (and the class's other diagnostics). The usage analyzer owns SAM0017 and reports it on the class.
            if (owns(DiagnosticDescriptors.InternalErrorId))
            {
                LocationInfo? where = LocationInfo.From(type.Locations.FirstOrDefault(l => l.IsInSource));
                ctx.ReportDiagnostic(InternalErrors.Create(InternalErrors.Analyzer, type.ToDisplayString(), e, where).ToDiagnostic(ctx.Compilation));
            }
        }
    }

    public static ImmutableArray<DiagnosticDescriptor> Descriptors(Func<string, bool> owns) =>
        DiagnosticDescriptors.All.RemoveAll(d => !owns(d.Id));

    /// <summary>SAM0100–SAM0199: the convergence-theory range.</summary>
    public static bool IsTheoryId(string id) => string.CompareOrdinal(id, "SAM0100") >= 0 && string.CompareOrdinal(id, "SAM0199") <= 0;
}
