namespace Sam.Generators.Model;

/// <summary>What a model member holds.</summary>
internal enum MemberKind
{
    /// <summary>One <c>Parameter</c>.</summary>
    Parameter,

    /// <summary>A collection of <c>Parameter</c>s.</summary>
    ParameterCollection,

    /// <summary>A sub-module whose own members hold parameters.</summary>
    Module,

    /// <summary>A collection of sub-modules.</summary>
    ModuleCollection,
}

/// <summary>How a collection member is indexed.</summary>
internal enum CollectionKind
{
    /// <summary>Not a collection.</summary>
    None,

    /// <summary>A one-dimensional array: <c>Length</c> and an indexer.</summary>
    Array,

    /// <summary>List&lt;T&gt;, IList&lt;T&gt; or IReadOnlyList&lt;T&gt;: <c>Count</c> and an indexer (no enumerator is allocated).</summary>
    List,
}

/// <summary>
/// A member that holds parameters, found in declaration order. Sub-module children are relative to the module
/// type, so one module type's children are computed once and shared.
/// </summary>
/// <param name="Name">The member's C# name, as it is accessed.</param>
/// <param name="Kind">What it holds.</param>
/// <param name="Collection">How it is indexed, for collections.</param>
/// <param name="IsNullable">The member is annotated nullable: null means "no parameters here".</param>
/// <param name="ElementIsNullable">Collection elements are annotated nullable.</param>
/// <param name="Perturbed">False when <c>[ExcludeFromPerturbation]</c> is on the member (it applies to everything under it).</param>
/// <param name="Children">For modules: the module type's parameter members.</param>
/// <param name="ModuleType">For modules: the (element) module type, fully qualified with its type arguments'
/// nullability (<c>global::Demo.Block&lt;string?&gt;</c>), the parameter type of its generated walk method; else empty.</param>
internal sealed record ParameterMember(
    string Name,
    MemberKind Kind,
    CollectionKind Collection,
    bool IsNullable,
    bool ElementIsNullable,
    bool Perturbed,
    EquatableArray<ParameterMember> Children,
    string ModuleType = "")
{
    /// <summary>
    /// <see cref="Name"/> as an identifier in generated code: a keyword gets its '@' (<c>this.@class</c>).
    /// <see cref="Name"/> itself stays the plain name, which member paths (checkpoint keys, messages) use.
    /// </summary>
    public string Identifier =>
        Microsoft.CodeAnalysis.CSharp.SyntaxFacts.GetKeywordKind(Name) != Microsoft.CodeAnalysis.CSharp.SyntaxKind.None ? "@" + Name : Name;
}
