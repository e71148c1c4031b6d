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
            AttributeSyntax? attribute = AttributeEditing.Reported(root, diagnostic);
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

        // A new [Sgd(...)] after [SharpnessAware], with the same qualifier and layout.
        // Parsed from text rather than built with SyntaxFactory: factory tokens carry elastic trivia, which the
        // code action's formatting pass rewrites (it dropped the space in "[SharpnessAware] [Sgd(...)]").
        string text = "[" + AttributeEditing.Qualifier(reported) + "Sgd(Momentum = " + Momentum + ")] class C { }";
        AttributeListSyntax parsed = ((TypeDeclarationSyntax)SyntaxFactory.ParseCompilationUnit(text).Members[0]).AttributeLists[0];
        // On its own line: same indentation, new line after. On the class's line: a space either side.
        bool ownLine = list.GetTrailingTrivia().Any(t => t.IsKind(SyntaxKind.EndOfLineTrivia));
        SyntaxTriviaList indentation = SyntaxFactory.TriviaList(list.GetLeadingTrivia().Where(t => t.IsKind(SyntaxKind.WhitespaceTrivia)));
        AttributeListSyntax newList = parsed
            .WithLeadingTrivia(ownLine ? indentation : SyntaxFactory.TriviaList())
            .WithTrailingTrivia(list.GetTrailingTrivia());
        AttributeListSyntax samList = ownLine ? list : list.WithTrailingTrivia(SyntaxFactory.Space);
        int index = declaration.AttributeLists.IndexOf(list);
        SyntaxList<AttributeListSyntax> lists = declaration.AttributeLists.RemoveAt(index).Insert(index, samList).Insert(index + 1, newList);
        return declaration.WithAttributeLists(lists);
    }
}
