using System;
using System.Collections.Generic;
using System.Globalization;
using Sam.Generators.Diagnostics;
using Sam.Generators.Model;
using Sam.Generators.Parsing;
using Sam.Theory;

namespace Sam.Generators.Validation;

/// <summary>
/// The convergence theory of SAM (docs/theory.md and the pages under docs/diagnostics/, which cite the papers) as
/// one small rule per diagnostic. The conditions themselves (a + b &gt; 1, Σηₜ = ∞, …) live in src/Shared/TheoryConditions.cs,
/// which the theory lab compiles too. Principle: the practitioner's usual configuration (constant ρ, nothing declared) gets at most
/// information; a warning needs a declared assumption or a declared decaying schedule that the theory does
/// not support. Results reconstructed rather than read from the theorems are phrased "not covered by the
/// known guarantees", never as divergence.
/// </summary>
internal static class TheoryRules
{
    /// <summary>
    /// ρ from which SAM0108 mentions hallucinated minimizers: twice the customary 0.05. A scale-dependent rule of thumb,
    /// not a theorem: whether ρ is "large" depends on the distance between the loss's stationary points.
    /// </summary>
    public const double LargeRho = 0.1;

    /// <summary>Exponents the schedule fix proposes are multiples of this, so suggestions read as round numbers.</summary>
    public const double ExponentGrid = 0.05;

    public static IEnumerable<DiagnosticInfo> Evaluate(AttributeReading reading)
    {
        var c = new Facts(reading);
        if (c.Config.Rho == 0)
        {
            // ρ = 0 is the base optimizer exactly: nothing SAM-specific to say.
            yield break;
        }

        foreach (DiagnosticInfo? d in new[]
        {
            NeighbourhoodOnly(c), NonconvexFloor(c), ConstantLearningRate(c), LearningRateExponent(c), RhoExponent(c),
            FiniteHorizon(c, "RhoSchedule", "ρ", c.Config.RhoSchedule), FiniteHorizon(c, "LearningRateSchedule", "the learning rate", c.Config.LearningRateSchedule),
            OptimizerOutsideAnalysis(c), SaddleRisk(c), HallucinationRisk(c), UsamRadius(c), VariantOutsideAnalysis(c), MinimizerOnNonconvex(c),
            GeometricLearningRate(c), EfficientVariantAvailable(c), SkippedSamSteps(c),
        })
        {
            if (d is not null)
            {
                yield return d;
            }
        }
    }

    // Si & Yun 2023: stochastic SAM with constant ρ keeps an unavoidable O(ρ²) term.
    private static DiagnosticInfo? NeighbourhoodOnly(Facts c) =>
        c.RhoIsConstant && c.NormalizedSam && c.Assumed.Noise != NoiseKind.Deterministic && c.ExpectsExactConvergence
            ? DiagnosticInfo.Create(DiagnosticDescriptors.NeighbourhoodOnly, c.At("SharpnessAware.Expect"), N(c.Config.Rho), D(c.Config.Rho * c.Config.Rho), Expectation(c.Assumed.Expect))
            : null;

    // Si & Yun 2023: deterministic SAM, constant ρ, nonconvex: an O(ρ²) neighbourhood of stationarity, not removable.
    private static DiagnosticInfo? NonconvexFloor(Facts c) =>
        c.RhoIsConstant && c.NormalizedSam && c.Assumed.Noise == NoiseKind.Deterministic && c.MaybeNonconvex && c.ExpectsExactConvergence
            ? DiagnosticInfo.Create(
                DiagnosticDescriptors.NonconvexFloor,
                c.At("SharpnessAware.Expect"),
                c.Assumed.Landscape == LandscapeKind.Nonconvex ? "nonconvex" : "possibly nonconvex (Landscape undeclared)",
                N(c.Config.Rho),
                D(c.Config.Rho * c.Config.Rho),
                Expectation(c.Assumed.Expect))
            : null;

