using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Sam.Generators.Diagnostics;
using Sam.Generators.Model;

namespace Sam.Generators.Parsing;

/// <summary>
/// Finds the parameter members of a model, recursively through sub-modules, in declaration order (base-class
/// members first). Only fields and auto-properties of source types are visited, so a property that merely
/// exposes a field is not stepped twice; for referenced assemblies, whose private fields are invisible,
/// readable instance properties are visited. A referenced assembly that does not reference Sam.Runtime (the
/// framework, TorchSharp, ...) cannot declare a Parameter member, so its types are not looked into; that is decided
/// by assembly, never by namespace (a user's <c>Microsoft.Contoso.Ml</c> is walked like any other).
/// </summary>
internal sealed class MemberWalker
{
    /// <summary>How many sub-module levels below the model are walked; a deeper one that holds parameters is SAM0019.</summary>
    public const int MaxDepth = 32;

    private readonly Compilation _compilation;
    private readonly INamedTypeSymbol _root;
    private readonly INamedTypeSymbol? _parameterType;
    private readonly List<DiagnosticInfo> _diagnostics;
    private readonly CancellationToken _ct;
    private readonly Dictionary<ITypeSymbol, EquatableArray<ParameterMember>> _moduleCache = new(SymbolEqualityComparer.Default);

    // A walk cut short by MaxDepth depends on the depth it started at: cached per (type, depth), never as the type's result.
    private readonly Dictionary<(ITypeSymbol Type, int Depth), EquatableArray<ParameterMember>> _truncatedCache = new(TruncatedKeyComparer.Instance);
    private readonly Dictionary<IAssemblySymbol, bool> _foreignAssemblies = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> _reportedTooDeep = new(SymbolEqualityComparer.Default);
    private readonly List<ITypeSymbol> _stack = new();
    private int _truncations;

    // The model's member whose subtree is being walked: where a diagnostic goes when its own member is elsewhere (Located).
    private ISymbol? _topMember;

    public MemberWalker(Compilation compilation, INamedTypeSymbol root, List<DiagnosticInfo> diagnostics, CancellationToken ct)
    {
        _compilation = compilation;
        _root = root;
        _parameterType = compilation.GetTypeByMetadataName(TypeNames.Parameter);
        _diagnostics = diagnostics;
        _ct = ct;
    }

    /// <summary>The root's parameter members.</summary>
    public EquatableArray<ParameterMember> Walk() => _parameterType is null ? EquatableArray<ParameterMember>.Empty : WalkType(_root, reportDiagnostics: true);

    /// <summary>Whether any parameter is found anywhere in the tree.</summary>
    public static bool HasParameters(EquatableArray<ParameterMember> members)
    {
        foreach (ParameterMember m in members)
        {
            if (m.Kind is MemberKind.Parameter or MemberKind.ParameterCollection || HasParameters(m.Children))
            {
                return true;
            }
        }

        return false;
    }

    private EquatableArray<ParameterMember> WalkType(ITypeSymbol type, bool reportDiagnostics)
    {
        var found = new List<ParameterMember>();
        _stack.Add(type);
        try
        {
            foreach ((ISymbol member, ISymbol? hiddenBy) in CandidateMembers(type))
            {
                _ct.ThrowIfCancellationRequested();
                if (_stack.Count == 1)
                {
                    _topMember = member;
                }

                if (hiddenBy is not null)
                {
                    // `receiver.Name` in generated code resolves to the hiding member, so the hidden one cannot be
                    // reached; say so when it is a parameter member and the hiding is a `new`, not an override.
                    if (reportDiagnostics && !hiddenBy.IsOverride && Classify(member, type, reportDiagnostics: false) is not null)
                    {
                        Report(DiagnosticDescriptors.HiddenParameterMember, hiddenBy, hiddenBy.ContainingType.Name, member.Name);
                    }

                    continue;
                }

                ParameterMember? m = Classify(member, type, reportDiagnostics);
                if (m is not null)
                {
                    found.Add(m);
                }
            }
        }
        finally
        {
            _stack.RemoveAt(_stack.Count - 1);
        }

        return found.ToEquatableArray();
    }

