using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>Every diagnostic can be silenced or re-levelled the usual ways: #pragma and .editorconfig.</summary>
public class SeverityConfigurationTests
{
    /// <summary>One source per id (usage and theory), each producing that id.</summary>
    public static TheoryData<string, string> OneSourcePerId => new()
    {
        { "SAM0001", Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "public class M") },
        { "SAM0004", Models.With("[SharpnessAware(Rho = -1), Sgd(Momentum = 0.9)]") },
        { "SAM0012", Models.With("[SharpnessAware(BaseOptimizerFraction = 0.1), Sgd(Momentum = 0.9)]") },
        { "SAM0013", Models.With("[SharpnessAware(GsamAlpha = 0.1), Sgd(Momentum = 0.9)]") },
        { "SAM0100", Models.With("[SharpnessAware(Expect = ExpectedGuarantee.StationaryPoint), Sgd(Momentum = 0.9)]") },
        { "SAM0103", Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic), LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 2)]") },
        { "SAM0105", Models.With("[SharpnessAware, Sgd(Momentum = 0.9), RhoSchedule(ScheduleKind.Cosine, TotalSteps = 100)]") },
        { "SAM0107", Models.With("[SharpnessAware]") },
        { "SAM0108", Models.With("[SharpnessAware(Rho = 0.5), Sgd(Momentum = 0.9)]") },
        { "SAM0109", Models.With("[SharpnessAware(Normalize = false, Rho = 1, Smoothness = 1)]") },
    };

    [Theory]
    [MemberData(nameof(OneSourcePerId))]
    public async Task Each_id_is_reported_and_honours_pragma_warning_disable(string id, string source)
    {
        Assert.Contains(await Diagnose(source), d => d.Id == id);

        ImmutableArray<Diagnostic> suppressed = await Diagnose($"#pragma warning disable {id}\n" + source);
        Assert.DoesNotContain(suppressed, d => d.Id == id);

        ImmutableArray<Diagnostic> restored = await Diagnose($"#pragma warning disable {id}\n#pragma warning restore {id}\n" + source);
        Assert.Contains(restored, d => d.Id == id);
    }

    [Theory]
    [MemberData(nameof(OneSourcePerId))]
    public async Task Each_id_honours_editorconfig_severity(string id, string source)
    {
        Assert.DoesNotContain(await Diagnose(source, $"dotnet_diagnostic.{id}.severity = none"), d => d.Id == id);

        // SAM0001 and other errors can be lowered; information can be raised.
        Diagnostic raised = (await Diagnose(source, $"dotnet_diagnostic.{id}.severity = error")).First(d => d.Id == id);
        Assert.Equal(DiagnosticSeverity.Error, raised.Severity);
    }

    [Fact]
    public async Task The_theory_category_can_be_silenced_as_a_whole()
    {
        string source = Models.With("[SharpnessAware(Rho = 0.5, GsamAlpha = 0.1, Expect = ExpectedGuarantee.StationaryPoint)]");
        ImmutableArray<Diagnostic> all = await Diagnose(source);
        Assert.Contains(all, d => d.Id == "SAM0013");
        Assert.Contains(all, d => d.Id == "SAM0107");

        ImmutableArray<Diagnostic> usageOnly = await Diagnose(source, "dotnet_analyzer_diagnostic.category-Sam.Theory.severity = none");
        Assert.Contains(usageOnly, d => d.Id == "SAM0013");
        Assert.DoesNotContain(usageOnly, d => d.Descriptor.Category == "Sam.Theory");
    }

    [Fact]
    public async Task Pragma_around_the_class_only_silences_that_class()
    {
        string source = """
            using Sam;
            #pragma warning disable SAM0107
            [SharpnessAware] public partial class A { public Parameter W { get; } = Parameter.Zeros("w", 1); }
            #pragma warning restore SAM0107
            [SharpnessAware] public partial class B { public Parameter W { get; } = Parameter.Zeros("w", 1); }
            """;
        Diagnostic d = Assert.Single(await Diagnose(source));
        Assert.Equal("SAM0107", d.Id);
        Assert.Equal(4, d.Location.GetLineSpan().StartLinePosition.Line);
    }

    private static async Task<ImmutableArray<Diagnostic>> Diagnose(string source, string? editorConfig = null)
    {
        Compilation compilation = CompilationFactory.Create(source);
        AnalyzerOptions? options = null;
        if (editorConfig is not null)
        {
            (SyntaxTreeOptionsProvider severities, AnalyzerConfigOptionsProvider values) = EditorConfig.Parse(editorConfig);
            compilation = EditorConfig.WithSeverities(compilation, severities);
            options = new AnalyzerOptions([], values);
        }

        GeneratorResult run = GeneratorRunner.Run(compilation);
        return await AnalyzerRunner.RunAsync(run.Output, options);
    }
}
