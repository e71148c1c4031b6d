using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>The efficient variants and step policies: their validation, SAM0113 and SAM0114.</summary>
public class EfficiencyDiagnosticTests
{
    private const string Sgd = "[Sgd(Momentum = 0.9)]";

    [Fact]
    public Task A_budget_with_plain_sam_on_every_step_suggests_the_efficient_variants() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(TotalSteps = {|SAM0113:5000|})]\n" + Sgd));

    [Theory]
    [InlineData("Variant = SamVariant.LookSam, Interval = 5")]
    [InlineData("StepPolicy = SamStepPolicy.Adaptive")]
    [InlineData("StepPolicy = SamStepPolicy.Random, SamProbability = 0.3")]
    [InlineData("Interval = 2")]
    public Task An_efficient_configuration_gets_no_suggestion(string options) =>
        AnalyzerRunner.VerifyAsync(Models.With($"[SharpnessAware(TotalSteps = 5000, {options})]\n" + Sgd));

    [Fact]
    public async Task Without_skipped_steps_the_same_declaration_gets_the_neighbourhood_rule()
    {
        // Without the policy the same declaration gets SAM0100 (constant-ρ stochastic SAM: a neighbourhood only).
        await AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(TotalSteps = {|SAM0113:5000|}, Expect = {|SAM0100:ExpectedGuarantee.StationaryPoint|})]\n[{|SAM0107:Sgd(Momentum = 0)|}]"));
    }

    [Fact]
    public async Task Skipped_sam_steps_say_outside_the_cited_analyses()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With(
            "[SharpnessAware(TotalSteps = 5000, StepPolicy = {|SAM0114:SamStepPolicy.Adaptive|}, Expect = ExpectedGuarantee.StationaryPoint)]\n[{|SAM0107:Sgd(Momentum = 0)|}]"));
        string message = all.Single(d => d.Id == "SAM0114").GetMessage();
        Assert.Contains("outside the cited analyses", message, System.StringComparison.Ordinal);
        Assert.Contains("Jiang et al. (ICLR 2023)", message, System.StringComparison.Ordinal);
    }

    [Fact]
    public Task Periodic_sam_with_an_expectation_is_outside_the_cited_analyses() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(Interval = {|SAM0114:3|}, Expect = ExpectedGuarantee.StationaryPoint)]\n[{|SAM0107:Sgd(Momentum = 0)|}]"));

    [Fact]
    public Task The_adaptive_policy_needs_total_steps() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(StepPolicy = {|SAM0008:SamStepPolicy.Adaptive|})]\n" + Sgd));

    [Fact]
    public Task Invalid_efficiency_options_are_reported_at_their_argument() =>
        AnalyzerRunner.VerifyAsync(Models.With(
            "[SharpnessAware(Variant = SamVariant.Esam, EsamBeta = {|SAM0004:0|}, AdaptiveDecay = {|SAM0004:1|}, SamProbability = {|SAM0004:1.5|}, AdaptiveThresholdStart = {|SAM0004:double.NaN|}, StepPolicy = {|SAM0004:(SamStepPolicy)7|})]\n" + Sgd));

    [Fact]
    public Task A_variant_option_for_another_variant_is_reported_ignored() =>
        AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(LookSamAlpha = {|SAM0013:0.5|}, EsamBeta = {|SAM0013:0.3|})]\n" + Sgd));
}
