using System;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Sam.Generators.Diagnostics;
using Sam.Generators.Emit;
using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators;

/// <summary>
/// Emits SAM members for every class marked <c>[SharpnessAware]</c>: parse (symbols → equatable model) →
/// emit (model → text). Diagnostics about the user's code are reported by <see cref="Diagnostics.SamUsageAnalyzer"/>,
/// which runs the same parser; the generator skips what it cannot generate. The one diagnostic the generator
/// reports itself is SAM0017, its own failure, on a separate branch of equatable data (the analyzers may not run
/// at all, e.g. with RunAnalyzers=false, and a failed class must not vanish silently).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SamGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseOutcome> outcomes = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TypeNames.SharpnessAwareAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => Transform(ctx, ct))
            .WithTrackingName(TrackingNames.Parse)
            .Where(static o => o is not null)
            .Select(static (o, _) => o!);

        IncrementalValuesProvider<SamModelSpec> models = outcomes
            .Where(static o => o.Model is not null)
            .Select(static (o, _) => o.Model!)
            .WithTrackingName(TrackingNames.Models);

        // Not filtered before the output: the driver lists a step only when an output consumed one of its values, and
        // the branch must be seen (cached) in the usual run without errors too. A null error reports nothing.
        IncrementalValuesProvider<DiagnosticInfo?> errors = outcomes
            .Select(static (o, _) => o.Error)
            .WithTrackingName(TrackingNames.InternalErrors);

        // Hint names compare case-insensitively: the few that collide are found over all models, reduced to a small
        // equatable list that is empty (and cached) in every project without such names.
        IncrementalValueProvider<EquatableArray<string>> collisions = models
            .Select(static (m, _) => m.HintName)
            .Collect()
            .Select(static (hints, _) => HintNames.Collisions(hints))
            .WithTrackingName(TrackingNames.HintNameCollisions);

        IncrementalValueProvider<GeneratorOptions> options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => GeneratorOptionsReader.Read(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        context.RegisterSourceOutput(models.Combine(collisions).Combine(options), static (spc, pair) => Execute(spc, pair.Left.Left, pair.Left.Right, pair.Right));
        context.RegisterSourceOutput(errors, static (spc, error) =>
        {
            if (error is not null)
            {
                spc.ReportDiagnostic(error.ToDiagnostic());
            }
        });
    }

    // Everything semantic happens here; nothing symbolic leaves it. A generator must never throw into the
    // compiler (CS8785), whatever the source: an unexpected failure becomes SAM0017 on the class.
    private static ParseOutcome? Transform(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
    {
        try
        {
            if (ctx.TargetSymbol is not INamedTypeSymbol type || ctx.Attributes.Length == 0)
            {
                return null;
            }

            // A type annotated on two partial declarations (CS0579) reaches here once per declaration; both would
            // emit the same hint name and AddSource would throw into the compiler (CS8785). Only the declaration
            // holding the type's first [SharpnessAware] generates.
            if (!IsCanonicalDeclaration(type, ctx.TargetNode, ct))
            {
                return null;
            }

            SamModelSpec? model = ModelParser.Parse(type, ctx.Attributes[0], ctx.SemanticModel.Compilation, ct).Model;
            return model is null ? null : new ParseOutcome(model, null);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e)
        {
            LocationInfo? where = ctx.TargetNode is BaseTypeDeclarationSyntax declaration ? LocationInfo.From(declaration.Identifier.GetLocation()) : LocationInfo.From(ctx.TargetNode);
            return new ParseOutcome(null, InternalErrors.Create(InternalErrors.Generator, ctx.TargetSymbol.ToDisplayString(), e, where));
        }
    }

    private static bool IsCanonicalDeclaration(INamedTypeSymbol type, SyntaxNode declaration, CancellationToken ct)
    {
        foreach (AttributeData a in type.GetAttributes())
        {
            if (a.AttributeClass?.ToDisplayString() == TypeNames.SharpnessAwareAttribute)
            {
                SyntaxNode? application = a.ApplicationSyntaxReference?.GetSyntax(ct);
                return application is null || (application.SyntaxTree == declaration.SyntaxTree && declaration.Span.Contains(application.Span));
            }
        }

        return true;
    }

    private static void Execute(SourceProductionContext spc, SamModelSpec model, EquatableArray<string> collisions, GeneratorOptions options)
    {
        string text;
        try
        {
            InternalErrors.InjectionPoint(InternalErrors.EmitStage, model.DisplayName);
            text = ModelFileEmitter.Emit(model, options);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The model holds no location (it would change with every edit above the class and defeat caching).
            spc.ReportDiagnostic(InternalErrors.Create(InternalErrors.Generator, model.DisplayName, e, null).ToDiagnostic());
            return;
        }

        try
        {
            spc.AddSource(HintNames.Resolve(model.HintName, collisions), SourceText.From(text, Encoding.UTF8));
        }
        catch (ArgumentException e)
        {
            // A hint name AddSource refuses (a duplicate the encoding failed to prevent, say) would otherwise fail the
            // whole generator (CS8785) and take every other model's code with it.
            spc.ReportDiagnostic(InternalErrors.Create(InternalErrors.Generator, model.DisplayName, e, null).ToDiagnostic());
        }
    }
}
