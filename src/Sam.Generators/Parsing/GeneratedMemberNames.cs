using System.Collections.Immutable;

namespace Sam.Generators.Parsing;

/// <summary>The members the span backend adds to a model class; a user member with one of these names is a conflict (SAM0005).</summary>
internal static class GeneratedMemberNames
{
    public const string EngineField = "__samEngine";
    public const string Optimizer = "Optimizer";
    public const string ZeroGradients = "ZeroGradients";
    public const string Perturb = "Perturb";
    public const string Restore = "Restore";
    public const string RestoreAndStep = "RestoreAndStep";
    public const string Step = "Step";
    public const string SharpnessAwareStep = "SharpnessAwareStep";

    public static ImmutableArray<string> All { get; } = ImmutableArray.Create(
        EngineField, Optimizer, ZeroGradients, Perturb, Restore, RestoreAndStep, Step, SharpnessAwareStep);
}