    private ParameterMember? Classify(ISymbol member, ITypeSymbol container, bool reportDiagnostics)
    {
        if (HasAttribute(member, TypeNames.FrozenAttribute) || HasAttribute(member, TypeNames.SamIgnoreAttribute))
        {
            return null;
        }

        ITypeSymbol memberType = member is IFieldSymbol f ? f.Type : ((IPropertySymbol)member).Type;
        bool nullable = memberType.NullableAnnotation == NullableAnnotation.Annotated;
        bool perturbed = !HasAttribute(member, TypeNames.ExcludeFromPerturbationAttribute);
        ParameterMember? result = null;

        if (IsParameter(memberType))
        {
            result = new ParameterMember(member.Name, MemberKind.Parameter, CollectionKind.None, nullable, false, perturbed, EquatableArray<ParameterMember>.Empty);
        }
        else if (TryGetCollectionElement(memberType, out ITypeSymbol? element, out CollectionKind collection))
        {
            bool elementNullable = element!.NullableAnnotation == NullableAnnotation.Annotated;
            if (IsParameter(element))
            {
                result = new ParameterMember(member.Name, MemberKind.ParameterCollection, collection, nullable, elementNullable, perturbed, EquatableArray<ParameterMember>.Empty);
            }
            else if (ModuleChildren(member, element, reportDiagnostics) is { Count: > 0 } children)
            {
                result = new ParameterMember(member.Name, MemberKind.ModuleCollection, collection, nullable, elementNullable, perturbed, children, ModuleTypeName(element));
            }
            else if (reportDiagnostics && MentionsParameter(element, 0))
            {
                Report(DiagnosticDescriptors.UnsupportedMemberType, member, member.Name, memberType.ToDisplayString());
            }
        }
        else if (ModuleChildren(member, memberType, reportDiagnostics) is { Count: > 0 } children)
        {
            result = new ParameterMember(member.Name, MemberKind.Module, CollectionKind.None, nullable, false, perturbed, children, ModuleTypeName(memberType));
        }
        else if (reportDiagnostics && MentionsParameter(memberType, 0))
        {
            Report(DiagnosticDescriptors.UnsupportedMemberType, member, member.Name, memberType.ToDisplayString());
        }

        // Generated code reads the member through a receiver of the walked type (`this` for the root), so a
        // protected member of a sub-module or a property whose getter is private does not qualify.
        if (result is not null && !IsReadable(member, container))
        {
            // Inside a sub-module too (whose other diagnostics belong to that type) when the member looks meant to
            // be reached (protected, or a property whose getter is hidden): leaving it out of the optimizer must not
            // be silent. A private field of a sub-module is its own business. Once per module type per model.
            if (reportDiagnostics || (_stack.Count > 1 && member.DeclaredAccessibility != Accessibility.Private && member.Locations.Any(l => l.IsInSource)))
            {
                Report(DiagnosticDescriptors.InaccessibleMember, member, member.Name, container.Name, _root.Name);
            }

            return null;
        }

        return result;
    }

    // How generated code names a sub-module type: fully qualified, keywords escaped, and with the nullability of its
    // type arguments (Block<string?> passed as a Block<string> would be a nullability warning), not its own.
    private static readonly SymbolDisplayFormat s_moduleTypeFormat =
        SymbolDisplayFormat.FullyQualifiedFormat.AddMiscellaneousOptions(SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier);

    private static string ModuleTypeName(ITypeSymbol type) =>
        type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString(s_moduleTypeFormat);

    private bool IsReadable(ISymbol member, ITypeSymbol receiver) =>
        _compilation.IsSymbolAccessibleWithin(member, _root, receiver)
        && (member is not IPropertySymbol { GetMethod: { } getter } || _compilation.IsSymbolAccessibleWithin(getter, _root, receiver));

