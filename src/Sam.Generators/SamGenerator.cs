using System;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using Sam.Generators.Emit;
using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators;

/// <summary>
/// Emits SAM members for every class marked <c>[SharpnessAware]</c>: parse (symbols → equatable model) →
/// emit (model → text). Diagnostics are reported by <see cref="Diagnostics.SamUsageAnalyzer"/>, which runs
/// the same parser; the generator skips what it cannot generate.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SamGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<SamModelSpec> models = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                TypeNames.SharpnessAwareAttribute,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (ctx, ct) => Transform(ctx, ct))
            .WithTrackingName(TrackingNames.Parse)
            .Where(static m => m is not null)
            .Select(static (m, _) => m!)
            .WithTrackingName(TrackingNames.Models);

        IncrementalValueProvider<GeneratorOptions> options = context.AnalyzerConfigOptionsProvider
            .Select(static (provider, _) => GeneratorOptionsReader.Read(provider.GlobalOptions))
            .WithTrackingName(TrackingNames.Options);

        context.RegisterSourceOutput(models.Combine(options), static (spc, pair) => Execute(spc, pair.Left, pair.Right));
    }

    // Everything semantic happens here; nothing symbolic leaves it. A generator must never throw into the
    // compiler (CS8785), whatever the source: an unexpected failure skips the class instead.
    private static SamModelSpec? Transform(GeneratorAttributeSyntaxContext ctx, CancellationToken ct)
    {
        try
        {
            if (ctx.TargetSymbol is not INamedTypeSymbol type || ctx.Attributes.Length == 0)
            {
                return null;
            }

            return ModelParser.Parse(type, ctx.Attributes[0], ctx.SemanticModel.Compilation, ct).Model;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private static void Execute(SourceProductionContext spc, SamModelSpec model, GeneratorOptions options)
    {
        string text;
        try
        {
            text = ModelFileEmitter.Emit(model, options);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return;
        }

        spc.AddSource(model.HintName, SourceText.From(text, Encoding.UTF8));
    }
}
