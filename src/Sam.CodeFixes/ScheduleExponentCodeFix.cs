using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Sam.CodeFixes;

/// <summary>
/// SAM0103/SAM0104: writes the nearest exponent that satisfies the convergence conditions (½ &lt; b ≤ 1;
/// a + b &gt; 1), which the analyzer computes and passes as the diagnostic's "Exponent" property.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ScheduleExponentCodeFix)), Shared]
public sealed class ScheduleExponentCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key of this fix.</summary>
    public const string EquivalenceKey = "Sam.ScheduleExponent";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.LearningRateExponent, DiagnosticIds.RhoExponent);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue("Exponent", out string? exponent) || exponent is null
                || !diagnostic.Properties.TryGetValue("Attribute", out string? attributeName) || attributeName is null)
            {
                continue;
            }

            AttributeSyntax? attribute = AttributeEditing.Reported(root, diagnostic);
            if (attribute is null || !AttributeEditing.IsNamed(attribute, attributeName))
            {
                continue;
            }

            string what = attributeName == "RhoSchedule" ? "ρ" : "learning-rate";
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use the " + what + " decay exponent " + exponent,
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(attribute, AttributeEditing.SetNamedArgument(attribute, "Exponent", exponent)))),
                    EquivalenceKey),
                diagnostic);
        }
    }
}
