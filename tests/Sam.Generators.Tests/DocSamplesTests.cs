using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// Every ```csharp block in README.md, src/Sam.Runtime/README.md and docs/*.md is compiled with the generator, warnings as errors, so the
/// documentation cannot drift from the API. An HTML comment on the line before a block says how to compile it:
/// <list type="bullet">
/// <item>no comment, or <c>&lt;!-- sample: file --&gt;</c>: a complete file, compiled as is (a console program when
/// it has top-level statements);</item>
/// <item><c>&lt;!-- sample: declarations --&gt;</c>: types or attributes-on-types, with the usings below prepended;</item>
/// <item><c>&lt;!-- sample: attribute --&gt;</c>: attribute lines for a model class; a one-parameter
/// <c>partial class</c> is appended;</item>
/// <item><c>&lt;!-- sample: statements; given: Mlp model, Batch batch --&gt;</c>: statements, compiled as the body
/// of a method whose parameters are the <c>given</c> list;</item>
/// <item><c>&lt;!-- sample: skip (reason) --&gt;</c>: not compiled; the reason is required.</item>
/// </list>
/// Options after the kind: <c>id: name</c> names a block; <c>with: name, name</c> compiles the named blocks
/// (from any of the documents) alongside this one — how a statements block gets its model class.
/// </summary>
public class DocSamplesTests
{
    private const string Usings = "using System;\nusing System.Collections.Generic;\nusing System.IO;\nusing Sam;\n";

    private static readonly Regex s_marker = new(@"^<!--\s*sample:\s*(?<body>.*?)\s*-->$", RegexOptions.CultureInvariant);

    public static TheoryData<string> Samples()
    {
        var data = new TheoryData<string>();
        foreach (Sample sample in AllSamples.Value)
        {
            data.Add(sample.Location);
        }

        return data;
    }

