using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Sam.Generators.Tests.Infrastructure;
using Sam.Theory;
using Xunit;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>
/// Each theory diagnostic says what its source proves, no more: the scope of each rule, its wording, and its trigger at
/// and next to every boundary (so that flipping a comparison fails a test).
/// </summary>
public class TheoryFidelityTests
{
    private const string Deterministic = "[SharpnessAware(Noise = GradientNoise.Deterministic)]";

    // ---- SAM0103: ½ < b ≤ 1, scoped to plain SGD steps ----

    [Theory]
    [InlineData("0.5", true)]
    [InlineData("0.51", false)]
    [InlineData("0.500001", false)]
    [InlineData("0.75", false)]
    [InlineData("1", false)]
    [InlineData("1.000001", true)]
    [InlineData("1.01", true)]
    [InlineData("0.49", true)]
    public async Task Learning_rate_exponent_is_checked_at_and_next_to_one_half_and_one(string b, bool reported)
    {
        string marked = reported ? "{|SAM0103:" + b + "|}" : b;
        await AnalyzerRunner.VerifyAsync(Models.With(Deterministic + $"\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = {marked})]"));
    }

    [Theory]
    [InlineData("[Sgd(Momentum = 0.9)]")]
    [InlineData("[AdamW]")]
    public Task Learning_rate_exponent_is_not_checked_for_momentum_or_Adam_which_the_cited_theorems_do_not_analyse(string optimizer) =>
        SamVerifier.VerifyAnalyzerAsync(Models.With($"""
            [SharpnessAware(Noise = GradientNoise.Stochastic)]
            {optimizer}
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 1.5)]
            """));