    // The parameter members of a candidate sub-module type, or null when it is not one.
    private EquatableArray<ParameterMember>? ModuleChildren(ISymbol member, ITypeSymbol type, bool reportDiagnostics)
    {
        if (type is not INamedTypeSymbol { TypeKind: TypeKind.Class } named || IsForeignType(named) || IsParameter(named) || IsSamRuntimeType(named))
        {
            return null;
        }

        ITypeSymbol key = named.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
        if (_stack.Contains(key, SymbolEqualityComparer.Default))
        {
            // Only a type that really holds parameters is worth a warning; a back-reference to a parent is common.
            if (reportDiagnostics && !SymbolEqualityComparer.Default.Equals(key, _root))
            {
                Report(DiagnosticDescriptors.RecursiveModule, member, member.Name, named.ToDisplayString());
            }

            return null;
        }

        // _stack holds the root and the sub-modules above this member: this module would be level _stack.Count.
        if (_stack.Count > MaxDepth)
        {
            _truncations++;
            if (_reportedTooDeep.Add(member) && HoldsParameters(named))
            {
                _diagnostics.Add(DiagnosticInfo.Create(
                    DiagnosticDescriptors.ModuleTooDeep,
                    Located(member),
                    member.Name,
                    member.ContainingType?.Name ?? "",
                    _stack.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _root.Name,
                    MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            }

            return null;
        }

        if (!_moduleCache.TryGetValue(key, out EquatableArray<ParameterMember> children)
            && !_truncatedCache.TryGetValue((key, _stack.Count), out children))
        {
            // Diagnostics inside a sub-module type belong to that type's own members: report them once, at the top level only.
            int truncationsBefore = _truncations;
            children = WalkType(key, reportDiagnostics: false);
            if (_truncations == truncationsBefore)
            {
                _moduleCache[key] = children;
            }
            else
            {
                _truncatedCache[(key, _stack.Count)] = children;
            }
        }

        return HasParameters(children) ? children : null;
    }

    // Each candidate with the member of a more derived type in the chain that hides it by name (null when none):
    // generated code names members, and a name always resolves to the most derived declaration.
    private IEnumerable<(ISymbol Member, ISymbol? HiddenBy)> CandidateMembers(ITypeSymbol type)
    {
        var chain = new List<ITypeSymbol>();
        for (ITypeSymbol? t = type; t is not null && t.SpecialType != SpecialType.System_Object && !IsForeignType(t) && t.ToDisplayString() != "TorchSharp.torch.nn.Module"; t = t.BaseType)
        {
            chain.Add(t);
        }

        chain.Reverse();
        for (int level = 0; level < chain.Count; level++)
        {
            ITypeSymbol t = chain[level];
            ImmutableArray<ISymbol> members = t.GetMembers();
            var autoProperties = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (ISymbol m in members)
            {
                if (m is IFieldSymbol { IsImplicitlyDeclared: true, AssociatedSymbol: IPropertySymbol p })
                {
                    autoProperties.Add(p);
                }
            }

            foreach (ISymbol m in members)
            {
                if (m.IsStatic || m.IsImplicitlyDeclared)
                {
                    continue;
                }

                // An override is reached through the virtual property it overrides, which the walk visits lower in the chain.
                if (m is IPropertySymbol { OverriddenProperty: { } overridden } && chain.Contains(overridden.ContainingType, SymbolEqualityComparer.Default) && IsVisitedProperty(overridden))
                {
                    continue;
                }

                if (m is IFieldSymbol
                    || (m is IPropertySymbol { IsIndexer: false, GetMethod: not null } p
                        && (autoProperties.Contains(p) || (p.DeclaringSyntaxReferences.IsEmpty && p.DeclaredAccessibility != Accessibility.Private))))
                {
                    yield return (m, HidingMember(chain, level, m.Name));
                }
            }
        }
    }

    // Whether CandidateMembers yields this property from its own type (an auto-property, or a non-private metadata property).
    private static bool IsVisitedProperty(IPropertySymbol p) =>
        p.DeclaringSyntaxReferences.IsEmpty
            ? p.DeclaredAccessibility != Accessibility.Private
            : p.ContainingType.GetMembers().Any(f => f is IFieldSymbol { IsImplicitlyDeclared: true } backing && SymbolEqualityComparer.Default.Equals(backing.AssociatedSymbol, p));

    private static ISymbol? HidingMember(List<ITypeSymbol> chain, int level, string name)
    {
        for (int derived = chain.Count - 1; derived > level; derived--)
        {
            foreach (ISymbol m in chain[derived].GetMembers(name))
            {
                if (!m.IsImplicitlyDeclared && !m.IsOverride)
                {
                    return m;
                }
            }
        }

        return null;
    }

    private bool IsParameter(ITypeSymbol type) => SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, _parameterType);

    private static bool TryGetCollectionElement(ITypeSymbol type, out ITypeSymbol? element, out CollectionKind kind)
    {
        if (type is IArrayTypeSymbol { Rank: 1 } array)
        {
            element = array.ElementType;
            kind = CollectionKind.Array;
            return true;
        }

        if (type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named)
        {
            string definition = named.OriginalDefinition.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
            if (definition is "global::System.Collections.Generic.List<T>" or "global::System.Collections.Generic.IList<T>" or "global::System.Collections.Generic.IReadOnlyList<T>")
            {
                element = named.TypeArguments[0];
                kind = CollectionKind.List;
                return true;
            }
        }

        element = null;
        kind = CollectionKind.None;
        return false;
    }

    // Does a type mention Parameter anywhere in its shape (Dictionary<string, Parameter>, Parameter[,], a struct
    // with Parameter fields, ...)? Structs are looked into once each per question, so self-references end, and the
    // rest is bounded by how deeply the type is written; the depth guard only keeps the recursion off the stack's edge
    // (it used to be 8, which let List<List<…9 levels…<Parameter>>> go unreported).
    private bool MentionsParameter(ITypeSymbol type, int depth, HashSet<ITypeSymbol>? structs = null)
    {
        if (depth > 512)
        {
            return false;
        }

        if (IsParameter(type))
        {
            return true;
        }

        switch (type)
        {
            case IArrayTypeSymbol a:
                return MentionsParameter(a.ElementType, depth + 1, structs);
            case INamedTypeSymbol n:
                foreach (ITypeSymbol t in n.TypeArguments)
                {
                    if (MentionsParameter(t, depth + 1, structs))
                    {
                        return true;
                    }
                }

                // A struct cannot be a sub-module (generated code needs a reference to walk it), and an interface has
                // no fields or auto-properties to visit, so their parameters would be skipped without a word.
                if (n.TypeKind is TypeKind.Struct or TypeKind.Interface && !IsForeignType(n) && (structs ??= new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default)).Add(n.OriginalDefinition))
                {
                    foreach (ISymbol m in n.GetMembers())
                    {
                        ITypeSymbol? held = m switch
                        {
                            IFieldSymbol { IsStatic: false } f => f.Type,
                            IPropertySymbol { IsStatic: false, IsIndexer: false } p when n.TypeKind == TypeKind.Interface => p.Type,
                            _ => null,
                        };
                        if (held is not null && MentionsParameter(held, depth + 1, structs))
                        {
                            return true;
                        }
                    }
                }

                return false;
            default:
                return false;
        }
    }

