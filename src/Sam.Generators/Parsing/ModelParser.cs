using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Sam.Generators.Diagnostics;
using Sam.Generators.Model;
using Sam.Generators.Validation;

namespace Sam.Generators.Parsing;

/// <summary>
/// Turns an annotated class symbol into a <see cref="SamModelSpec"/> plus diagnostics. Shared by the generator
/// (which keeps only the model) and the analyzer (which reports the diagnostics), so both agree on what a model is.
/// </summary>
internal static class ModelParser
{
    public static ParseResult Parse(INamedTypeSymbol type, AttributeData samAttribute, Compilation compilation, CancellationToken ct)
    {
        var diagnostics = new List<DiagnosticInfo>();
        if (!CheckKind(type, diagnostics))
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        bool structural = CheckPartial(type, diagnostics);

        AttributeReading reading = AttributeReader.Read(type, samAttribute, ct);
        var invalid = ConfigValidator.Validate(reading).ToList();
        diagnostics.AddRange(invalid);

        // A torch.nn.Module's parameters are registered with TorchSharp and found at run time (named_parameters()),
        // so it is not walked for Sam.Parameter members and "no parameters" does not apply to it.
        Backend backend = DerivesFrom(type, TypeNames.TorchModule) ? Backend.TorchSharp : Backend.Span;
        EquatableArray<ParameterMember> members = EquatableArray<ParameterMember>.Empty;
        TorchSpec? torch = null;
        if (backend == Backend.TorchSharp)
        {
            torch = TorchModuleInspector.Inspect(type, samAttribute, reading.Config, compilation, diagnostics, ct);
        }
        else
        {
            var walker = new MemberWalker(compilation, type, diagnostics, ct);
            members = walker.Walk();
            if (!MemberWalker.HasParameters(members))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NoParameters, IdentifierLocation(type, ct), type.Name));
            }
        }

        structural &= CheckNameConflicts(type, backend, diagnostics, ct);

        if (structural && !invalid.Any(d => DiagnosticDescriptors.ById(d.Id)?.DefaultSeverity == DiagnosticSeverity.Error))
        {
            // Theory about a class that cannot be generated, or about an invalid or incomplete configuration,
            // would be noise on top of the error.
            diagnostics.AddRange(TheoryRules.Evaluate(reading));
        }

        SamModelSpec? model = null;
        if (structural)
        {
            bool refStructState = compilation is CSharpCompilation { LanguageVersion: >= LanguageVersion.CSharp13 };
            model = new SamModelSpec(Hierarchy(type), HintName(type), type.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat), backend, reading.Config, members, refStructState, torch);
        }

        return new ParseResult(model, diagnostics.ToEquatableArray());
    }

    // Only an instance class can hold the optimizer state; anything else gets one diagnostic and no more.
    private static bool CheckKind(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        if (type.TypeKind == TypeKind.Class && !type.IsStatic)
        {
            return true;
        }

        string kind = type.IsStatic ? "static class" : type.TypeKind.ToString().ToLowerInvariant();
        diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.NotAClass, IdentifierLocation(type, default), type.Name, kind));
        return false;
    }

    // Can code be generated at all? The class and every containing type must be partial.
    private static bool CheckPartial(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            foreach (SyntaxReference reference in t.DeclaringSyntaxReferences)
            {
                if (reference.GetSyntax() is TypeDeclarationSyntax declaration && !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, LocationInfo.From(declaration.Identifier.GetLocation()), t.Name));
                    return false;
                }
            }
        }

        return true;
    }

    private static bool CheckNameConflicts(INamedTypeSymbol type, Backend backend, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        bool ok = true;
        var inherited = new List<string>();
        foreach (string name in backend == Backend.TorchSharp ? GeneratedMemberNames.AllTorchSharp : GeneratedMemberNames.AllSpan)
        {
            // In the class itself our own generated members are not a clash; a user member is.
            ISymbol? own = type.GetMembers(name).FirstOrDefault(m => !IsOurs(m));
            if (own is not null)
            {
                Location? where = own.Locations.FirstOrDefault(l => l.IsInSource) ?? type.Locations.FirstOrDefault();
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNameConflict, LocationInfo.From(where), type.Name, name));
                ok = false;
                continue;
            }

            // Inherited non-private members would be hidden (an annotated class deriving from another, say).
            for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
            {
                if (t.GetMembers(name).Any(m => m.DeclaredAccessibility != Accessibility.Private))
                {
                    inherited.Add(name);
                    break;
                }
            }
        }

        if (inherited.Count > 0)
        {
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNameConflict, IdentifierLocation(type, ct), type.Name, string.Join("', '", inherited)));
            ok = false;
        }

        return ok;
    }

    // Members this generator emitted carry [GeneratedCode("Sam.Generators", ...)]; the analyzer sees them too.
    private static bool IsOurs(ISymbol member) =>
        member.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == TypeNames.GeneratedCodeAttribute
            && a.ConstructorArguments.Length > 0 && a.ConstructorArguments[0].Value as string == TypeNames.GeneratorTool);

    private static bool DerivesFrom(INamedTypeSymbol type, string metadataName)
    {
        for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (MetadataName(t) == metadataName)
            {
                return true;
            }
        }

        return false;
    }

    private static string MetadataName(INamedTypeSymbol t)
    {
        string name = t.MetadataName;
        for (INamedTypeSymbol? c = t.ContainingType; c is not null; c = c.ContainingType)
        {
            name = c.MetadataName + "+" + name;
        }

        return t.ContainingNamespace is { IsGlobalNamespace: false } ns ? ns.ToDisplayString() + "." + name : name;
    }

    private static TypeHierarchy Hierarchy(INamedTypeSymbol type)
    {
        var chain = new List<ContainingType>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            string keyword = (t.IsRecord, t.TypeKind) switch
            {
                (true, TypeKind.Struct) => "record struct",
                (true, _) => "record",
                (false, TypeKind.Struct) => "struct",
                (false, TypeKind.Interface) => "interface",
                _ => "class",
            };
            string name = t.TypeParameters.Length == 0 ? t.Name : t.Name + "<" + string.Join(", ", t.TypeParameters.Select(p => p.Name)) + ">";
            chain.Add(new ContainingType(keyword, name));
        }

        chain.Reverse();
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
        return new TypeHierarchy(ns, chain.ToEquatableArray());
    }

    // One file per type, named after its metadata name. The encoding must be one-to-one: AddSource throws into
    // the compiler (CS8785) on a duplicate hint name, and `N.Net`1`, `N.Net_1`, `N.A+B` and `N.A_B` may all be
    // annotated in one project. '_' is the escape character: "__" is '_', "_N" a nesting '+', "_G" the '`' of a
    // generic arity, "_uXXXX" any other character a hint name cannot hold.
    private static string HintName(INamedTypeSymbol type)
    {
        var sb = new StringBuilder();
        foreach (char c in MetadataName(type))
        {
            if (char.IsLetterOrDigit(c) || c == '.')
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(c switch
                {
                    '_' => "__",
                    '+' => "_N",
                    '`' => "_G",
                    _ => "_u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }

        return sb.Append(".Sam.g.cs").ToString();
    }

    private static LocationInfo? IdentifierLocation(INamedTypeSymbol type, CancellationToken ct)
    {
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(ct) is BaseTypeDeclarationSyntax declaration)
            {
                return LocationInfo.From(declaration.Identifier.GetLocation());
            }
        }

        return LocationInfo.From(type.Locations.FirstOrDefault());
    }
}
