using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Sam.CodeFixes;

/// <summary>
/// SAM0107: gives SGD momentum 0.9 (Kim et al. 2023: momentum mitigates saddle attraction), in the existing
/// [Sgd] or in a new <c>[Sgd(Momentum = 0.9)]</c> after [SharpnessAware] (the default SGD's other settings are the same).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AddMomentumCodeFix)), Shared]
public sealed class AddMomentumCodeFix : CodeFixProvider
{
    /// <summary>The equivalence key of this fix.</summary>
    public const string EquivalenceKey = "Sam.AddMomentum";

    /// <summary>The momentum the fix writes.</summary>
    public const string Momentum = "0.9";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.SaddleRisk);

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
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan);
            AttributeSyntax? attribute = node as AttributeSyntax ?? node.FirstAncestorOrSelf<AttributeSyntax>();
            if (attribute?.Parent is not AttributeListSyntax list || list.Parent is not TypeDeclarationSyntax declaration)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use SGD with momentum " + Momentum,
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(declaration, WithMomentum(declaration, attribute, list)))),
                    EquivalenceKey),
                diagnostic);
        }
    }

    private static TypeDeclarationSyntax WithMomentum(TypeDeclarationSyntax declaration, AttributeSyntax reported, AttributeListSyntax list)
    {
        if (AttributeEditing.Find(declaration, "Sgd") is { } sgd)
        {
            return declaration.ReplaceNode(sgd, AttributeEditing.SetNamedArgument(sgd, "Momentum", Momentum));
        }

        // A new [Sgd(...)] line after [SharpnessAware], with the same qualifier and indentation.
        AttributeSyntax added = SyntaxFactory.Attribute(
            SyntaxFactory.ParseName(AttributeEditing.Qualifier(reported) + "Sgd"),
            SyntaxFactory.ParseAttributeArgumentList("(Momentum = " + Momentum + ")") ?? SyntaxFactory.AttributeArgumentList());
        SyntaxTriviaList indentation = SyntaxFactory.TriviaList(list.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)).LastOrDefault());
        AttributeListSyntax newList = SyntaxFactory.AttributeList(SyntaxFactory.SingletonSeparatedList(added))
            .WithLeadingTrivia(list.GetLeadingTrivia().Count > 0 && indentation[0].IsKind(SyntaxKind.WhitespaceTrivia) ? indentation : SyntaxFactory.TriviaList())
            .WithTrailingTrivia(list.GetTrailingTrivia());
        int index = declaration.AttributeLists.IndexOf(list);
        return declaration.WithAttributeLists(declaration.AttributeLists.Insert(index + 1, newList));
    }
}
