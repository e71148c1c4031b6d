using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PackageConsumer;
using Sam.PackageTests.Infrastructure;
using Xunit;

namespace Sam.PackageTests;

/// <summary>
/// The product the way a user meets it: src/Sam.Runtime packed as Sam.Dsl into a local feed, then fresh
/// console projects outside the repository that reference only that package by version. Offline: the feed
/// plus the machine's package folder. The pack runs once for the class (<see cref="PackageFeed"/>).
/// </summary>
public sealed class PackageConsumerTests(PackageFeed feed) : IClassFixture<PackageFeed>
{
    private const int Steps = 8;
    private const string TheoryRemarksMarker = "Configured as SAM";

    [Fact]
    public void The_package_holds_the_runtime_the_analyzers_the_props_and_the_readme_and_depends_only_on_Tensors()
    {
        feed.AssertPacked();
        using ZipArchive zip = ZipFile.OpenRead(feed.PackagePath);
        string[] files = zip.Entries.Select(e => e.FullName).Where(n => !IsPackagingPlumbing(n)).Order(StringComparer.Ordinal).ToArray();
        string[] expected =
        [
            "README.md",
            "Sam.Dsl.nuspec",
            "analyzers/dotnet/cs/Sam.Generators.dll",
            "build/Sam.Dsl.props",
            "buildTransitive/Sam.Dsl.props",
            "lib/net10.0/Sam.Runtime.dll",
            "lib/net10.0/Sam.Runtime.xml",
        ];
        bool hasCodeFixes = File.Exists(Path.Combine(RepositoryPaths.Root, "src", "Sam.CodeFixes", "Sam.CodeFixes.csproj"));
        if (hasCodeFixes)
        {
            expected = [.. expected.Append("analyzers/dotnet/cs/Sam.CodeFixes.dll").Order(StringComparer.Ordinal)];
        }

        Assert.True(expected.SequenceEqual(files), $"Package files:\n  {string.Join("\n  ", files)}\nexpected:\n  {string.Join("\n  ", expected)}");

        XDocument nuspec = XDocument.Load(zip.GetEntry("Sam.Dsl.nuspec")!.Open());
        XNamespace ns = nuspec.Root!.Name.Namespace;
        XElement metadata = nuspec.Root.Element(ns + "metadata")!;
        Assert.Equal("Sam.Dsl", metadata.Element(ns + "id")?.Value);
        Assert.Equal(feed.Version, metadata.Element(ns + "version")?.Value);
        Assert.Equal("MIT", metadata.Element(ns + "license")?.Value);
        Assert.Equal("README.md", metadata.Element(ns + "readme")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(metadata.Element(ns + "tags")?.Value));
        Assert.Equal("git", metadata.Element(ns + "repository")?.Attribute("type")?.Value);
        string[] dependencies = metadata.Descendants(ns + "dependency").Select(d => d.Attribute("id")!.Value).Distinct().ToArray();
        Assert.Empty(dependencies); // the runtime depends on the BCL alone

        string props = new StreamReader(zip.GetEntry("build/Sam.Dsl.props")!.Open()).ReadToEnd();
        Assert.Contains("<CompilerVisibleProperty Include=\"SamDslTheoryDocComments\" />", props, StringComparison.Ordinal);
    }

    [Fact]
    public void A_fresh_project_referencing_only_Sam_Dsl_builds_and_trains_exactly_like_the_runtime_optimizer()
    {
        feed.AssertPacked();
        var consumer = new ConsumerProject(feed, "Consumer");
        CliResult build = consumer.Build();
        Assert.True(build.ExitCode == 0, "The consumer project did not build.\n" + build.Describe());

        // Only the package was restored: it has no dependencies.
        using (JsonDocument assets = JsonDocument.Parse(File.ReadAllText(consumer.AssetsFile)))
        {
            string[] libraries = assets.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name.Split('/')[0]).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(["Sam.Dsl"], libraries);
        }

        // The generator ran, and EmitCompilerGeneratedFiles wrote its output where docs/packaging.md says.
        IReadOnlyDictionary<string, string> generated = consumer.GeneratedSources();
        Assert.True(generated.ContainsKey("PackageConsumer.Regression.Sam.g.cs"), $"Generated files in {consumer.GeneratedFolder}: [{string.Join(", ", generated.Keys)}]\n{build.Output}");
        Assert.Contains(TheoryRemarksMarker, generated["PackageConsumer.Regression.Sam.g.cs"], StringComparison.Ordinal);