    // A type from a referenced assembly that neither is Sam.Runtime nor references it: it cannot declare a Parameter
    // member (a constructed one, List<Parameter> or Tuple<Parameter>, is handled by the collection and SAM0003 checks).
    // Source types are never foreign, whatever their namespace.
    private bool IsForeignType(ITypeSymbol type)
    {
        IAssemblySymbol? assembly = type.ContainingAssembly;
        if (assembly is null || SymbolEqualityComparer.Default.Equals(assembly, _compilation.Assembly))
        {
            return false;
        }

        if (_parameterType?.ContainingAssembly is not { } sam)
        {
            return true;
        }

        if (!_foreignAssemblies.TryGetValue(assembly, out bool foreign))
        {
            foreign = assembly.Identity.Name != sam.Identity.Name
                && !assembly.Modules.Any(m => m.ReferencedAssemblies.Any(r => r.Name == sam.Identity.Name));
            _foreignAssemblies[assembly] = foreign;
        }

        return foreign;
    }

    // Whether any parameter is reachable from a module type, however deep (for SAM0019: a cut-off chain of
    // parameter-free objects is not worth a warning). Iterative over the type graph, each type once.
    private bool HoldsParameters(INamedTypeSymbol start)
    {
        var seen = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default) { start };
        var pending = new Stack<ITypeSymbol>();
        pending.Push(start);
        while (pending.Count > 0)
        {
            _ct.ThrowIfCancellationRequested();
            foreach ((ISymbol member, ISymbol? hiddenBy) in CandidateMembers(pending.Pop()))
            {
                if (hiddenBy is not null || HasAttribute(member, TypeNames.FrozenAttribute) || HasAttribute(member, TypeNames.SamIgnoreAttribute))
                {
                    continue;
                }

                ITypeSymbol held = member is IFieldSymbol f ? f.Type : ((IPropertySymbol)member).Type;
                if (TryGetCollectionElement(held, out ITypeSymbol? element, out _))
                {
                    held = element!;
                }

                if (IsParameter(held))
                {
                    return true;
                }

                if (held is INamedTypeSymbol { TypeKind: TypeKind.Class } named && !IsForeignType(named) && !IsSamRuntimeType(named) && !IsParameter(named))
                {
                    ITypeSymbol key = named.WithNullableAnnotation(NullableAnnotation.NotAnnotated);
                    if (seen.Add(key))
                    {
                        pending.Push(key);
                    }
                }
            }
        }