    // Si & Yun 2023's deterministic rate (a decaying step: docs/theory.md#rate) and Khanh et al. 2024 (Σηₜ = ∞, Σηₜ² < ∞):
    // a constant η falls outside what was proven, when the user relies on a decaying ρ or expects exact convergence
    // where the theory would give it.
    private static DiagnosticInfo? ConstantLearningRate(Facts c)
    {
        if (!c.Config.Normalize || c.LearningRateSchedule is not null || c.OutsideByOptimizerOrVariant)
        {
            return null;
        }

        string relied;
        if (c.RhoSchedule is { Shape: ScheduleShape.Polynomial, Exponent: > 0 })
        {
            relied = "the decaying-ρ convergence";
        }
        else if (c.RhoIsConstant && c.Assumed.Noise == NoiseKind.Deterministic && c.Assumed.Landscape is LandscapeKind.StronglyConvex or LandscapeKind.Convex && c.ExpectsExactConvergence)
        {
            relied = "convergence to the optimum";
        }
        else
        {
            return null;
        }

        return DiagnosticInfo.Create(DiagnosticDescriptors.ConstantLearningRate, c.OptimizerAt("LearningRate"), N(c.Config.Optimizer.LearningRate), relied);
    }

    // Khanh et al. 2024 (deterministic gradients, plain SGD steps): ηₜ ∝ t^(−b) satisfies Σηₜ = ∞ ⇔ b ≤ 1 and
    // Σηₜ² < ∞ ⇔ b > ½. Quiet for momentum, Adam and unanalysed variants, like SAM0102 (SAM0106/SAM0110 speak there).
    private static DiagnosticInfo? LearningRateExponent(Facts c)
    {
        if (c.LearningRateSchedule is not { Shape: ScheduleShape.Polynomial } s || !ConfigValidator.IsFinite(s.Exponent) || s.Exponent < 0 || c.OutsideByOptimizerOrVariant)
        {
            return null;
        }

        double b = s.Exponent;
        string why = !TheoryConditions.StepSumDiverges(b) ? "Σηₜ < ∞ because b > 1" : !TheoryConditions.StepSquaresSummable(b) ? "Σηₜ² = ∞ because b ≤ ½" : "";
        if (why.Length == 0)
        {
            return null;
        }

        double fixedB = NearestLearningRateExponent(b);
        return DiagnosticInfo.Create(DiagnosticDescriptors.LearningRateExponent, c.At("LearningRateSchedule.Exponent"), N(b), why)
            .WithProperty("Attribute", "LearningRateSchedule")
            .WithProperty("Exponent", N(fixedB));
    }

    // Khanh et al. 2024 (our reading of the abstract and introduction): nonconvex convergence with a decaying ρ also needs Σηₜρₜ < ∞ ⇔ a + b > 1. Checked when
    // both decays are declared polynomial, ρ really decays (a > 0; a constant ρ is SAM0100/SAM0101's case) and b itself
    // is fine (otherwise SAM0103 speaks first); quiet for momentum, Adam and unanalysed variants.
    private static DiagnosticInfo? RhoExponent(Facts c)
    {
        if (c.RhoSchedule is not { Shape: ScheduleShape.Polynomial } rho || c.LearningRateSchedule is not { Shape: ScheduleShape.Polynomial } lr
            || !c.MaybeNonconvex || c.OutsideByOptimizerOrVariant || !ConfigValidator.IsFinite(rho.Exponent) || !(rho.Exponent > 0)
            || !TheoryConditions.LearningRateExponentInRange(lr.Exponent))
        {
            return null;
        }

        double a = rho.Exponent, b = lr.Exponent;
        if (TheoryConditions.StepRadiusProductSummable(a, b))
        {
            return null;
        }

        return DiagnosticInfo.Create(DiagnosticDescriptors.RhoExponent, c.At("RhoSchedule.Exponent"), N(a), N(b), D(a + b))
            .WithProperty("Attribute", "RhoSchedule")
            .WithProperty("Exponent", N(NearestRhoExponent(a, b)));
    }

    // A cosine schedule reaches its final value at a finite horizon: outside, not against, the asymptotic conditions.
    // A step decay never stops: on ρ it satisfies the decaying-ρ conditions (nothing to say); on the learning rate
    // with γ < 1 its sum is finite, which SAM0112 reports (GeometricLearningRate).
    private static DiagnosticInfo? FiniteHorizon(Facts c, string prefix, string what, ScheduleSpec? s)
    {
        if (s?.Shape != ScheduleShape.Cosine)
        {
            return null;
        }

        string detail = string.Format(CultureInfo.InvariantCulture, "to {0} over {1} steps", N(s.Floor), N(s.TotalSteps > 0 ? s.TotalSteps : c.Config.TotalSteps));
        return DiagnosticInfo.Create(DiagnosticDescriptors.FiniteHorizonSchedule, ConfigValidator.AttributeAt(c.Reading, prefix), "cosine", what, detail);
    }

