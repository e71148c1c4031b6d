using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Sam.CodeFixes;
using Sam.Generators.Diagnostics;
using Sam.Generators.Tests.Infrastructure;
using Sam.Generators.Validation;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>Each fix applied through a workspace: expected text, clean compile with the generator, diagnostic gone.</summary>
public class CodeFixTests
{
    [Fact]
    public Task Make_partial_adds_the_modifier_before_the_keyword() =>
        AssertFix(new MakePartialCodeFix(), "SAM0001",
            Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "public sealed class M"),
            Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "public sealed partial class M"));

    [Fact]
    public Task Make_partial_without_modifiers_keeps_the_layout() =>
        AssertFix(new MakePartialCodeFix(), "SAM0001",
            Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "class M"),
            Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "partial class M"));

    [Fact]
    public Task Make_partial_fixes_a_containing_type() =>
        AssertFix(new MakePartialCodeFix(), "SAM0001",
            "using Sam;\npublic static class Outer\n{\n    [SharpnessAware, Sgd(Momentum = 0.9)]\n    public partial class M { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n}\n",
            "using Sam;\npublic static partial class Outer\n{\n    [SharpnessAware, Sgd(Momentum = 0.9)]\n    public partial class M { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n}\n");

    [Theory]
    [InlineData("Exponent = 1.5", "Exponent = 1")]
    [InlineData("Exponent = 0.25", "Exponent = 0.55")]
    [InlineData("Exponent = 0.5", "Exponent = 0.55")]
    public Task Learning_rate_exponent_is_replaced_by_the_nearest_valid_one(string before, string after) =>
        AssertFix(new ScheduleExponentCodeFix(), "SAM0103",
            Models.With($"[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[LearningRateSchedule(ScheduleKind.Polynomial, {before})]"),
            Models.With($"[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[LearningRateSchedule(ScheduleKind.Polynomial, {after})]"));

    [Fact]
    public Task Missing_learning_rate_exponent_is_added() =>
        AssertFix(new ScheduleExponentCodeFix(), "SAM0103",
            Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[LearningRateSchedule(ScheduleKind.Polynomial)]"),
            Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.55)]"));

    [Fact]
    public Task Rho_exponent_is_raised_until_a_plus_b_exceeds_one() =>
        AssertFix(new ScheduleExponentCodeFix(), "SAM0104",
            Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.2)]\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.7)]"),
            Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.35)]\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.7)]"));

    [Fact]
    public Task Warm_up_fraction_when_the_training_length_is_known() =>
        AssertFix(new AddWarmupCodeFix(), "SAM0108",
            Models.With("[SharpnessAware(Rho = 0.2, TotalSteps = 5000)]\n[Sgd(Momentum = 0.9)]"),
            Models.With("[SharpnessAware(Rho = 0.2, TotalSteps = 5000, BaseOptimizerFraction = 0.1)]\n[Sgd(Momentum = 0.9)]"));

    [Fact]
    public Task Warm_up_steps_when_the_training_length_is_unknown() =>
        AssertFix(new AddWarmupCodeFix(), "SAM0108",
            Models.With("[SharpnessAware(Rho = 0.2)]\n[Sgd(Momentum = 0.9)]"),
            Models.With("[SharpnessAware(Rho = 0.2, BaseOptimizerSteps = 1000)]\n[Sgd(Momentum = 0.9)]"));

    [Fact]
    public Task Momentum_is_set_on_an_existing_Sgd() =>
        AssertFix(new AddMomentumCodeFix(), "SAM0107",
            Models.With("[SharpnessAware]\n[Sgd(LearningRate = 0.1, Momentum = 0)]"),
            Models.With("[SharpnessAware]\n[Sgd(LearningRate = 0.1, Momentum = 0.9)]"));

    [Fact]
    public Task Momentum_adds_an_Sgd_attribute_with_the_same_qualifier() =>
        AssertFix(new AddMomentumCodeFix(), "SAM0107",
            "namespace N\n{\n    [Sam.SharpnessAware(Rho = 0.05)]\n    public partial class M { public Sam.Parameter W { get; } = Sam.Parameter.Zeros(\"w\", 1); }\n}\n",
            "namespace N\n{\n    [Sam.SharpnessAware(Rho = 0.05)]\n    [Sam.Sgd(Momentum = 0.9)]\n    public partial class M { public Sam.Parameter W { get; } = Sam.Parameter.Zeros(\"w\", 1); }\n}\n");

    [Fact]
    public Task Momentum_on_the_class_line_keeps_a_space_either_side() =>
        AssertFix(new AddMomentumCodeFix(), "SAM0107",
            "using Sam;\n[SharpnessAware] public partial class A { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n",
            "using Sam;\n[SharpnessAware] [Sgd(Momentum = 0.9)] public partial class A { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n");

    [Fact]
    public async Task Fix_all_makes_every_class_in_the_document_partial()
    {
        string source = "using Sam;\n" + string.Concat(Enumerable.Range(0, 3).Select(i =>
            $"[SharpnessAware, Sgd(Momentum = 0.9)] public class M{i} {{ public Parameter W {{ get; }} = Parameter.Zeros(\"w\", 1); }}\n"));
        string fixedText = await CodeFixRunner.FixAllAsync(source, new MakePartialCodeFix(), "SAM0001", MakePartialCodeFix.EquivalenceKey);
        Assert.Equal(source.Replace("public class", "public partial class", StringComparison.Ordinal), fixedText);
        await AssertCleanAndFixed(fixedText, "SAM0001");
    }

    [Fact]
    public async Task Fix_all_adds_momentum_to_every_model()
    {
        string source = "using Sam;\n[SharpnessAware] public partial class A { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n"
            + "[SharpnessAware, Sgd] public partial class B { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n";
        string fixedText = await CodeFixRunner.FixAllAsync(source, new AddMomentumCodeFix(), "SAM0107", AddMomentumCodeFix.EquivalenceKey);
        await AssertCleanAndFixed(fixedText, "SAM0107");
        Assert.Equal(source.Replace("[SharpnessAware] public", "[SharpnessAware] [Sgd(Momentum = 0.9)] public", StringComparison.Ordinal).Replace("Sgd]", "Sgd(Momentum = 0.9)]", StringComparison.Ordinal), fixedText);
    }

    [Fact]
    public void Every_fix_has_a_unique_equivalence_key_a_fix_all_provider_and_catalogued_ids()
    {
        CodeFixProvider[] fixes = typeof(MakePartialCodeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
            .ToArray();
        Assert.Equal(4, fixes.Length);
        var keys = fixes.Select(f => (string)f.GetType().GetField("EquivalenceKey", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.All(fixes, f => Assert.Same(WellKnownFixAllProviders.BatchFixer, f.GetFixAllProvider()));
        Assert.All(fixes.SelectMany(f => f.FixableDiagnosticIds), id => Assert.NotNull(DiagnosticDescriptors.ById(id)));
    }

    [Theory]
    [InlineData(1.5, 1.0)]
    [InlineData(0.1, 0.55)]
    [InlineData(0.5, 0.55)]
    public void Nearest_learning_rate_exponent(double b, double expected) =>
        Assert.Equal(expected, TheoryRules.NearestLearningRateExponent(b), 12);

    [Theory]
    [InlineData(0.2, 0.6, 0.45)]
    [InlineData(0.0, 1.0, 0.05)]
    [InlineData(0.3, 0.7, 0.35)]
    public void Nearest_rho_exponent_makes_the_sum_exceed_one(double a, double b, double expected)
    {
        double fixedA = TheoryRules.NearestRhoExponent(a, b);
        Assert.Equal(expected, fixedA, 12);
        Assert.True(fixedA + b > 1);
    }

    private static async Task AssertFix(CodeFixProvider fix, string id, string before, string after)
    {
        string fixedText = await CodeFixRunner.FixOnceAsync(before, fix, id);
        Assert.Equal(after, fixedText);
        await AssertCleanAndFixed(fixedText, id);
    }

    // The fixed source, run through the real generator, compiles without errors and no longer has the diagnostic.
    private static async Task AssertCleanAndFixed(string fixedText, string id)
    {
        GeneratorResult run = GeneratorRunner.Run(fixedText);
        IReadOnlyList<string> errors = CompilationFactory.Errors(run.Output);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.All(run.RunResult.Results, r => Assert.Null(r.Exception));
        IReadOnlyList<Diagnostic> after = await AnalyzerRunner.RunAsync(run.Output);
        Assert.DoesNotContain(after, d => d.Id == id);
    }
}
