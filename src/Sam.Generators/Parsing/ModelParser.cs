using System.Collections.Generic;
using System.Linq;
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
        InternalErrors.InjectionPoint(InternalErrors.ParseStage, type.Name);
        var diagnostics = new List<DiagnosticInfo>();
        if (!CheckKind(type, diagnostics))
        {
            return new ParseResult(null, diagnostics.ToEquatableArray());
        }

        bool structural = CheckPartial(type, diagnostics);
        structural &= CheckNotFileLocal(type, diagnostics, ct);

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
            torch = TorchModuleInspector.Inspect(type, ct);
            if (compilation.GetTypeByMetadataName(TypeNames.TorchSamOptimizer) is null)
            {
                // The generated members would not compile; say which package to add instead of CS0234.
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TorchSharpPackageMissing, IdentifierLocation(type, ct), type.Name));
                structural = false;
            }
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
            model = new SamModelSpec(Hierarchy(type), HintNames.For(MetadataName(type)), type.ToDisplayString(s_displayFormat), backend, reading.Config, members, refStructState, torch);
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

    // A file-local type (C# 11 `file`), or a type nested in one, can only be extended by partial declarations in its own
    // file; the generated file would declare a different, namespace-level type and the model would get nothing.
    private static bool CheckNotFileLocal(INamedTypeSymbol type, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (t.IsFileLocal)
            {
                string where = SymbolEqualityComparer.Default.Equals(t, type) ? "" : " on its containing type '" + t.Name + "'";
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalModel, IdentifierLocation(type, ct), type.Name, where));
                return false;
            }
        }

        return true;
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
        foreach (string name in GeneratedNamesToCheck(type, backend))
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

    // The fixed names a backend adds, and for the span backend every name in the class or its bases that starts with
    // the walk methods' prefix (their names come from the sub-module types: any such user member may clash).
    private static IEnumerable<string> GeneratedNamesToCheck(INamedTypeSymbol type, Backend backend)
    {
        if (backend == Backend.TorchSharp)
        {
            return GeneratedMemberNames.AllTorchSharp;
        }

        var names = new List<string>(GeneratedMemberNames.AllSpan);
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            foreach (string name in t.MemberNames)
            {
                if (name.StartsWith(GeneratedMemberNames.WalkMethodPrefix, System.StringComparison.Ordinal) && !names.Contains(name))
                {
                    names.Add(name);
                }
            }
        }

        return names;
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
            chain.Add(new ContainingType(keyword, t.ToDisplayString(s_declarationFormat)));
        }

        chain.Reverse();
        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString(s_namespaceFormat) : null;
        return new TypeHierarchy(ns, chain.ToEquatableArray());
    }

    // Names as the emitters write them into code: a keyword used as a name keeps its '@' (`partial class @class`,
    // `Net<@int>`, `namespace @event.Models`), so every emitter writes valid C# without escaping anything itself.
    private static readonly SymbolDisplayFormat s_declarationFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameOnly,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private static readonly SymbolDisplayFormat s_namespaceFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        miscellaneousOptions: SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

    private static readonly SymbolDisplayFormat s_displayFormat =
        SymbolDisplayFormat.MinimallyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.EscapeKeywordIdentifiers);

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