    // A learning rate η₀·γ^⌊t/S⌋ with γ < 1 that never stops decaying sums to η₀S/(1 − γ): Σηₜ = ∞ fails, as for b > 1
    // (Khanh et al. 2024 need Σηₜ = ∞). Scoped like SAM0103.
    private static DiagnosticInfo? GeometricLearningRate(Facts c)
    {
        if (c.LearningRateSchedule is not { Shape: ScheduleShape.Step } s || s.StepSize <= 0 || !ConfigValidator.IsFinite(s.Gamma) || !(s.Gamma > 0)
            || TheoryConditions.StepDecaySumDiverges(s.Gamma) || c.OutsideByOptimizerOrVariant)
        {
            return null;
        }

        double eta0 = c.Config.Optimizer.LearningRate;
        return DiagnosticInfo.Create(
            DiagnosticDescriptors.GeometricLearningRate,
            ConfigValidator.AttributeAt(c.Reading, "LearningRateSchedule"),
            N(s.Gamma),
            N(s.StepSize),
            D(TheoryConditions.StepDecaySum(eta0, s.StepSize, s.Gamma)));
    }

    // Si & Yun 2023 and Khanh et al. 2024 analyse plain SGD steps: momentum and Adam are outside all of them.
    private static DiagnosticInfo? OptimizerOutsideAnalysis(Facts c)
    {
        OptimizerSpec o = c.Config.Optimizer;
        if (!o.HasMomentum || c.Assumed.Expect == GuaranteeKind.None)
        {
            return null;
        }

        string name = o.Kind == BaseOptimizerKind.AdamW
            ? string.Format(CultureInfo.InvariantCulture, "AdamW (β₁ = {0}, β₂ = {1})", N(o.Beta1), N(o.Beta2))
            : string.Format(CultureInfo.InvariantCulture, "SGD with momentum {0}", N(o.Momentum));
        LocationInfo? where = o.Kind == BaseOptimizerKind.AdamW ? ConfigValidator.AttributeAt(c.Reading, "AdamW") : c.At("Sgd.Momentum");
        return DiagnosticInfo.Create(DiagnosticDescriptors.OptimizerOutsideAnalysis, where, name, Expectation(c.Assumed.Expect));
    }

    // Kim et al. 2023: with the unnormalized perturbation a saddle attracts when ρ exceeds 1/|λ_min|, and SAM escapes
    // saddles more slowly than SGD. Our own derivation (docs/theory.md#saddle): for normalized SAM the radius is ρ/‖∇f‖,
    // which crosses that threshold within about ρ of any saddle; with gradient noise the lab's runs stay trapped.
    private static DiagnosticInfo? SaddleRisk(Facts c) =>
        c.Config.Variant == VariantKind.Sam && c.Config.Normalize && !c.Config.Optimizer.HasMomentum && c.Assumed.Noise != NoiseKind.Deterministic
            ? DiagnosticInfo.Create(DiagnosticDescriptors.SaddleRisk, c.Reading.AttributeLocations.ContainsKey("Sgd") ? ConfigValidator.AttributeAt(c.Reading, "Sgd") : c.Reading.AttributeLocation, N(c.Config.Rho))
            : null;

    // Park et al. 2025: hallucinated minimizers about ρ from a minimizer; a base-optimizer warm start mitigates them.
    // The trigger ρ ≥ LargeRho is a scale-dependent rule of thumb.
    private static DiagnosticInfo? HallucinationRisk(Facts c)
    {
        SamConfigSpec s = c.Config;
        if (!c.NormalizedSam || s.Variant != VariantKind.Sam || !c.RhoIsConstant || s.Rho < LargeRho || s.BaseOptimizerSteps != 0 || s.BaseOptimizerFraction != 0)
        {
            return null;
        }

        return DiagnosticInfo.Create(DiagnosticDescriptors.HallucinationRisk, c.At("SharpnessAware.Rho"), N(s.Rho))
            .WithProperty("Warmup", s.TotalSteps > 0 ? "BaseOptimizerFraction" : "BaseOptimizerSteps");
    }

    // Khanh et al. 2024 (our reading): USAM's guarantees need ρₜL below 1 for the radius the iterates keep. A ρ that decays to 0
    // satisfies it from some step on, which is what the asymptotic results need; a cosine ρ keeps its floor.
    private static DiagnosticInfo? UsamRadius(Facts c)
    {
        double l = c.Assumed.Smoothness, rho = LimitRho(c);
        return !c.Config.Normalize && l > 0 && ConfigValidator.IsFinite(l) && !TheoryConditions.UsamRadiusCovered(rho, l)
            ? DiagnosticInfo.Create(DiagnosticDescriptors.UsamRadius, c.At("SharpnessAware.Smoothness"), N(rho), N(l), D(rho * l))
            : null;
    }