    [Fact]
    public void Every_document_is_read_and_every_block_is_compiled_or_skipped_with_a_reason()
    {
        IReadOnlyList<Sample> samples = AllSamples.Value;
        Assert.Contains(samples, s => s.Location.StartsWith("README.md", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.Location.StartsWith("src/Sam.Runtime/README.md", StringComparison.Ordinal));
        Assert.Contains(samples, s => s.Location.StartsWith("docs/getting-started.md", StringComparison.Ordinal));
        Assert.All(samples.Where(s => s.Kind == "skip"), s => Assert.False(string.IsNullOrWhiteSpace(s.SkipReason), s.Location));
        Assert.All(samples.SelectMany(s => s.With), id => Assert.Contains(samples, s => s.Id == id));

        // C# under another fence name would escape the check: only ```csharp is recognised.
        string root = RepositoryRoot();
        foreach (string document in Documents(root))
        {
            string[] lines = File.ReadAllLines(document);
            Assert.DoesNotContain(lines, l => l.Trim() is "```cs" or "```c#" or "```C#");
        }
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Sample_compiles_with_the_generator(string location)
    {
        Sample sample = AllSamples.Value.Single(s => s.Location == location);
        if (sample.Kind == "skip")
        {
            return; // documented as not compilable, with a reason (checked above)
        }

        var sources = new List<string>();
        foreach (string id in sample.With)
        {
            sources.Add(Wrap(AllSamples.Value.Single(s => s.Id == id)));
        }

        sources.Add(Wrap(sample));
        CSharpCompilation compilation = CompilationFactory.Create(sources, extraReferences: TorchSharpReferences.All, assemblyName: "DocSample");
        bool hasTopLevelStatements = compilation.SyntaxTrees.Any(t => t.GetRoot().ChildNodes().OfType<GlobalStatementSyntax>().Any());
        if (hasTopLevelStatements)
        {
            compilation = compilation.WithOptions(compilation.Options.WithOutputKind(OutputKind.ConsoleApplication));
        }

        GeneratorResult result = GeneratorRunner.Run(compilation);
        var problems = result.GeneratorDiagnostics
            .Where(d => d.Severity >= DiagnosticSeverity.Warning)
            .Select(d => d.ToString())
            .Concat(CompilationFactory.Errors(result.Output))
            .ToList();
        Assert.True(problems.Count == 0, $"{location} ({sample.Kind}):\n{string.Join("\n", problems)}\n--- compiled as ---\n{string.Join("\n---\n", sources)}");
    }

    private static string Wrap(Sample sample) => sample.Kind switch
    {
        "file" => sample.Code,
        "declarations" => Usings + sample.Code,
        "attribute" => Usings + sample.Code + "\npublic partial class DocSampleModel { public Parameter W { get; } = Parameter.Zeros(\"w\", 4); }\n",
        "statements" => Usings + "internal static class DocSample\n{\n    internal static void Run(" + sample.Given + ")\n    {\n" + sample.Code + "\n    }\n}\n",
        _ => throw new InvalidOperationException($"{sample.Location}: unknown sample kind '{sample.Kind}'"),
    };

    private static readonly Lazy<IReadOnlyList<Sample>> AllSamples = new(() => ReadSamples(RepositoryRoot()));

    private static string RepositoryRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    private static IReadOnlyList<Sample> ReadSamples(string root)
    {
        var samples = new List<Sample>();
        foreach (string document in Documents(root))
        {
            string relative = Path.GetRelativePath(root, document).Replace('\\', '/');
            string[] lines = File.ReadAllText(document).Replace("\r\n", "\n").Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Trim() != "```csharp")
                {
                    continue;
                }

                int start = i;
                var code = new StringBuilder();
                for (i++; i < lines.Length && lines[i].Trim() != "```"; i++)
                {
                    code.Append(lines[i]).Append('\n');
                }

                string marker = start > 0 ? lines[start - 1].Trim() : "";
                samples.Add(Parse($"{relative}:{start + 1}", marker, code.ToString()));
            }
        }

        var duplicate = samples.Where(s => s.Id is not null).GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1);
        return duplicate is null ? samples : throw new InvalidOperationException($"sample id '{duplicate.Key}' is used twice");
    }

    /// <summary>README.md, the package's README (shown on its NuGet page) and docs/*.md (not docs/diagnostics).</summary>
    private static IEnumerable<string> Documents(string root) =>
        new[] { Path.Combine(root, "README.md"), Path.Combine(root, "src", "Sam.Runtime", "README.md") }
            .Concat(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").OrderBy(p => p, StringComparer.Ordinal));

    private static Sample Parse(string location, string marker, string code)
    {
        Match match = s_marker.Match(marker);
        if (!match.Success)
        {
            return new Sample(location, "file", code, Id: null, With: [], Given: "", SkipReason: null);
        }

        string body = match.Groups["body"].Value;
        if (body.StartsWith("skip", StringComparison.Ordinal))
        {
            Match reason = Regex.Match(body, @"^skip\s*\((?<reason>.+)\)$");
            return reason.Success
                ? new Sample(location, "skip", code, Id: null, With: [], Given: "", SkipReason: reason.Groups["reason"].Value)
                : throw new InvalidOperationException($"{location}: 'skip' needs a reason in parentheses: {marker}");
        }

        string[] parts = body.Split(';').Select(p => p.Trim()).ToArray();
        string? id = null, given = "";
        string[] with = [];
        foreach (string option in parts.Skip(1))
        {
            int colon = option.IndexOf(':');
            string key = colon < 0 ? option : option[..colon].Trim();
            string value = colon < 0 ? "" : option[(colon + 1)..].Trim();
            switch (key)
            {
                case "id": id = value; break;
                case "with": with = value.Split(',').Select(v => v.Trim()).ToArray(); break;
                case "given": given = value; break;
                default: throw new InvalidOperationException($"{location}: unknown sample option '{key}'");
            }
        }

        return new Sample(location, parts[0], code, id, with, given, SkipReason: null);
    }

    private sealed record Sample(string Location, string Kind, string Code, string? Id, string[] With, string Given, string? SkipReason);
}
