using System;
using System.ComponentModel;

namespace Sam.CompilerServices;

/// <summary>
/// What the parameter walk emitted by the Sam.Dsl source generator (a model's <c>VisitParameters</c>) calls, and
/// nothing else should: not user API, free to change between versions together with the generator that ships in
/// the same package.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SamWalk
{
    /// <summary>Hands one parameter member to the visitor, or throws an exception naming the member when it is null.</summary>
    /// <typeparam name="TVisitor">The visitor type.</typeparam>
    /// <param name="visitor">The visitor.</param>
    /// <param name="parameter">The member's value.</param>
    /// <param name="memberPath">The member, "[]" marking collection elements.</param>
    /// <param name="indices">The element index of each "[]", outermost first.</param>
    /// <param name="perturbed">False under <c>[ExcludeFromPerturbation]</c>.</param>
    /// <exception cref="InvalidOperationException">The member is null.</exception>
    public static void Visit<TVisitor>(ref TVisitor visitor, Parameter? parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        where TVisitor : ISamParameterVisitor =>
        visitor.Visit(parameter ?? throw Missing(memberPath, indices), memberPath, indices, perturbed);

    /// <summary>Returns a required sub-module or collection, or throws an exception naming the member when it is null.</summary>
    /// <typeparam name="T">The member's type.</typeparam>
    /// <param name="value">The member's value.</param>
    /// <param name="memberPath">The member, "[]" marking collection elements.</param>
    /// <param name="indices">The element index of each "[]", outermost first.</param>
    /// <returns>The non-null value.</returns>
    /// <exception cref="InvalidOperationException">The member is null.</exception>
    public static T Required<T>(T? value, string memberPath, ReadOnlySpan<int> indices = default)
        where T : class =>
        value ?? throw Missing(memberPath, indices);

    private static InvalidOperationException Missing(string memberPath, ReadOnlySpan<int> indices) =>
        new($"Model member {SamCheckpoint.FormatPath(memberPath, indices)} is null; SAM needs every non-nullable parameter member to be set (annotate it as nullable to make it optional).");
}
