using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>The convergence-theory diagnostics (SAM0100–SAM0111): spans, severities and the numbers in the messages.</summary>
public class TheoryDiagnosticTests
{
    [Fact]
    public async Task The_usual_configuration_with_momentum_is_silent()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(Rho = 0.05)]\n[Sgd(LearningRate = 0.1, Momentum = 0.9)]"));
        Assert.Empty(all);
    }

    [Fact]
    public async Task The_default_configuration_gets_only_information()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("[{|SAM0107:SharpnessAware|}]"));
        Diagnostic d = Assert.Single(all);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Contains("ρ = 0.05", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.True(d.GetMessage().Contains("ρ/‖∇f‖ exceeds that threshold", System.StringComparison.Ordinal), d.GetMessage());
        Assert.Contains("Kim et al. 2023", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public Task Rho_zero_is_the_base_optimizer_and_silent() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(Rho = 0, Expect = ExpectedGuarantee.Minimizer)]"));

    [Fact]
    public async Task Stochastic_constant_rho_with_a_declared_expectation_warns_with_rho_squared()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware(Rho = 0.1, Noise = GradientNoise.Stochastic, Expect = {|SAM0100:ExpectedGuarantee.StationaryPoint|}, BaseOptimizerSteps = 100)]
            [{|SAM0107:Sgd(LearningRate = 0.1)|}]
            """));
        Diagnostic d = all.Single(x => x.Id == "SAM0100");
        Assert.Equal(DiagnosticSeverity.Warning, d.Descriptor.DefaultSeverity);
        Assert.Equal(
            "With stochastic gradients and constant ρ = 0.1, SAM keeps an unavoidable additive term of order ρ² = 0.01, so the declared convergence to a stationary point is not covered by the known guarantees (Si & Yun 2023)",
            d.GetMessage());
    }

    [Fact]
    public Task Deterministic_nonconvex_constant_rho_keeps_a_floor() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Nonconvex, Expect = {|SAM0101:ExpectedGuarantee.StationaryPoint|})]
            """));

    [Fact]
    public Task Deterministic_strongly_convex_with_a_constant_learning_rate() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.StronglyConvex, Expect = ExpectedGuarantee.Minimizer)]
            [Sgd(LearningRate = {|SAM0102:0.5|})]
            """));

    [Fact]
    public Task Deterministic_strongly_convex_with_a_good_decay_is_silent() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.StronglyConvex, Expect = ExpectedGuarantee.Minimizer)]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 1)]
            """));

    [Fact]
    public Task Decaying_rho_with_a_constant_learning_rate_without_an_Sgd_attribute() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [{|SAM0102:SharpnessAware(Noise = GradientNoise.Deterministic)|}]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.6)]
            """));

    [Theory]
    [InlineData("Exponent = {|SAM0103:1.5|}", "b = 1.5, so Σηₜ < ∞ because b > 1")]
    [InlineData("Exponent = {|SAM0103:0.25|}", "b = 0.25, so Σηₜ² = ∞ because b ≤ ½")]
    public async Task Learning_rate_exponents_outside_the_conditions(string arguments, string expected)
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With($"""
            [SharpnessAware(Noise = GradientNoise.Deterministic)]
            [LearningRateSchedule(ScheduleKind.Polynomial, {arguments})]
            """));
        Diagnostic d = Assert.Single(all);
        Assert.Equal(DiagnosticSeverity.Warning, d.Descriptor.DefaultSeverity);
        Assert.Contains(expected, d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public Task The_default_polynomial_exponent_one_half_is_reported_on_the_attribute() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Noise = GradientNoise.Deterministic)]
            [{|SAM0103:LearningRateSchedule(ScheduleKind.Polynomial)|}]
            """));

    [Fact]
    public async Task Rho_and_learning_rate_exponents_summing_to_at_most_one_on_a_nonconvex_loss()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Nonconvex)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = {|SAM0104:0.2|})]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.6)]
            """));
        Diagnostic d = Assert.Single(all);
        Assert.Contains("a = 0.2, b = 0.6 and a + b = 0.8 ≤ 1", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.Equal("0.45", d.Properties["Exponent"]);
    }

    [Fact]
    public Task The_same_decays_on_a_declared_convex_loss_are_silent() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Convex)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.2)]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.6)]
            """));

    [Fact]
    public async Task Cosine_schedules_are_information_and_a_step_decay_of_rho_is_silent()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware(Expect = ExpectedGuarantee.Neighbourhood)]
            [{|SAM0107:Sgd(LearningRate = 0.1)|}]
            [{|SAM0105:LearningRateSchedule(ScheduleKind.Cosine, TotalSteps = 10000)|}]
            [{|SAM0105:RhoSchedule(ScheduleKind.Cosine, TotalSteps = 10000, Floor = 0.01)|}]
            """));
        Assert.All(all, d => Assert.Equal(DiagnosticSeverity.Info, d.Severity));
        Assert.Equal(2, all.Count(d => d.Id == "SAM0105"));
        Assert.Contains(all, d => d.GetMessage().Contains("to 0 over 10000 steps", System.StringComparison.Ordinal));
        Assert.Contains(all, d => d.GetMessage().Contains("to 0.01 over 10000 steps", System.StringComparison.Ordinal));
        await AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware(Expect = ExpectedGuarantee.Neighbourhood)]
            [{|SAM0107:Sgd(LearningRate = 0.1)|}]
            [RhoSchedule(ScheduleKind.Step, StepSize = 1000, Gamma = 0.5)]
            """));
    }

    [Fact]
    public Task Momentum_and_Adam_with_a_declared_expectation_are_outside_the_analysis() =>
        SamVerifier.VerifyAnalyzerAsync(
        [
            Models.With("""
                [SharpnessAware(Expect = ExpectedGuarantee.Neighbourhood)]
                [Sgd(Momentum = {|SAM0106:0.9|})]
                """),
            Models.With("""
                [SharpnessAware(Expect = ExpectedGuarantee.Neighbourhood)]
                [{|SAM0106:AdamW(Beta1 = 0.8)|}]
                """, "public partial class N"),
        ]);

    [Fact]
    public async Task Large_constant_rho_without_a_warm_up_mentions_hallucinated_minimizers()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(Rho = {|SAM0108:0.2|})]\n[Sgd(Momentum = 0.9)]"));
        Diagnostic d = Assert.Single(all);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Contains("ρ = 0.2", d.GetMessage(), System.StringComparison.Ordinal);
        Assert.Contains("Park et al. 2025", d.GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public Task Large_rho_with_a_warm_up_is_silent() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(Rho = 0.2, BaseOptimizerFraction = 0.1, TotalSteps = {|SAM0113:1000|})]\n[Sgd(Momentum = 0.9)]"));

    [Fact]
    public async Task Usam_radius_above_one_over_L()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(Rho = 0.5, Normalize = false, Smoothness = {|SAM0109:4|})]"));
        Assert.Contains("ρL = 2 ≥ 1", Assert.Single(all).GetMessage(), System.StringComparison.Ordinal);
    }

    [Fact]
    public Task Unanalysed_variant_with_a_declared_expectation() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(Variant = {|SAM0110:SamVariant.Asam|}, Rho = 1, Expect = ExpectedGuarantee.Neighbourhood)]"));

    [Fact]
    public Task Minimizer_expected_on_a_nonconvex_loss_shares_its_span_with_the_neighbourhood_rule() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Landscape = LossLandscape.Nonconvex, Expect = {|SAM0100:{|SAM0111:ExpectedGuarantee.Minimizer|}|})]
            [Sgd(LearningRate = 0.1, Momentum = 0)]
            """).Replace("[Sgd(LearningRate = 0.1, Momentum = 0)]", "[{|SAM0107:Sgd(LearningRate = 0.1, Momentum = 0)|}]", System.StringComparison.Ordinal));

    [Fact]
    public Task Invalid_values_silence_the_theory() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware(Rho = {|SAM0004:-1|}, Expect = ExpectedGuarantee.Minimizer)]"));
}
