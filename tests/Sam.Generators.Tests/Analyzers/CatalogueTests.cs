using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Diagnostics;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>The catalogue (by reflection), the release-tracking files and docs/diagnostics agree, id by id.</summary>
public class CatalogueTests
{
    private static readonly DiagnosticDescriptor[] s_fields = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
        .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
        .ToArray();

    [Fact]
    public void Every_descriptor_is_in_All_once_in_id_order_and_in_an_allowed_range()
    {
        string[] ids = DiagnosticDescriptors.All.Select(d => d.Id).ToArray();
        Assert.Equal(s_fields.Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal), ids.OrderBy(i => i, StringComparer.Ordinal));
        Assert.Equal(ids.Distinct().Count(), ids.Length);
        Assert.Equal(ids.OrderBy(i => i, StringComparer.Ordinal), ids);
        Assert.All(ids, id =>
        {
            Assert.Matches("^SAM[0-9]{4}$", id);
            int n = int.Parse(id.AsSpan(3), provider: System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(n is >= 1 and <= 99 or >= 100 and <= 149, id + " is outside SAM0001–SAM0099 / SAM0100–SAM0149");
        });
    }

    [Fact]
    public void Titles_messages_links_and_categories_follow_the_rules()
    {
        Assert.All(DiagnosticDescriptors.All, d =>
        {
            string title = d.Title.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string message = d.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.False(title.EndsWith('.'), d.Id + ": title ends with a period");
            Assert.False(message.EndsWith('.'), d.Id + ": message ends with a period");

            // One sentence: no sentence break other than inside "et al.".
            Assert.DoesNotMatch(@"(?<!et al)\. [A-Z]", message);
            Assert.Equal(DiagnosticDescriptors.HelpLinkBase + d.Id + ".md", d.HelpLinkUri);
            bool theory = string.CompareOrdinal(d.Id, "SAM0100") >= 0;
            Assert.Equal(theory ? DiagnosticCategories.Theory : DiagnosticCategories.Usage, d.Category);
            if (theory)
            {
                // Every theory message cites its source.
                Assert.Matches(@"\((Si & Yun|Khanh et al\.|Kim et al\.|Park et al\.|Liu et al\.)[^)]*20\d\d\)$", message);
                Assert.DoesNotContain("diverge", message, StringComparison.OrdinalIgnoreCase);
            }
        });
    }

    [Fact]
    public void Each_analyzer_supports_exactly_its_share_and_together_the_whole_catalogue()
    {
        var supported = AnalyzerRunner.Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).ToList();
        Assert.Equal(DiagnosticDescriptors.All.Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal), supported.OrderBy(i => i, StringComparer.Ordinal));
        Assert.All(new SamTheoryAnalyzer().SupportedDiagnostics, d => Assert.Equal(DiagnosticCategories.Theory, d.Category));
    }

    [Fact]
    public void Release_tracking_lists_every_id_once_with_its_category_and_severity()
    {
        var rows = new Dictionary<string, (string Category, string Severity)>();
        foreach (string file in new[] { "AnalyzerReleases.Shipped.md", "AnalyzerReleases.Unshipped.md" })
        {
            foreach (string line in File.ReadAllLines(Path.Combine(RepoRoot(), "src", "Sam.Generators", file)))
            {
                Match m = Regex.Match(line, @"^(SAM\d{4})\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|");
                if (m.Success)
                {
                    Assert.True(rows.TryAdd(m.Groups[1].Value, (m.Groups[2].Value, m.Groups[3].Value)), m.Groups[1].Value + " listed twice");
                }
            }
        }

        Assert.Equal(DiagnosticDescriptors.All.Select(d => d.Id).OrderBy(i => i, StringComparer.Ordinal), rows.Keys.OrderBy(i => i, StringComparer.Ordinal));
        Assert.All(DiagnosticDescriptors.All, d => Assert.Equal((d.Category, d.DefaultSeverity.ToString()), rows[d.Id]));
    }

    [Fact]
    public void Every_id_has_a_docs_page_with_the_required_sections_and_an_index_entry()
    {
        string docs = Path.Combine(RepoRoot(), "docs", "diagnostics");
        string index = File.ReadAllText(Path.Combine(docs, "README.md"));
        Assert.All(DiagnosticDescriptors.All, d =>
        {
            string page = Path.Combine(docs, d.Id + ".md");
            Assert.True(File.Exists(page), "missing " + page);
            string text = File.ReadAllText(page);
            Assert.StartsWith($"# {d.Id}: {d.Title}", text, StringComparison.Ordinal);
            Assert.Matches($@"\| (Default severity|Severity) \| {d.DefaultSeverity} \|", text);
            Assert.Contains("## How to fix", text, StringComparison.Ordinal);

            // The usage (SAM0001–SAM0049) and theory pages share one layout; SAM0050–SAM0069 belong to other areas.
            int n = int.Parse(d.Id.AsSpan(3), provider: System.Globalization.CultureInfo.InvariantCulture);
            if (n is < 50 or >= 100)
            {
                foreach (string section in new[] { "## What it means", "## Why", "## The theorem", "## How to silence" })
                {
                    Assert.Contains(section, text, StringComparison.Ordinal);
                }

                Assert.Contains("#pragma warning disable " + d.Id, text, StringComparison.Ordinal);
                Assert.Contains($"dotnet_diagnostic.{d.Id}.severity", text, StringComparison.Ordinal);
            }

            Assert.Contains($"[{d.Id}]({d.Id}.md)", index, StringComparison.Ordinal);
        });

        // No page for an id that does not exist (a renamed or removed id would leave one behind).
        var ids = DiagnosticDescriptors.All.Select(d => d.Id).ToHashSet();
        Assert.All(Directory.GetFiles(docs, "SAM*.md"), f => Assert.Contains(Path.GetFileNameWithoutExtension(f), ids));
    }

    private static string RepoRoot([CallerFilePath] string here = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(here)!, "..", "..", ".."));
}
