using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Diagnostics;
using Sam.Theory;
using TheoryLab.Experiments;
using Xunit;

namespace Sam.TheoryLab.Tests;

/// <summary>
/// The schedules experiment classifies its grid with the analyzer's own conditions (src/Shared/TheoryConditions.cs);
/// these tests hold that classification against what the real <see cref="SamTheoryAnalyzer"/> reports for the same
/// schedule written as attributes, so "classified as the analyzer classifies them" is checked, not assumed.
/// </summary>
public sealed class ScheduleClassificationTests
{
    private static readonly ImmutableArray<MetadataReference> References =
    [
        .. ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)),
        MetadataReference.CreateFromFile(typeof(Sam.Parameter).Assembly.Location),
    ];

    public static TheoryData<double, double> GridPoints()
    {
        var data = new TheoryData<double, double>();
        foreach ((double a, double b) in ScheduleExperiment.Grid)
        {
            data.Add(a, b);
        }

        // Points next to the boundaries that the experiment does not run.
        data.Add(0.5, 0.5000001);
        data.Add(0.5, 1.0000001);
        data.Add(0.2500001, 0.75);
        return data;
    }

    [Theory]
    [MemberData(nameof(GridPoints))]
    public async Task Lab_classification_is_what_the_analyzer_reports_for_the_same_schedule(double a, double b)
    {
        ScheduleVerdict lab = ScheduleExperiment.Classify(a, b);
        ImmutableArray<string> ids = await AnalyzerIds(a, b);

        string expected = lab switch
        {
            ScheduleVerdict.StepSumFinite or ScheduleVerdict.StepSquaresDivergent => "SAM0103",
            ScheduleVerdict.ProductDivergent => "SAM0104",
            _ => "",
        };
        Assert.Equal(expected, string.Join(",", ids));
    }

    [Fact]
    public void Grid_has_points_at_and_on_both_sides_of_every_boundary()
    {
        IReadOnlyList<(double A, double B)> g = ScheduleExperiment.Grid;
        Assert.Contains(g, p => p.B == 0.5);
        Assert.Contains(g, p => p.B is > 0.5 and < 0.6);
        Assert.Contains(g, p => p.B < 0.5);
        Assert.Contains(g, p => p.B == 1);
        Assert.Contains(g, p => p.B is > 1 and < 1.1);
        Assert.Contains(g, p => p.B is < 1 and > 0.9);
        Assert.Contains(g, p => p.A > 0 && p.A + p.B == 1);
        Assert.Contains(g, p => p.A > 0 && p.A + p.B is > 1 and < 1.1 && p.B < 1);
        Assert.Contains(g, p => p.A > 0 && p.A + p.B is < 1 and > 0.9);
    }

    private static async Task<ImmutableArray<string>> AnalyzerIds(double a, double b)
    {
        var ci = CultureInfo.InvariantCulture;
        string source = string.Format(ci, """
            using Sam;
            [SharpnessAware(Rho = 0.4, Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Nonconvex)]
            [Sgd(LearningRate = 0.5)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = {0:R})]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = {1:R})]
            public partial class Lab {{ public Parameter W {{ get; }} = Parameter.Zeros("w", 2); }}
            """, a, b);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Grid",
            [CSharpSyntaxTree.ParseText(source)],
            References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        ImmutableArray<Diagnostic> diagnostics = await compilation
            .WithAnalyzers([new SamTheoryAnalyzer()], new AnalyzerOptions([]))
            .GetAnalyzerDiagnosticsAsync();
        return [.. diagnostics.Select(d => d.Id).Where(id => id is "SAM0103" or "SAM0104").OrderBy(id => id, StringComparer.Ordinal)];
    }
}
