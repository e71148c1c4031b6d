using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Sam.Generators.Diagnostics;
using Sam.Generators.Model;

namespace Sam.Generators.Parsing;

/// <summary>
/// Reads what the TorchSharp backend needs from a <c>torch.nn.Module</c> model: how the referenced TorchSharp
/// spells the gradient accessor, and whether the module holds batch-norm layers (SAM0050).
/// </summary>
internal static class TorchModuleInspector
{
    // Deep enough for real networks (model → block → layer → norm); the walk also stops at types seen before.
    private const int MaxDepth = 8;
    private const int MaxListedMembers = 3;

    public static TorchSpec Inspect(INamedTypeSymbol model, AttributeData samAttribute, SamConfigSpec config, Compilation compilation, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        if (UnsupportedFeature(config) is { } feature)
        {
            Location? at = samAttribute.ApplicationSyntaxReference?.GetSyntax(ct).GetLocation() ?? model.Locations.FirstOrDefault();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.TorchSharpUnsupportedFeature, LocationInfo.From(at), model.Name, feature));
        }

        var found = new List<(string Path, ISymbol Member)>();
        var visited = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        FindBatchNorm(model, "", null, 0, visited, found, ct);
        if (found.Count > 0)
        {
            string listed = string.Join(", ", found.Take(MaxListedMembers).Select(f => f.Path));
            if (found.Count > MaxListedMembers)
            {
                listed += ", …";
            }

            Location? where = found[0].Member.Locations.FirstOrDefault(l => l.IsInSource) ?? model.Locations.FirstOrDefault();
            diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.BatchNormInPerturbedPass, LocationInfo.From(where), model.Name, listed));
        }

        return new TorchSpec(GradientAccessOf(compilation));
    }

    /// <summary>What the TorchSharp backend does not implement of <paramref name="config"/>, or null (SAM0051).</summary>
    public static string? UnsupportedFeature(SamConfigSpec config) =>
        config.Variant != VariantKind.Sam ? "the " + config.Variant + " variant" : null;

    // TorchSharp 0.102.5 replaced Tensor.grad() by a property; generate whichever the referenced version has.
    private static GradientAccess GradientAccessOf(Compilation compilation)
    {
        INamedTypeSymbol? tensor = compilation.GetTypeByMetadataName(TypeNames.TorchTensor);
        return tensor?.GetMembers("grad").Any(m => m.Kind == SymbolKind.Method) == true && tensor.GetMembers("grad").All(m => m.Kind != SymbolKind.Property)
            ? GradientAccess.Method
            : GradientAccess.Property;
    }

    // Fields and properties of the module (and of its source-declared base classes and sub-modules) whose type
    // is, or is a collection of, TorchSharp's BatchNorm1d/2d/3d. Each is reported at the model's own member that
    // leads to it (topMember), so the diagnostic sits in the annotated class.
    private static void FindBatchNorm(INamedTypeSymbol type, string prefix, ISymbol? topMember, int depth, HashSet<INamedTypeSymbol> visited, List<(string, ISymbol)> found, CancellationToken ct)
    {
        if (depth > MaxDepth || !visited.Add(type))
        {
            return;
        }

        for (INamedTypeSymbol? t = type; t is not null && IsInSource(t); t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers())
            {
                ct.ThrowIfCancellationRequested();
                ITypeSymbol? memberType = member switch
                {
                    IFieldSymbol { IsStatic: false, IsImplicitlyDeclared: false } f => f.Type,
                    IPropertySymbol { IsStatic: false, IsIndexer: false } p => p.Type,
                    _ => null,
                };
                if (memberType is IArrayTypeSymbol array)
                {
                    memberType = array.ElementType;
                }

                if (memberType is not INamedTypeSymbol named || IsBackingOfListedProperty(member))
                {
                    continue;
                }

                string path = prefix + member.Name;
                foreach (INamedTypeSymbol candidate in SelfAndTypeArguments(named))
                {
                    if (IsBatchNorm(candidate))
                    {
                        found.Add((path, topMember ?? member));
                        break;
                    }

                    if (IsInSource(candidate) && DerivesFromTorchModule(candidate))
                    {
                        FindBatchNorm(candidate, path + ".", topMember ?? member, depth + 1, visited, found, ct);
                    }
                }
            }
        }
    }

    // An auto-property's backing field is implicitly declared; a field named for a property is not skipped.
    private static bool IsBackingOfListedProperty(ISymbol member) => member is IFieldSymbol { AssociatedSymbol: not null };

    private static IEnumerable<INamedTypeSymbol> SelfAndTypeArguments(INamedTypeSymbol type)
    {
        yield return type;
        foreach (ITypeSymbol argument in type.TypeArguments)
        {
            if (argument is INamedTypeSymbol named)
            {
                yield return named;
            }
        }
    }

    private static bool IsInSource(INamedTypeSymbol type) => type.Locations.Any(l => l.IsInSource);

    private static bool IsBatchNorm(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.BaseType)
        {
            if (t.Name.StartsWith("BatchNorm", System.StringComparison.Ordinal) && t.ContainingNamespace?.ToDisplayString() == TypeNames.TorchModulesNamespace)
            {
                return true;
            }
        }

        return false;
    }

    private static bool DerivesFromTorchModule(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.Name == "Module" && t.ContainingType is { Name: "nn", ContainingType: { Name: "torch" } torch }
                && torch.ContainingNamespace?.ToDisplayString() == "TorchSharp")
            {
                return true;
            }
        }

        return false;
    }
}
