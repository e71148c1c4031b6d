using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.Text;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>An expected diagnostic: id and span in the unmarked source.</summary>
public readonly record struct ExpectedDiagnostic(string Id, TextSpan Span);

/// <summary>
/// Parses <c>{|SAM0001:text|}</c> markers (CommunityToolkit's syntax) out of test source, returning the plain
/// source and the expected diagnostics. Markers do not nest.
/// </summary>
public static partial class Markup
{
    public static (string Source, IReadOnlyList<ExpectedDiagnostic> Expected) Parse(string marked)
    {
        var sb = new StringBuilder();
        var expected = new List<ExpectedDiagnostic>();
        int last = 0;
        foreach (Match m in Marker().Matches(marked))
        {
            sb.Append(marked, last, m.Index - last);
            int start = sb.Length;
            sb.Append(m.Groups["text"].Value);
            expected.Add(new ExpectedDiagnostic(m.Groups["id"].Value, TextSpan.FromBounds(start, sb.Length)));
            last = m.Index + m.Length;
        }

        sb.Append(marked, last, marked.Length - last);
        return (sb.ToString(), expected);
    }

    [GeneratedRegex(@"\{\|(?<id>[A-Z]+[0-9]+):(?<text>.*?)\|\}", RegexOptions.Singleline)]
    private static partial Regex Marker();
}
