using System.Collections.Immutable;

namespace Sam.Generators.Parsing;

/// <summary>The members the backends add to a model class; a user member with one of these names is a conflict (SAM0005).</summary>
internal static class GeneratedMemberNames
{
    public const string EngineField = "__samOptimizer";
    public const string Optimizer = "Optimizer";
    public const string ZeroGradients = "ZeroGradients";
    public const string Perturb = "Perturb";
    public const string Restore = "Restore";
    public const string RestoreAndStep = "RestoreAndStep";
    public const string BaseStep = "BaseStep";
    public const string SharpnessAwareStep = "SharpnessAwareStep";

    public const string MSharpnessStep = "MSharpnessStep";

    // The span backend's extra members: the parameter walk, the model's path node, and one walk method per
    // sub-module type, named with this prefix and the type's name (__samWalkBlock).
    public const string VisitParameters = "VisitParameters";
    public const string PathsField = "__samPaths";
    public const string WalkMethodPrefix = "__samWalk";

    public static ImmutableArray<string> All { get; } = ImmutableArray.Create(
        EngineField, Optimizer, ZeroGradients, Perturb, Restore, RestoreAndStep, BaseStep, SharpnessAwareStep, MSharpnessStep);

    /// <summary>The names the span backend adds: <see cref="All"/> plus <see cref="VisitParameters"/> and <see cref="PathsField"/>
    /// (and any name starting with <see cref="WalkMethodPrefix"/>).</summary>
    public static ImmutableArray<string> AllSpan { get; } = All.Add(VisitParameters).Add(PathsField);

    /// <summary>The names the TorchSharp backend adds.</summary>
    public static ImmutableArray<string> AllTorchSharp => All;
}
