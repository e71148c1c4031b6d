using System;
using System.ComponentModel;

namespace Sam.CompilerServices;

/// <summary>
/// What code emitted by the Sam.Dsl source generator calls, and nothing else should: not user API, and free to
/// change between versions together with the generator that ships in the same package.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class GeneratedModelSupport
{
    /// <summary>Returns <paramref name="value"/>, or throws an exception naming the model member when it is null.</summary>
    /// <typeparam name="T">The member's type.</typeparam>
    /// <param name="value">The member's value.</param>
    /// <param name="memberPath">The member, "[]" marking collection elements.</param>
    /// <param name="indices">The element index of each "[]", outermost first.</param>
    /// <returns>The non-null value.</returns>
    /// <exception cref="InvalidOperationException">The member is null.</exception>
    public static T Required<T>(T? value, string memberPath, ReadOnlySpan<int> indices = default)
        where T : class =>
        value ?? throw new InvalidOperationException(
            $"Model member {SamCheckpoint.FormatPath(memberPath, indices)} is null; SAM needs every non-nullable parameter member to be set (annotate it as nullable to make it optional).");
}