        CliResult run = consumer.Run(Steps.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(run.ExitCode == 0, "The consumer program failed.\n" + run.Describe());
        Assert.Equal(ExpectedOutput(), run.Output.ReplaceLineEndings("\n").Trim());
    }

    [Fact]
    public void SamDslTheoryDocComments_false_in_the_project_file_leaves_the_theory_remarks_out()
    {
        feed.AssertPacked();
        var consumer = new ConsumerProject(feed, "QuietDocs", "<SamDslTheoryDocComments>false</SamDslTheoryDocComments>");
        CliResult build = consumer.Build();
        Assert.True(build.ExitCode == 0, "The consumer project did not build.\n" + build.Describe());
        string text = consumer.GeneratedSources().GetValueOrDefault("PackageConsumer.Regression.Sam.g.cs")
            ?? throw new Xunit.Sdk.XunitException($"No generated file in {consumer.GeneratedFolder}.\n{build.Output}");
        Assert.DoesNotContain(TheoryRemarksMarker, text, StringComparison.Ordinal);
        Assert.Contains("public void Perturb()", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_class_that_is_not_partial_fails_the_build_with_SAM0001_at_its_name()
    {
        feed.AssertPacked();
        var consumer = new ConsumerProject(feed, "NotPartial");
        const string source = """
            using Sam;

            namespace PackageConsumer;

            [SharpnessAware(Rho = 0.05)]
            public class NotPartialModel
            {
                public Parameter W { get; } = Parameter.Zeros("w", 2);
            }

            """;
        consumer.AddFile("NotPartialModel.cs", source);
        string[] lines = source.Split('\n');
        int line = Array.FindIndex(lines, l => l.Contains("class NotPartialModel", StringComparison.Ordinal)) + 1;
        int column = lines[line - 1].IndexOf("NotPartialModel", StringComparison.Ordinal) + 1;

        CliResult build = consumer.Build();
        Assert.True(build.ExitCode != 0, "A class that is not partial must fail the build.\n" + build.Describe());
        string expected = $"{Path.Combine(consumer.Directory, "NotPartialModel.cs")}({line},{column}): error SAM0001: 'NotPartialModel' must be declared partial";
        Assert.True(build.Output.Contains(expected, StringComparison.Ordinal), $"Expected a line starting\n  {expected}\n" + build.Describe());
        Assert.Contains("docs/diagnostics/SAM0001.md", build.Output, StringComparison.Ordinal);

        // Nothing else is wrong with the project: SAM0001 is the only error code reported.
        string[] errorCodes = Regex.Matches(build.Output, @": error ([A-Z]+[0-9]+):").Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.True(errorCodes is ["SAM0001"], $"Error codes: [{string.Join(", ", errorCodes)}]\n{build.Output}");
    }

    /// <summary>The same model trained in this process by <see cref="SamOptimizer"/> over the same loss code.</summary>
    private static string ExpectedOutput()
    {
        Parameter w = Parameter.Full("w", 0.5f, RegressionLoss.Features), b = Parameter.Zeros("b", 1);
        SamOptimizer sam = SamOptimizer.Create([w, b], rho: 0.05, learningRate: 0.1, momentum: 0.9, perturb: p => p != b);
        float loss = float.NaN;
        for (int step = 0; step < Steps; step++)
        {
            loss = sam.SharpnessAwareStep(() => RegressionLoss.Compute(w.Value, b.Value, w.Gradient, b.Gradient));
        }

        static string Bits(float v) => BitConverter.SingleToInt32Bits(v).ToString("X8", System.Globalization.CultureInfo.InvariantCulture);
        return $"steps={Steps}\nloss={Bits(loss)}\nweights={string.Join(",", w.TrainedValue.ToArray().Concat(b.TrainedValue.ToArray()).Select(Bits))}";
    }

    private static bool IsPackagingPlumbing(string name) =>
        name.StartsWith("_rels/", StringComparison.Ordinal) || name.StartsWith("package/", StringComparison.Ordinal) || name == "[Content_Types].xml";
}
