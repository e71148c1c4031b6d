using System.Collections.Immutable;

namespace Sam.Generators.Parsing;

/// <summary>The members the backends add to a model class; a user member with one of these names is a conflict (SAM0005).</summary>
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

    // The span backend's extra members: the parameter walk checkpoints use, and the m-sharpness step.
    public const string VisitParameters = "VisitParameters";
    public const string MSharpnessStep = "MSharpnessStep";

    // The TorchSharp backend's extra members: its run-time state and the batch-norm freezing scope.
    public const string TorchStateField = "__samTorch";
    public const string TorchStateType = "__SamTorchState";
    public const string FreezeRunningStatistics = "FreezeRunningStatistics";

    public static ImmutableArray<string> All { get; } = ImmutableArray.Create(
        EngineField, Optimizer, ZeroGradients, Perturb, Restore, RestoreAndStep, Step, SharpnessAwareStep);

    /// <summary>The names the span backend adds: <see cref="All"/> plus <see cref="VisitParameters"/> and <see cref="MSharpnessStep"/>.</summary>
    public static ImmutableArray<string> AllSpan { get; } = All.AddRange(new[] { VisitParameters, MSharpnessStep });

    /// <summary>The names the TorchSharp backend adds: <see cref="All"/> plus its own.</summary>
    public static ImmutableArray<string> AllTorchSharp { get; } = All.AddRange(new[] { TorchStateField, TorchStateType, FreezeRunningStatistics });
}
