using System.Collections.Generic;
using System.Threading;
using Microsoft.CodeAnalysis;
using Sam.Generators.Model;

namespace Sam.Generators.Parsing;

/// <summary>
/// Reads what the TorchSharp backend needs from a <c>torch.nn.Module</c> model: which of its members are under
/// <c>[ExcludeFromPerturbation]</c> or <c>[Frozen]</c>. TorchSharp registers a module's fields under their member
/// names, so those names are the prefixes of the <c>named_parameters()</c> names the run-time engine filters on.
/// Every variant and option runs on TorchSharp (the engine is the runtime's), and batch-norm running statistics are
/// kept by the engine in every phase, so nothing else is reported here.
/// </summary>
internal static class TorchModuleInspector
{
    public static TorchSpec Inspect(INamedTypeSymbol model, CancellationToken ct)
    {
        var excluded = new List<string>();
        var frozen = new List<string>();
        for (INamedTypeSymbol? t = model; t is not null && IsInSource(t); t = t.BaseType)
        {
            foreach (ISymbol member in t.GetMembers())
            {
                ct.ThrowIfCancellationRequested();
                if (member is not (IFieldSymbol { IsStatic: false, IsImplicitlyDeclared: false } or IPropertySymbol { IsStatic: false, IsIndexer: false }))
                {
                    continue;
                }

                if (HasAttribute(member, TypeNames.FrozenAttribute))
                {
                    frozen.Add(member.Name);
                }
                else if (HasAttribute(member, TypeNames.ExcludeFromPerturbationAttribute))
                {
                    excluded.Add(member.Name);
                }
            }
        }

        excluded.Sort(System.StringComparer.Ordinal);
        frozen.Sort(System.StringComparer.Ordinal);
        return new TorchSpec(excluded.ToEquatableArray(), frozen.ToEquatableArray());
    }

    private static bool IsInSource(INamedTypeSymbol type)
    {
        foreach (Location l in type.Locations)
        {
            if (l.IsInSource)
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasAttribute(ISymbol symbol, string metadataName)
    {
        foreach (AttributeData a in symbol.GetAttributes())
        {
            if (a.AttributeClass?.ToDisplayString() == metadataName)
            {
                return true;
            }
        }

        return false;
    }
}
