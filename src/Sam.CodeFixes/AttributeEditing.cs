using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace Sam.CodeFixes;

/// <summary>Small edits of attribute syntax shared by the fixes: set a named argument, add an attribute.</summary>
internal static class AttributeEditing
{
    /// <summary>The attribute with <c>name = value</c> replacing an existing argument of that name or appended.</summary>
    public static AttributeSyntax SetNamedArgument(AttributeSyntax attribute, string name, string value)
    {
        var arguments = new List<string>();
        bool replaced = false;
        foreach (AttributeArgumentSyntax a in attribute.ArgumentList?.Arguments ?? default(SeparatedSyntaxList<AttributeArgumentSyntax>))
        {
            if (a.NameEquals?.Name.Identifier.ValueText == name)
            {
                arguments.Add(name + " = " + value);
                replaced = true;
            }
            else
            {
                arguments.Add(a.ToString());
            }
        }

        if (!replaced)
        {
            arguments.Add(name + " = " + value);
        }

        // Re-parsed from text so the result has the usual "a = b, c = d" spacing without a formatter pass.
        AttributeArgumentListSyntax list = SyntaxFactory.ParseAttributeArgumentList("(" + string.Join(", ", arguments) + ")") ?? SyntaxFactory.AttributeArgumentList();
        return attribute.WithArgumentList(attribute.ArgumentList is { } old ? list.WithLeadingTrivia(old.GetLeadingTrivia()).WithTrailingTrivia(old.GetTrailingTrivia()) : list);
    }

    /// <summary>Whether the attribute's written name is <paramref name="shortName"/> (with or without "Attribute" and a qualifier).</summary>
    public static bool IsNamed(AttributeSyntax attribute, string shortName)
    {
        string last = attribute.Name switch
        {
            QualifiedNameSyntax q => q.Right.Identifier.ValueText,
            AliasQualifiedNameSyntax aq => aq.Name.Identifier.ValueText,
            SimpleNameSyntax s => s.Identifier.ValueText,
            _ => attribute.Name.ToString(),
        };
        return last == shortName || last == shortName + "Attribute";
    }

    /// <summary>The attribute a diagnostic was reported on (its span, or inside it), if any.</summary>
    public static AttributeSyntax? Reported(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!root.FullSpan.Contains(diagnostic.Location.SourceSpan))
        {
            return null;
        }

        SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan);
        return node as AttributeSyntax ?? node.FirstAncestorOrSelf<AttributeSyntax>();
    }

    /// <summary>The attribute named <paramref name="shortName"/> on the declaration, if written.</summary>
    public static AttributeSyntax? Find(TypeDeclarationSyntax declaration, string shortName) =>
        declaration.AttributeLists.SelectMany(l => l.Attributes).FirstOrDefault(a => IsNamed(a, shortName));

    /// <summary>The qualifier written before an attribute's name ("Sam." in [Sam.SharpnessAware]), or "".</summary>
    public static string Qualifier(AttributeSyntax attribute)
    {
        string text = attribute.Name.ToString();
        int dot = text.LastIndexOf('.');
        int colons = text.LastIndexOf("::", System.StringComparison.Ordinal);
        int cut = System.Math.Max(dot + 1, colons >= 0 ? colons + 2 : 0);
        return text.Substring(0, cut);
    }
}