    [Fact]
    public Task Learning_rate_exponent_is_not_checked_for_a_variant_outside_the_analyses() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Variant = SamVariant.Gsam, Noise = GradientNoise.Deterministic)]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.25)]
            """));

    [Fact]
    public async Task Learning_rate_exponent_message_names_the_setting_of_the_cited_theorem()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With(Deterministic + "\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = {|SAM0103:2|})]"));
        Assert.Contains("plain SGD steps with deterministic gradients", all.Single().GetMessage(), StringComparison.Ordinal);
    }

    // ---- SAM0104: a + b > 1 ----

    [Theory]
    [InlineData("0.25", "0.75", true)]          // a + b = 1 exactly: Σηₜρₜ = ∞
    [InlineData("0.250001", "0.75", false)]
    [InlineData("0.26", "0.75", false)]
    [InlineData("0.24", "0.75", true)]
    [InlineData("0.5", "0.5000001", false)]     // just inside b's range, a + b just above 1
    [InlineData("0.001", "1", false)]           // b = 1: any decaying ρ is enough
    [InlineData("0.5", "1", false)]
    public async Task Rho_exponent_is_checked_at_and_next_to_a_plus_b_equal_one(string a, string b, bool reported)
    {
        string marked = reported ? "{|SAM0104:" + a + "|}" : a;
        await AnalyzerRunner.VerifyAsync(Models.With($"""
            [SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Nonconvex)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = {marked})]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = {b})]
            """));
    }

    [Fact]
    public async Task Rho_exponent_at_the_boundary_prints_the_sum_and_the_condition()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Nonconvex)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = {|SAM0104:0.25|})]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.75)]
            """));
        Assert.Contains("a = 0.25, b = 0.75 and a + b = 1 ≤ 1", all.Single().GetMessage(), StringComparison.Ordinal);
        Assert.Equal("0.3", all.Single().Properties["Exponent"]);
    }

    [Fact]
    public Task A_constant_rho_written_as_exponent_zero_is_not_reported_as_a_slow_rho_decay() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Nonconvex)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0)]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.6)]
            """));

    [Theory]
    [InlineData("[Sgd(Momentum = 0.9)]")]
    [InlineData("[AdamW]")]
    public Task Rho_exponent_is_not_checked_for_momentum_or_Adam_with_stochastic_gradients(string optimizer) =>
        SamVerifier.VerifyAnalyzerAsync(Models.With($"""
            [SharpnessAware(Noise = GradientNoise.Stochastic, Landscape = LossLandscape.Nonconvex)]
            {optimizer}
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.2)]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.6)]
            """));

    // ---- SAM0105 / SAM0112: finite horizons and never-ending step decays ----

    [Fact]
    public async Task A_never_ending_step_decay_of_the_learning_rate_is_a_finite_sum_not_information()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With(Deterministic + """

            [Sgd(LearningRate = 0.1)]
            [{|SAM0112:LearningRateSchedule(ScheduleKind.Step, StepSize = 1000, Gamma = 0.5)|}]
            """));
        Diagnostic d = all.Single();
        Assert.Equal(DiagnosticSeverity.Warning, d.Descriptor.DefaultSeverity);
        Assert.Contains("Σηₜ = η₀·1000/(1 − 0.5) = 200 < ∞", d.GetMessage(), StringComparison.Ordinal);
        Assert.DoesNotContain("not a violation", d.GetMessage(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0.999", true)]
    [InlineData("1", false)]
    public async Task Step_decay_of_the_learning_rate_is_reported_below_gamma_one(string gamma, bool reported)
    {
        string attribute = $"LearningRateSchedule(ScheduleKind.Step, StepSize = 10, Gamma = {gamma})";
        await AnalyzerRunner.VerifyAsync(Models.With(Deterministic + "\n[" + (reported ? "{|SAM0112:" + attribute + "|}" : attribute) + "]"));
    }

    [Fact]
    public Task Step_decay_of_the_learning_rate_with_momentum_is_left_to_SAM0106() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("[SharpnessAware]\n[Sgd(Momentum = 0.9)]\n[LearningRateSchedule(ScheduleKind.Step, StepSize = 10, Gamma = 0.5)]"));

    [Fact]
    public Task A_step_decay_of_rho_meets_the_decaying_rho_conditions_and_is_silent() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With(Deterministic + "\n[RhoSchedule(ScheduleKind.Step, StepSize = 10, Gamma = 0.5)]\n[LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 1)]"));

    [Fact]
    public async Task A_cosine_schedule_is_outside_the_asymptotic_conditions_and_names_the_finite_horizon_analysis()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With(Deterministic + "\n[{|SAM0105:LearningRateSchedule(ScheduleKind.Cosine, TotalSteps = 100)|}]"));
        string message = all.Single().GetMessage();
        Assert.Contains("Harada & Iiduka 2024", message, StringComparison.Ordinal);
        Assert.DoesNotContain("not a violation", message, StringComparison.Ordinal);
    }

    // ---- SAM0107 ----

    [Fact]
    public async Task Saddle_message_attributes_the_normalized_threshold_to_our_derivation_and_mentions_noise_and_batches()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("[{|SAM0107:SharpnessAware|}]"));
        string message = all.Single().GetMessage();
        Assert.Contains("Kim et al. 2023 show saddles attracting SAM when ρ exceeds 1/|λ_min| for the unnormalized perturbation", message, StringComparison.Ordinal);
        Assert.Contains("(our derivation)", message, StringComparison.Ordinal);
        Assert.Contains("larger batches", message, StringComparison.Ordinal);
        Assert.Contains("even with momentum", message, StringComparison.Ordinal);
    }

    [Fact]
    public Task Saddle_note_is_not_given_with_exact_gradients() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With(Deterministic));

    // ---- SAM0108 ----

    [Theory]
    [InlineData("0.1", true)]
    [InlineData("0.0999", false)]
    [InlineData("0.1001", true)]
    public async Task Hallucination_note_starts_at_rho_one_tenth(string rho, bool reported)
    {
        string marked = reported ? "{|SAM0108:" + rho + "|}" : rho;
        await AnalyzerRunner.VerifyAsync(Models.With($"[SharpnessAware(Rho = {marked})]\n[Sgd(Momentum = 0.9)]"));
    }

    [Fact]
    public async Task Hallucination_note_says_a_warm_up_mitigates_and_that_the_threshold_is_a_rule_of_thumb()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("[SharpnessAware(Rho = {|SAM0108:1.5|})]\n[Sgd(Momentum = 0.9)]"));
        string message = all.Single().GetMessage();
        Assert.Contains("mitigates this but does not always prevent it", message, StringComparison.Ordinal);
        Assert.DoesNotContain("avoids", message, StringComparison.Ordinal);
        Assert.Contains("scale-dependent rule of thumb", message, StringComparison.Ordinal);
        Assert.Contains("∇f ≠ 0", message, StringComparison.Ordinal);
    }

    // ---- SAM0109 ----

    [Theory]
    [InlineData("2", true)]       // ρL = 1 exactly
    [InlineData("1.998", false)]
    [InlineData("2.002", true)]
    public async Task Usam_radius_is_checked_at_and_next_to_rho_L_equal_one(string smoothness, bool reported)
    {
        string marked = reported ? "{|SAM0109:" + smoothness + "|}" : smoothness;
        await AnalyzerRunner.VerifyAsync(Models.With($"[SharpnessAware(Rho = 0.5, Normalize = false, Smoothness = {marked})]"));
    }

    [Fact]
    public Task Usam_radius_uses_the_radius_rho_decays_to_not_rho_zero() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Rho = 0.5, Normalize = false, Smoothness = 4)]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = 1)]
            """));

    [Fact]
    public async Task Usam_radius_with_a_cosine_rho_uses_its_floor()
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With("""
            [SharpnessAware(Rho = 0.5, Normalize = false, Smoothness = {|SAM0109:4|})]
            [{|SAM0105:RhoSchedule(ScheduleKind.Cosine, Floor = 0.3, TotalSteps = 100)|}]
            """));
        Assert.Contains("settles at ρ = 0.3", all.Single(d => d.Id == "SAM0109").GetMessage(), StringComparison.Ordinal);
        Assert.Contains("ρL = 1.2 ≥ 1", all.Single(d => d.Id == "SAM0109").GetMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public Task Usam_radius_with_a_constant_rho_still_warns() =>
        SamVerifier.VerifyAnalyzerAsync(Models.With("""
            [SharpnessAware(Rho = 0.5, Normalize = false, Smoothness = {|SAM0109:4|})]
            [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0)]
            """));

    // ---- SAM0110 ----

    [Theory]
    [InlineData("FriendlySam")]
    [InlineData("Gcsam")]
    [InlineData("Vasso")]
    public Task Variants_whose_perturbation_has_norm_rho_are_inside_the_analyses(string variant) =>
        SamVerifier.VerifyAnalyzerAsync(Models.With($"[SharpnessAware(Variant = SamVariant.{variant}, Expect = ExpectedGuarantee.Neighbourhood)]"));

    [Theory]
    [InlineData("Asam")]
    [InlineData("Gsam")]
    public async Task Variants_outside_the_analyses_name_the_covered_ones_including_F_SAM(string variant)
    {
        ImmutableArray<Diagnostic> all = await AnalyzerRunner.VerifyAsync(Models.With($"[SharpnessAware(Variant = {{|SAM0110:SamVariant.{variant}|}}, Expect = ExpectedGuarantee.Neighbourhood)]"));
        string message = all.Single().GetMessage();
        Assert.Contains("SAM, USAM, VaSSO, F-SAM and RSAM", message, StringComparison.Ordinal);
        Assert.EndsWith("(Khanh et al. 2024)", message, StringComparison.Ordinal);
        Assert.Contains("GCSAM, whose perturbation also has norm ρ, by our reading", message, StringComparison.Ordinal);
    }

    // ---- SAM0008 (issue 16: the dampening half of the trigger) ----

    [Theory]
    [InlineData("Momentum = 0.9, Dampening = 0.1, Nesterov = {|SAM0008:true|}")]
    [InlineData("Momentum = 0.9, Dampening = 1, Nesterov = {|SAM0008:true|}")]
    [InlineData("Momentum = 0, Dampening = 0.1, Nesterov = {|SAM0008:true|}")]
    [InlineData("Momentum = 0, Nesterov = {|SAM0008:true|}")]
    [InlineData("Momentum = 0.9, Dampening = 0, Nesterov = true")]
    [InlineData("Momentum = 0.9, Nesterov = true")]
    [InlineData("Momentum = 0.9, Dampening = 0.1, Nesterov = false")]
    public Task Nesterov_needs_momentum_and_no_dampening(string arguments) =>
        SamVerifier.VerifyAnalyzerAsync(Models.With($"[SharpnessAware]\n[Sgd({arguments})]"));

    // ---- The shared conditions themselves ----

    [Theory]
    [InlineData(0.5, false)]
    [InlineData(0.5000001, true)]
    [InlineData(1.0, true)]
    [InlineData(1.0000001, false)]
    public void Learning_rate_exponent_range_is_open_at_one_half_and_closed_at_one(double b, bool inRange) =>
        Assert.Equal(inRange, TheoryConditions.LearningRateExponentInRange(b));

    [Theory]
    [InlineData(0.25, 0.75, "ProductDivergent")]
    [InlineData(0.2500001, 0.75, "Covered")]
    [InlineData(0, 0.75, "Covered")]
    [InlineData(0.5, 1.5, "StepSumFinite")]
    [InlineData(0.5, 0.5, "StepSquaresDivergent")]
    public void Classify_orders_the_conditions_as_the_analyzer_reports_them(double a, double b, string expected) =>
        Assert.Equal(expected, TheoryConditions.Classify(a, b, maybeNonconvex: true).ToString());

    [Fact]
    public void Product_condition_applies_only_when_the_loss_may_be_nonconvex() =>
        Assert.Equal(ScheduleVerdict.Covered, TheoryConditions.Classify(0.1, 0.6, maybeNonconvex: false));

    [Theory]
    [InlineData(0.999, false)]
    [InlineData(1.0, true)]
    public void Step_decay_sum_diverges_only_without_decay(double gamma, bool diverges) =>
        Assert.Equal(diverges, TheoryConditions.StepDecaySumDiverges(gamma));
}

/// <summary>Each theory page quotes its diagnostic's message as the analyzer words it (placeholders as "…").</summary>
public class TheoryPageMessageTests
{
    [Fact]
    public void Every_theory_page_quotes_the_current_message()
    {
        string docs = System.IO.Path.Combine(RepoRoot(), "docs", "diagnostics");
        Assert.All(Sam.Generators.Diagnostics.DiagnosticDescriptors.All.Where(d => string.CompareOrdinal(d.Id, "SAM0100") >= 0), d =>
        {
            string page = System.IO.File.ReadAllText(System.IO.Path.Combine(docs, d.Id + ".md"));
            string expected = "Message: " + System.Text.RegularExpressions.Regex.Replace(d.MessageFormat.ToString(System.Globalization.CultureInfo.InvariantCulture), @"\{\d\}", "…");
            Assert.True(page.Split('\n').Contains(expected), d.Id + ": the page's Message line differs from\n" + expected);
        });
    }

    private static string RepoRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !System.IO.File.Exists(System.IO.Path.Combine(dir, "Sam.Dsl.sln")))
        {
            dir = System.IO.Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("repository root not found");
    }
}
