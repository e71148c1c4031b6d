using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Sam.Generators.Diagnostics;

/// <summary>
/// The one catalogue of Sam.Dsl diagnostics. Ids are never renumbered or reused. SAM0001–SAM0049: usage (SAM0050–SAM0069 reserved);
/// SAM0100–SAM0149: convergence theory. Every id has a page docs/diagnostics/{id}.md and a line in
/// AnalyzerReleases.*.md (a test checks the three agree).
/// </summary>
internal static class DiagnosticDescriptors
{
    public const string HelpLinkBase = "https://github.com/sam-dsl/sam-dsl/blob/main/docs/diagnostics/";

    public static readonly DiagnosticDescriptor ClassNotPartial = Create(
        "SAM0001",
        "Sharpness-aware model must be partial",
        "'{0}' must be declared partial (with every type that contains it) so the SAM members can be generated",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NoParameters = Create(
        "SAM0002",
        "No parameters found",
        "No Parameter members were found in '{0}' or its sub-modules; the generated SAM members will do nothing",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor UnsupportedMemberType = Create(
        "SAM0003",
        "Parameter member type not supported",
        "Member '{0}' of type '{1}' holds parameters in a shape SAM cannot visit (use Parameter, T[], List<T>, IList<T> or IReadOnlyList<T>); it is not optimized",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor InvalidArgument = Create(
        "SAM0004",
        "Invalid attribute argument",
        "{0} = {1} is invalid: {2}",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor MemberNameConflict = Create(
        "SAM0005",
        "Generated member name already used",
        "'{0}' already has a member named '{1}', which the SAM generator needs; rename it",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor RecursiveModule = Create(
        "SAM0006",
        "Recursive module type",
        "Member '{0}' has type '{1}', which contains itself; SAM does not follow it (hold the parameters in a collection instead)",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor InaccessibleMember = Create(
        "SAM0007",
        "Parameter member not accessible",
        "Member '{0}' of '{1}' holds parameters but is not accessible from '{2}'; it is not optimized (make it internal or public)",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ConflictingArguments = Create(
        "SAM0008",
        "Conflicting attribute arguments",
        "{0}",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor NotAClass = Create(
        "SAM0009",
        "Sharpness-aware model must be a class",
        "'{0}' is a {1}; [SharpnessAware] applies to classes and record classes, which keep the optimizer's state",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    // SAM0010–SAM0049: usage checks added with the theory-aware analyzer (SAM0050–SAM0069 are reserved).

    public static readonly DiagnosticDescriptor CosineWithoutHorizon = Create(
        "SAM0010",
        "Cosine schedule needs a horizon",
        "The cosine {0} schedule needs TotalSteps > 0 (on the schedule or on [SharpnessAware]) to know where it reaches its floor",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor StepWithoutStepSize = Create(
        "SAM0011",
        "Step schedule needs a step size",
        "The step {0} schedule needs StepSize > 0, the number of steps between decays by Gamma = {1}",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor FractionWithoutTotalSteps = Create(
        "SAM0012",
        "Warm-up fraction needs TotalSteps",
        "BaseOptimizerFraction = {0} needs TotalSteps > 0 on [SharpnessAware] to become a number of steps",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor VariantOptionIgnored = Create(
        "SAM0013",
        "Option does not apply to the chosen variant",
        "{0} = {1} applies only to Variant = {2} and is ignored with Variant = {3}",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor SamNeverRuns = Create(
        "SAM0014",
        "SAM never runs within TotalSteps",
        "The base optimizer runs alone for {0} of the {1} planned steps, so SAM never runs",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor HiddenParameterMember = Create(
        "SAM0015",
        "Parameter member hides an inherited one",
        "'{0}' declares '{1}', which hides an inherited parameter member of the same name, so the hidden parameter is never perturbed or stepped",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ScheduleArgumentIgnored = Create(
        "SAM0016",
        "Schedule argument does not apply to its kind",
        "{0} does not apply to a {1} schedule and is ignored",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    // SAM0050–SAM0069: the TorchSharp backend. SAM0050 and SAM0051 were retired before the first release: the
    // engine keeps batch-norm running statistics in every phase, and every variant runs on TorchSharp.
    public static readonly DiagnosticDescriptor TorchSharpPackageMissing = Create(
        "SAM0052",
        "TorchSharp module needs the Sam.Dsl.TorchSharp package",
        "'{0}' is a TorchSharp module, and its SAM optimizer is in the Sam.Dsl.TorchSharp package, which this project does not reference; add <PackageReference Include=\"Sam.Dsl.TorchSharp\" /> (the same version as Sam.Dsl)",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    // SAM0100–SAM0149: convergence theory (docs/theory.md; sources cited in every message).

    public static readonly DiagnosticDescriptor NeighbourhoodOnly = Create(
        "SAM0100",
        "Constant-ρ stochastic SAM converges only to a neighbourhood",
        "With stochastic gradients and constant ρ = {0}, SAM keeps an unavoidable additive term of order ρ² = {1}, so the declared {2} is not covered by the known guarantees (Si & Yun 2023)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor NonconvexFloor = Create(
        "SAM0101",
        "Constant-ρ SAM on a nonconvex loss reaches only a neighbourhood of stationarity",
        "On a {0} loss, deterministic SAM with constant ρ = {1} is guaranteed only a neighbourhood of stationarity of order ρ² = {2}, which cannot be removed, so the declared {3} is not covered by the known guarantees (Si & Yun 2023)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor ConstantLearningRate = Create(
        "SAM0102",
        "Constant learning rate outside the decaying-step guarantees",
        "The learning rate is constant (η = {0}), so Σηₜ² = ∞ and {1} is not covered by the known guarantees, which need Σηₜ = ∞ and Σηₜ² < ∞ (Si & Yun 2023; Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor LearningRateExponent = Create(
        "SAM0103",
        "Learning-rate decay exponent outside Σηₜ = ∞ and Σηₜ² < ∞",
        "The learning rate decays as t^(−b) with b = {0}, so {1} and convergence is not covered by the known guarantees for plain SGD steps with deterministic gradients, which need ½ < b ≤ 1 (Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor RhoExponent = Create(
        "SAM0104",
        "ρ and learning-rate decays too slow for the nonconvex guarantee",
        "ρ decays as t^(−a) and η as t^(−b) with a = {0}, b = {1} and a + b = {2} ≤ 1, so Σηₜρₜ = ∞ and convergence on a nonconvex loss is not covered by the known guarantees for plain SGD steps with deterministic gradients, which need a + b > 1 (Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor FiniteHorizonSchedule = Create(
        "SAM0105",
        "Finite-horizon schedule is outside the asymptotic analysis",
        "The {0} schedule of {1} ({2}) ends at a finite horizon, so the asymptotic conditions Σηₜ = ∞, Σηₜ² < ∞ and Σηₜρₜ < ∞ do not apply to it, and the finite-horizon analyses of cosine and linear schedules are not checked here (Khanh et al. 2024; Harada & Iiduka 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor OptimizerOutsideAnalysis = Create(
        "SAM0106",
        "Base optimizer outside the SAM convergence analyses",
        "{0} as the base optimizer is not covered by the known SAM guarantees, which analyse plain SGD steps, so the declared {1} is not established (Si & Yun 2023; Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor SaddleRisk = Create(
        "SAM0107",
        "Normalized SAM without momentum can be attracted to saddles",
        "Normalized SAM with ρ = {0} and no momentum can be drawn to saddle points: Kim et al. 2023 show saddles attracting SAM when ρ exceeds 1/|λ_min| for the unnormalized perturbation, and SAM escaping saddles more slowly than SGD, which momentum and larger batches mitigate; for the normalized perturbation the effective radius ρ/‖∇f‖ exceeds that threshold within about ρ of any saddle (our derivation), and with gradient noise it can stay trapped for a long time even with momentum, as docs/theory.md#saddle shows (Kim et al. 2023)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor HallucinationRisk = Create(
        "SAM0108",
        "SAM from the first step can converge to hallucinated minimizers",
        "Normalized SAM with constant ρ = {0} from the first step can converge to hallucinated minimizers, points about ρ away from a minimizer where ∇f ≠ 0; running the base optimizer alone first (~10% of steps) mitigates this but does not always prevent it, and ρ ≥ 0.1 is a scale-dependent rule of thumb for 'large', not a theorem (Park et al. 2025)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor UsamRadius = Create(
        "SAM0109",
        "USAM radius exceeds the smoothness bound",
        "Unnormalized SAM whose radius settles at ρ = {0}, with declared smoothness L = {1}, has ρL = {2} ≥ 1, outside the condition ρL < 1 under which its convergence is covered by the known guarantees (Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor VariantOutsideAnalysis = Create(
        "SAM0110",
        "SAM variant outside the convergence analyses",
        "Variant = {0} is outside the cited convergence analyses, which treat SAM, USAM, VaSSO, F-SAM and RSAM, and GCSAM, whose perturbation also has norm ρ, by our reading of the same bound, so the declared {1} is not established (Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor MinimizerOnNonconvex = Create(
        "SAM0111",
        "Convergence to a minimizer is not guaranteed on a nonconvex loss",
        "On a nonconvex loss the known SAM guarantees reach stationary points (∇f → 0), not minimizers, so Expect = Minimizer is not covered; declare Expect = StationaryPoint (Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    // Added for compile-time reliability (issue 14, issue 10); kept at the end of the catalogue, ids in the usage range.

    /// <summary>The SAM0017 id, for tests and for code that reports the internal error outside the catalogue's users.</summary>
    public const string InternalErrorId = "SAM0017";

    public static readonly DiagnosticDescriptor InternalError = Create(
        InternalErrorId,
        "Internal error in Sam.Dsl",
        "The Sam.Dsl {0} failed on '{1}' with {2}: {3}; the SAM members of this class may be missing, please file an issue at https://github.com/sam-dsl/sam-dsl/issues with this message",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor FileLocalModel = Create(
        "SAM0018",
        "Sharpness-aware model cannot be file-local",
        "'{0}' is a file-local type (declared with 'file'{1}), which generated code in another file cannot extend; declare it internal or public instead",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

    public static readonly DiagnosticDescriptor ModuleTooDeep = Create(
        "SAM0019",
        "Sub-module nested too deeply",
        "Member '{0}' of '{1}' is a sub-module {2} levels below '{3}', deeper than the {4} levels SAM walks; its parameters are not optimized (flatten the module tree or hold the modules in a collection)",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor GeometricLearningRate = Create(
        "SAM0112",
        "Step-decay learning rate has a finite sum",
        "The learning rate decays ×{0} every {1} steps without end, so Σηₜ = η₀·{1}/(1 − {0}) = {2} < ∞ and the iterates move a bounded total distance; convergence is not covered by the known guarantees for plain SGD steps with deterministic gradients, which need Σηₜ = ∞ (Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    public static readonly DiagnosticDescriptor EfficientVariantAvailable = Create(
        "SAM0113",
        "Efficient SAM variants can cut the second gradient",
        "A budget of {0} steps is declared and every step is a SAM step, with two gradient evaluations; LookSAM (Variant = LookSam with Interval = k), AE-SAM (StepPolicy = Adaptive) or randomized switching (StepPolicy = Random) take the second one on a fraction of the steps only; docs/efficiency.md measures what each keeps of SAM's accuracy gain (Liu et al. 2022; Jiang et al. 2023)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor SkippedSamStepsOutsideAnalysis = Create(
        "SAM0114",
        "Skipped or approximated SAM steps are outside the convergence analyses",
        "{0}, so the declared {1} is outside the cited analyses, which take a SAM step at every iteration{2} (Si & Yun 2023; Khanh et al. 2024)",
        DiagnosticCategories.Theory,
        DiagnosticSeverity.Warning);

    /// <summary>Every descriptor, in id order.</summary>
    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        ClassNotPartial,
        NoParameters,
        UnsupportedMemberType,
        InvalidArgument,
        MemberNameConflict,
        RecursiveModule,
        InaccessibleMember,
        ConflictingArguments,
        NotAClass,
        CosineWithoutHorizon,
        StepWithoutStepSize,
        FractionWithoutTotalSteps,
        VariantOptionIgnored,
        SamNeverRuns,
        HiddenParameterMember,
        ScheduleArgumentIgnored,
        InternalError,
        FileLocalModel,
        ModuleTooDeep,
        TorchSharpPackageMissing,
        NeighbourhoodOnly,
        NonconvexFloor,
        ConstantLearningRate,
        LearningRateExponent,
        RhoExponent,
        FiniteHorizonSchedule,
        OptimizerOutsideAnalysis,
        SaddleRisk,
        HallucinationRisk,
        UsamRadius,
        VariantOutsideAnalysis,
        MinimizerOnNonconvex,
        GeometricLearningRate,
        EfficientVariantAvailable,
        SkippedSamStepsOutsideAnalysis);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = All.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor? ById(string id) => s_byId.TryGetValue(id, out DiagnosticDescriptor? d) ? d : null;

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description: null, helpLinkUri: HelpLinkBase + id + ".md");
}