        return false;
    }

    private sealed class TruncatedKeyComparer : IEqualityComparer<(ITypeSymbol Type, int Depth)>
    {
        public static readonly TruncatedKeyComparer Instance = new();

        public bool Equals((ITypeSymbol Type, int Depth) x, (ITypeSymbol Type, int Depth) y) =>
            x.Depth == y.Depth && SymbolEqualityComparer.Default.Equals(x.Type, y.Type);

        public int GetHashCode((ITypeSymbol Type, int Depth) obj) =>
            Polyfills.Hash.Combine(SymbolEqualityComparer.Default.GetHashCode(obj.Type), obj.Depth);
    }

    // The runtime's own types (the optimizer a generated Optimizer property returns, which can list its
    // parameters) are never sub-modules of a model: they hold the model's parameters, they are not more of them.
    private static bool IsSamRuntimeType(INamedTypeSymbol type) =>
        type.ContainingAssembly?.Name is TypeNames.RuntimeAssembly or TypeNames.TorchSharpAssembly;

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

    // Where a diagnostic about a member goes. The analyzer reports from the model's symbol action, and a diagnostic
    // outside the files that declare the symbol is "non-local": the IDE's per-file analysis never shows it (only a
    // build or full-solution analysis does), and a #pragma in the model's file cannot reach it. So: on the member when
    // it is declared in one of the model's files; else on the model's member it is reached through (a sub-module's
    // member, say Deep31.Next of a chain declared in another file, which the message names); else (that one is
    // inherited from a base class declared elsewhere) on the model's name.
    private LocationInfo? Located(ISymbol member)
    {
        foreach (ISymbol? candidate in new[] { member, _topMember })
        {
            foreach (Location l in candidate?.Locations ?? ImmutableArray<Location>.Empty)
            {
                if (l.IsInSource && _root.DeclaringSyntaxReferences.Any(r => r.SyntaxTree == l.SourceTree))
                {
                    return LocationInfo.From(l);
                }
            }
        }

        return LocationInfo.From(_root.Locations.FirstOrDefault(l => l.IsInSource));
    }

    private void Report(DiagnosticDescriptor descriptor, ISymbol member, params string[] args) =>
        _diagnostics.Add(DiagnosticInfo.Create(descriptor, Located(member), args));
}