    /// <summary>The radius ρ settles to: 0 for a polynomial decay (a &gt; 0) or a step decay (γ &lt; 1), the floor of a cosine, else ρ₀.</summary>
    private static double LimitRho(Facts c) => c.RhoSchedule switch
    {
        { Shape: ScheduleShape.Polynomial, Exponent: > 0 } => 0,
        { Shape: ScheduleShape.Step, Gamma: < 1, StepSize: > 0 } => 0,
        { Shape: ScheduleShape.Cosine } s => s.Floor,
        _ => c.Config.Rho,
    };

    // Khanh et al. 2024 cover SAM, USAM, VaSSO, F-SAM and RSAM. GCSAM is our reading: its perturbation has norm ρ and its
    // step uses the gradient at w + e, so the same inexact-gradient bound ‖∇f(w + e) − ∇f(w)‖ ≤ Lρ applies. ASAM (the
    // perturbation is scaled by |w| + η) and GSAM (the step direction is changed) are outside.
    private static DiagnosticInfo? VariantOutsideAnalysis(Facts c) =>
        !IsAnalysedVariant(c.Config.Variant) && Enum.IsDefined(typeof(VariantKind), c.Config.Variant) && c.Assumed.Expect != GuaranteeKind.None
            ? DiagnosticInfo.Create(DiagnosticDescriptors.VariantOutsideAnalysis, c.At("SharpnessAware.Variant"), c.Config.Variant.ToString(), Expectation(c.Assumed.Expect))
            : null;

    /// <summary>SAM, VaSSO and Friendly SAM (Khanh et al. 2024), and GCSAM by our reading of the same bound.</summary>
    // A declared budget and plain SAM on every step: say that the efficient variants exist (a fact about cost, no claim
    // about accuracy; docs/efficiency.md has the measurements).
    // Not when switching leaves no SAM step within the budget (SAM0014 says so).
    private static DiagnosticInfo? EfficientVariantAvailable(Facts c) =>
        c.Config.TotalSteps > 0 && c.Config.Variant == VariantKind.Sam && !c.Config.SkipsOrApproximatesSamSteps && c.Config.BaseOptimizerSteps < c.Config.TotalSteps &&
        !(c.Config.BaseOptimizerFraction > 0 && c.Config.BaseOptimizerFraction < 1 && Math.Ceiling((decimal)c.Config.BaseOptimizerFraction * c.Config.TotalSteps) >= c.Config.TotalSteps)
            ? DiagnosticInfo.Create(DiagnosticDescriptors.EfficientVariantAvailable, c.At("SharpnessAware.TotalSteps"), c.Config.TotalSteps.ToString(CultureInfo.InvariantCulture))
            : null;

    // Periodic SAM, AE-SAM, randomized switching (steps skipped) and LookSAM/ESAM (steps approximated) with a declared
    // expectation: the cited analyses take a SAM step every iteration. LookSAM and ESAM also trigger SAM0110 (their
    // variant is unanalysed), so this one speaks only of the step policy for them. AE-SAM's authors prove their own
    // convergence result, under assumptions this analyzer does not check: the message points to it.
    private static DiagnosticInfo? SkippedSamSteps(Facts c)
    {
        EfficiencySpec e = c.Config.EfficiencyOrDefault;
        if (c.Assumed.Expect == GuaranteeKind.None || !Enum.IsDefined(typeof(PolicyKind), e.Policy))
        {
            return null;
        }

        (string? what, string key) = e.Policy switch
        {
            PolicyKind.Adaptive => ("StepPolicy = Adaptive (AE-SAM) takes a SAM step only when ‖g‖² exceeds its running threshold", "SharpnessAware.StepPolicy"),
            PolicyKind.Random => ("StepPolicy = Random takes a SAM step with a probability", "SharpnessAware.StepPolicy"),
            _ when c.Config.Interval > 1 => ("Interval = " + c.Config.Interval.ToString(CultureInfo.InvariantCulture) + " takes a SAM step every " + c.Config.Interval.ToString(CultureInfo.InvariantCulture) + " steps" +
                (c.Config.Variant == VariantKind.LookSam ? " and reuses an old SAM direction in between (LookSAM)" : ", the base optimizer alone in between"), "SharpnessAware.Interval"),
            _ => (null, ""),
        };
        if (what is null)
        {
            return null;
        }

        string aeSam = e.Policy == PolicyKind.Adaptive ? "; Jiang et al. (ICLR 2023) prove a convergence result for AE-SAM under their own assumptions, which are not checked here," : "";
        return DiagnosticInfo.Create(DiagnosticDescriptors.SkippedSamStepsOutsideAnalysis, c.At(key), what, Expectation(c.Assumed.Expect), aeSam);
    }

