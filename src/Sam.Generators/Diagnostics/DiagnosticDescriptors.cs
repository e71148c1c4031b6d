using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace Sam.Generators.Diagnostics;

/// <summary>
/// The one catalogue of Sam.Dsl diagnostics. Ids are never renumbered or reused. SAM0001–SAM0099: usage;
/// SAM0100–SAM0199: convergence theory. Every id has a page docs/diagnostics/{id}.md and a line in
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

    public static readonly DiagnosticDescriptor BatchNormInPerturbedPass = Create(
        "SAM0050",
        "Batch-norm running statistics see the perturbed pass",
        "'{0}' has batch-norm layers ({1}) whose running statistics the forward pass at the perturbed weights would update too; SharpnessAwareStep keeps them frozen for that pass, and a loop that calls Perturb() and RestoreAndStep() itself should run its second forward pass inside FreezeRunningStatistics()",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Info);

    public static readonly DiagnosticDescriptor TorchSharpUnsupportedFeature = Create(
        "SAM0051",
        "Not implemented by the TorchSharp backend",
        "'{0}' is a TorchSharp module, and the TorchSharp backend does not implement {1}; Perturb() would throw NotSupportedException (use plain SAM or USAM on this model, or Sam.Parameter members)",
        DiagnosticCategories.Usage,
        DiagnosticSeverity.Error);

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
        BatchNormInPerturbedPass,
        TorchSharpUnsupportedFeature);

    private static readonly Dictionary<string, DiagnosticDescriptor> s_byId = All.ToDictionary(d => d.Id);

    public static DiagnosticDescriptor? ById(string id) => s_byId.TryGetValue(id, out DiagnosticDescriptor? d) ? d : null;

    private static DiagnosticDescriptor Create(string id, string title, string message, string category, DiagnosticSeverity severity) =>
        new(id, title, message, category, severity, isEnabledByDefault: true, description: null, helpLinkUri: HelpLinkBase + id + ".md");
}
