using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using Sam.Generators.Model;

namespace Sam.Generators.Parsing;

/// <summary>
/// Hint names of the generated files. AddSource throws into the compiler (CS8785) on a duplicate hint name, and
/// hint names compare case-insensitively (<see cref="StringComparer.OrdinalIgnoreCase"/>), so two models whose
/// names differ only by letter case (<c>N.Net</c> and <c>N.NET</c>, namespaces <c>A.net</c> and <c>a.Net</c>)
/// would otherwise collide.
/// </summary>
internal static class HintNames
{
    public const string Suffix = ".Sam.g.cs";

    /// <summary>
    /// One file per type, named after its metadata name. The encoding is one-to-one, and ASCII-only so that
    /// case-insensitive comparison means the same on every compiler host: <c>N.Net`1</c>, <c>N.Net_1</c>,
    /// <c>N.A+B</c> and <c>N.A_B</c> may all be annotated in one project. '_' is the escape character: "__" is '_',
    /// "_N" a nesting '+', "_G" the '`' of a generic arity, "_uXXXX" any other character (non-ASCII letters too);
    /// "_C" is reserved for <see cref="Resolve"/>.
    /// </summary>
    public static string For(string metadataName)
    {
        var sb = new StringBuilder();
        foreach (char c in metadataName)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.')
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
                    _ => "_u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture),
                });
            }
        }

        return sb.Append(Suffix).ToString();
    }

    /// <summary>
    /// The case-insensitive keys shared by more than one (ordinally different) hint name, sorted: usually empty,
    /// so the source outputs that depend on it stay cached whatever else changes.
    /// </summary>
    public static EquatableArray<string> Collisions(ImmutableArray<string> hints) =>
        hints
            .Distinct(StringComparer.Ordinal)
            .GroupBy(Key, StringComparer.Ordinal)
            .Where(g => g.Count() > 1)
            .Select(g => g.Key)
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToEquatableArray();

    /// <summary>
    /// <paramref name="hint"/>, or — when another model's hint name equals it but for letter case — the hint with
    /// "_C" and the hex mask of its upper-case letters inserted before <see cref="Suffix"/>. The mask tells apart
    /// exactly the names that differ only by case, it depends on the name alone (deterministic whatever order the
    /// models come in), and no other hint holds the escape "_C" (read escape by escape from the left, "__" and "_u"
    /// included, case ignored), so the result is unique case-insensitively.
    /// </summary>
    public static string Resolve(string hint, EquatableArray<string> collisions)
    {
        if (collisions.Count == 0 || collisions.AsImmutableArray().BinarySearch(Key(hint), StringComparer.Ordinal) < 0)
        {
            return hint;
        }

        string stem = hint.EndsWith(Suffix, StringComparison.Ordinal) ? hint.Substring(0, hint.Length - Suffix.Length) : hint;
        var bits = new List<bool>();
        foreach (char c in stem)
        {
            if (c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z'))
            {
                bits.Add(c is >= 'A' and <= 'Z');
            }
        }

        var mask = new StringBuilder();
        for (int i = 0; i < bits.Count; i += 4)
        {
            int nibble = 0;
            for (int j = i; j < Math.Min(i + 4, bits.Count); j++)
            {
                nibble = (nibble << 1) | (bits[j] ? 1 : 0);
            }

            mask.Append("0123456789abcdef"[nibble]);
        }

        return stem + "_C" + mask + Suffix;
    }

    private static string Key(string hint) => hint.ToUpperInvariant();
}