    public static bool IsAnalysedVariant(VariantKind v) => v is VariantKind.Sam or VariantKind.Vasso or VariantKind.FriendlySam or VariantKind.Gcsam;

    // Khanh et al. 2024: on nonconvex losses the conclusions are about stationary points, never minimizers.
    private static DiagnosticInfo? MinimizerOnNonconvex(Facts c) =>
        c.Assumed.Landscape == LandscapeKind.Nonconvex && c.Assumed.Expect == GuaranteeKind.Minimizer
            ? DiagnosticInfo.Create(DiagnosticDescriptors.MinimizerOnNonconvex, c.At("SharpnessAware.Expect"))
            : null;

    /// <summary>The learning-rate exponent in (½, 1] nearest to b, on the <see cref="ExponentGrid"/>.</summary>
    public static double NearestLearningRateExponent(double b) => b > 1 ? 1 : Math.Max(Grid(b), 0.5 + ExponentGrid);

    /// <summary>The smallest ρ exponent on the grid that is ≥ a with a + b &gt; 1.</summary>
    public static double NearestRhoExponent(double a, double b) => Math.Max(Grid(a), Grid(1 - b + ExponentGrid));

    private static double Grid(double x) => Math.Round(Math.Ceiling(Math.Round(x / ExponentGrid, 9)) * ExponentGrid, 10);

    private static string Expectation(GuaranteeKind g) => g switch
    {
        GuaranteeKind.Minimizer => "convergence to a minimizer",
        GuaranteeKind.StationaryPoint => "convergence to a stationary point",
        _ => "convergence to a neighbourhood",
    };

    private static string N(double v) => ConfigValidator.Number(v);

    private static string D(double v) => ConfigValidator.Derived(v);

    /// <summary>The reading plus the derived facts the rules share.</summary>
    private sealed class Facts
    {
        public Facts(AttributeReading reading)
        {
            Reading = reading;
            Config = reading.Config;
            Assumed = Config.AssumptionsOrNone;
        }

        public AttributeReading Reading { get; }

        public SamConfigSpec Config { get; }

        public AssumptionSpec Assumed { get; }

        public ScheduleSpec? RhoSchedule => Config.RhoSchedule;

        public ScheduleSpec? LearningRateSchedule => Config.LearningRateSchedule;

        /// <summary>ρ does not decay: no schedule, a constant one, or a polynomial with exponent 0.</summary>
        public bool RhoIsConstant => RhoSchedule is null || RhoSchedule.Shape == ScheduleShape.Constant || (RhoSchedule.Shape == ScheduleShape.Polynomial && RhoSchedule.Exponent == 0);

        /// <summary>Normalized perturbation of norm ρ with a variant the results cover (<see cref="IsAnalysedVariant"/>).</summary>
        public bool NormalizedSam => Config.Normalize && IsAnalysedVariant(Config.Variant) && !Config.SkipsOrApproximatesSamSteps;

        public bool MaybeNonconvex => Assumed.Landscape is LandscapeKind.Nonconvex or LandscapeKind.Unspecified;

        public bool ExpectsExactConvergence => Assumed.Expect is GuaranteeKind.StationaryPoint or GuaranteeKind.Minimizer;

        /// <summary>Momentum, Adam or an unanalysed variant: SAM0106/SAM0110 speak instead of the step-size rules.</summary>
        /// <remarks>Skipped or approximated SAM steps (SAM0114) silence the step-size rules too: their results assume a SAM step every iteration.</remarks>
        public bool OutsideByOptimizerOrVariant => Config.Optimizer.HasMomentum || !IsAnalysedVariant(Config.Variant) || Config.SkipsOrApproximatesSamSteps;

        public LocationInfo? At(string key) => ConfigValidator.At(Reading, key);

        public LocationInfo? OptimizerAt(string argument) =>
            Config.Optimizer.Kind == BaseOptimizerKind.AdamW ? At("AdamW." + argument)
            : Reading.AttributeLocations.ContainsKey("Sgd") ? At("Sgd." + argument)
            : Reading.AttributeLocation;
    }
}
