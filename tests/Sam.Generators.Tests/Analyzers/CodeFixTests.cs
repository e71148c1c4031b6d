using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Sam.CodeFixes;
using Sam.Generators.Diagnostics;
using Microsoft.CodeAnalysis.Testing;
using Sam.Generators.Tests.Infrastructure;
using Sam.Generators.Validation;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>
/// Each fix through Roslyn's code-fix test framework: the markup says where the diagnostic lands, the fixed text is
/// compared exactly (one fix at a time and through the fix-all provider), and the fixed code compiles with the
/// generator and no longer reports the diagnostic.
/// </summary>
public class CodeFixTests
{
    [Fact]
    public Task Make_partial_adds_the_modifier_before_the_keyword() =>
        VerifyFix<MakePartialCodeFix>(
            Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "public sealed class {|SAM0001:M|}"),
            Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "public sealed partial class M"));

    [Fact]
    public Task Make_partial_without_modifiers_keeps_the_layout() =>
        VerifyFix<MakePartialCodeFix>(
            Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "class {|SAM0001:M|}"),
            Models.With("[SharpnessAware, Sgd(Momentum = 0.9)]", "partial class M"));

    [Fact]
    public Task Make_partial_fixes_a_containing_type() =>
        VerifyFix<MakePartialCodeFix>(
            "using Sam;\npublic static class {|SAM0001:Outer|}\n{\n    [SharpnessAware, Sgd(Momentum = 0.9)]\n    public partial class M { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n}\n",
            "using Sam;\npublic static partial class Outer\n{\n    [SharpnessAware, Sgd(Momentum = 0.9)]\n    public partial class M { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n}\n");

    [Theory]
    [InlineData("Exponent = {|SAM0103:1.5|}", "Exponent = 1")]
    [InlineData("Exponent = {|SAM0103:0.25|}", "Exponent = 0.55")]
    [InlineData("Exponent = {|SAM0103:0.5|}", "Exponent = 0.55")]
    public Task Learning_rate_exponent_is_replaced_by_the_nearest_valid_one(string before, string after) =>
        VerifyFix<ScheduleExponentCodeFix>(
            Models.With($"[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[LearningRateSchedule(ScheduleKind.Polynomial, {before})]"),
            Models.With($"[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[LearningRateSchedule(ScheduleKind.Polynomial, {after})]"));

    [Fact]
    public Task Missing_learning_rate_exponent_is_added() =>
        VerifyFix<ScheduleExponentCodeFix>(
            Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[{|SAM0103:LearningRateSchedule(ScheduleKind.Polynomial)|}]"),
            Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.55)]"));

    [Fact]
    public Task Rho_exponent_is_raised_until_a_plus_b_exceeds_one() =>
        VerifyFix<ScheduleExponentCodeFix>(
            Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[RhoSchedule(ScheduleKind.Polynomial, Exponent = {|SAM0104:0.2|})]\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.7)]"),
            Models.With("[SharpnessAware(Noise = GradientNoise.Deterministic)]\n[RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.35)]\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.7)]"));

    [Fact]
    public Task Warm_up_fraction_when_the_training_length_is_known() =>
        VerifyFix<AddWarmupCodeFix>(
            Models.With("[SharpnessAware(Rho = {|SAM0108:0.2|}, TotalSteps = {|SAM0113:5000|})]\n[Sgd(Momentum = 0.9)]"),
            Models.With("[SharpnessAware(Rho = 0.2, TotalSteps = {|SAM0113:5000|}, BaseOptimizerFraction = 0.1)]\n[Sgd(Momentum = 0.9)]"));

    [Fact]
    public Task Warm_up_steps_when_the_training_length_is_unknown() =>
        VerifyFix<AddWarmupCodeFix>(
            Models.With("[SharpnessAware(Rho = {|SAM0108:0.2|})]\n[Sgd(Momentum = 0.9)]"),
            Models.With("[SharpnessAware(Rho = 0.2, BaseOptimizerSteps = 1000)]\n[Sgd(Momentum = 0.9)]"));

    [Fact]
    public Task Momentum_is_set_on_an_existing_Sgd() =>
        VerifyFix<AddMomentumCodeFix>(
            Models.With("[SharpnessAware]\n[{|SAM0107:Sgd(LearningRate = 0.1, Momentum = 0)|}]"),
            Models.With("[SharpnessAware]\n[Sgd(LearningRate = 0.1, Momentum = 0.9)]"));

    [Fact]
    public Task Momentum_adds_an_Sgd_attribute_with_the_same_qualifier() =>
        VerifyFix<AddMomentumCodeFix>(
            "namespace N\n{\n    [{|SAM0107:Sam.SharpnessAware(Rho = 0.05)|}]\n    public partial class M { public Sam.Parameter W { get; } = Sam.Parameter.Zeros(\"w\", 1); }\n}\n",
            "namespace N\n{\n    [Sam.SharpnessAware(Rho = 0.05)]\n    [Sam.Sgd(Momentum = 0.9)]\n    public partial class M { public Sam.Parameter W { get; } = Sam.Parameter.Zeros(\"w\", 1); }\n}\n");

    [Fact]
    public Task Momentum_on_the_class_line_keeps_a_space_either_side() =>
        VerifyFix<AddMomentumCodeFix>(
            "using Sam;\n[{|SAM0107:SharpnessAware|}] public partial class A { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n",
            "using Sam;\n[SharpnessAware] [Sgd(Momentum = 0.9)] public partial class A { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n");

    [Fact]
    public Task Fix_all_makes_every_class_in_the_document_partial() =>
        VerifyFix<MakePartialCodeFix>(
            "using Sam;\n" + string.Concat(Enumerable.Range(0, 3).Select(i =>
                $"[SharpnessAware, Sgd(Momentum = 0.9)] public class {{|SAM0001:M{i}|}} {{ public Parameter W {{ get; }} = Parameter.Zeros(\"w\", 1); }}\n")),
            "using Sam;\n" + string.Concat(Enumerable.Range(0, 3).Select(i =>
                $"[SharpnessAware, Sgd(Momentum = 0.9)] public partial class M{i} {{ public Parameter W {{ get; }} = Parameter.Zeros(\"w\", 1); }}\n")));

    [Fact]
    public Task Fix_all_adds_momentum_to_every_model() =>
        VerifyFix<AddMomentumCodeFix>(
            "using Sam;\n[{|SAM0107:SharpnessAware|}] public partial class A { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n"
            + "[SharpnessAware, {|SAM0107:Sgd|}] public partial class B { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n",
            "using Sam;\n[SharpnessAware] [Sgd(Momentum = 0.9)] public partial class A { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n"
            + "[SharpnessAware, Sgd(Momentum = 0.9)] public partial class B { public Parameter W { get; } = Parameter.Zeros(\"w\", 1); }\n");

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

    private static Task VerifyFix<TFix>(string before, string after, params DiagnosticResult[] remaining)
        where TFix : CodeFixProvider, new()
    {
        var test = new SamCodeFixTest<TFix> { TestCode = before, FixedCode = after };
        test.FixedState.ExpectedDiagnostics.AddRange(remaining);
        return test.RunAsync();
    }
}
