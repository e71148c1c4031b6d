using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Text;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>An expected diagnostic: id and span in the unmarked source.</summary>
public readonly record struct ExpectedDiagnostic(string Id, TextSpan Span);

/// <summary>
/// Parses <c>{|SAM0001:text|}</c> markers (CommunityToolkit's syntax) out of test source, returning the plain
/// source and the expected diagnostics. Markers nest, so two diagnostics can share or overlap a span:
/// <c>{|SAM0100:{|SAM0111:x|}|}</c>.
/// </summary>
public static partial class Markup
{
    public static (string Source, IReadOnlyList<ExpectedDiagnostic> Expected) Parse(string marked)
    {
        var sb = new StringBuilder();
        var expected = new List<ExpectedDiagnostic>();
        var open = new Stack<(string Id, int Start)>();
        int i = 0;
        while (i < marked.Length)
        {
            Match m = Opening().Match(marked, i);
            if (m.Success && m.Index == i)
            {
                open.Push((m.Groups["id"].Value, sb.Length));
                i += m.Length;
            }
            else if (open.Count > 0 && string.CompareOrdinal(marked, i, "|}", 0, 2) == 0)
            {
                (string id, int start) = open.Pop();
                expected.Add(new ExpectedDiagnostic(id, TextSpan.FromBounds(start, sb.Length)));
                i += 2;
            }
            else
            {
                sb.Append(marked[i]);
                i++;
            }
        }

        return (sb.ToString(), expected);
    }

    [GeneratedRegex(@"\{\|(?<id>[A-Z]+[0-9]+):")]
    private static partial Regex Opening();
}
