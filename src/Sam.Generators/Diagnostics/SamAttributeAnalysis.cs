using System;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
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
        if (owns(DiagnosticDescriptors.ClassNotPartial.Id))
        {
            ReportNonPartialContainer(ctx, type, attribute);
        }

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
                if (owns(d.Id) && !IsOnContainingType(d, type))
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

    // SAM0001 on a containing type is reported from that type's own action (ReportNonPartialContainer): reported from
    // the model's action it would lie outside the symbol being analysed, a non-local diagnostic that per-file analysis
    // in an IDE does not show and that code fixes cannot be offered for.
    private static bool IsOnContainingType(DiagnosticInfo d, INamedTypeSymbol type) =>
        d.Id == DiagnosticDescriptors.ClassNotPartial.Id
        && d.Location is { } at
        && !type.DeclaringSyntaxReferences.Any(r => r.SyntaxTree.FilePath == at.FilePath && r.Span.Contains(at.Span));

    // A type that is not partial and holds a [SharpnessAware] model at any depth through partial types only (the
    // innermost non-partial type is the one the parser reports, once per model): SAM0001 at each non-partial declaration.
    private static void ReportNonPartialContainer(SymbolAnalysisContext ctx, INamedTypeSymbol type, INamedTypeSymbol attribute)
    {
        if (type.GetTypeMembers().Length == 0 || !HoldsModel(type, attribute, ctx.CancellationToken))
        {
            return;
        }

        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(ctx.CancellationToken) is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                ctx.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ClassNotPartial, declaration.Identifier.GetLocation(), type.Name));
            }
        }
    }

    private static bool HoldsModel(INamedTypeSymbol type, INamedTypeSymbol attribute, System.Threading.CancellationToken ct)
    {
        foreach (INamedTypeSymbol nested in type.GetTypeMembers())
        {
            ct.ThrowIfCancellationRequested();
            if (IsPartial(nested, ct)
                && (nested.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute)) || HoldsModel(nested, attribute, ct)))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsPartial(INamedTypeSymbol type, System.Threading.CancellationToken ct) =>
        type.DeclaringSyntaxReferences.All(r => r.GetSyntax(ct) is TypeDeclarationSyntax d && d.Modifiers.Any(SyntaxKind.PartialKeyword));

    public static ImmutableArray<DiagnosticDescriptor> Descriptors(Func<string, bool> owns) =>
        DiagnosticDescriptors.All.RemoveAll(d => !owns(d.Id));

    /// <summary>SAM0100–SAM0199: the convergence-theory range.</summary>
    public static bool IsTheoryId(string id) => string.CompareOrdinal(id, "SAM0100") >= 0 && string.CompareOrdinal(id, "SAM0199") <= 0;
}
