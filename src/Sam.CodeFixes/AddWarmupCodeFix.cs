using System.Collections.Immutable;
using System.Composition;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Sam.CodeFixes;

/// <summary>
/// SAM0108: runs the base optimizer alone first (Park et al. 2025's remedy for hallucinated minimizers):
/// <c>BaseOptimizerFraction = 0.1</c> when TotalSteps is known, else <c>BaseOptimizerSteps = 1000</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddWarmupCodeFix)), Shared]
public sealed class AddWarmupCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key of this fix.</summary>
    public const string EquivalenceKey = "Sam.AddWarmup";

    /// <summary>The fraction of training the fix gives the base optimizer alone (the paper's ~10%).</summary>
    public const string Fraction = "0.1";

    /// <summary>The warm-up length written when the training length is unknown.</summary>
    public const string Steps = "1000";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.HallucinationRisk);

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
            AttributeSyntax? attribute = AttributeEditing.Reported(root, diagnostic);
            if (attribute is null || !AttributeEditing.IsNamed(attribute, "SharpnessAware"))
            {
                continue;
            }

            bool fraction = diagnostic.Properties.TryGetValue("Warmup", out string? kind) && kind == "BaseOptimizerFraction";
            string name = fraction ? "BaseOptimizerFraction" : "BaseOptimizerSteps";
            string value = fraction ? Fraction : Steps;
            context.RegisterCodeFix(
                CodeAction.Create(
                    fraction ? "Run the base optimizer alone for the first 10% of steps" : "Run the base optimizer alone for the first " + Steps + " steps",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(attribute, AttributeEditing.SetNamedArgument(attribute, name, value)))),
                    EquivalenceKey),
                diagnostic);
        }
    }
}
