namespace Sam.Generators.Model;

/// <summary>The emission targets. One model, one emitter per backend.</summary>
internal enum Backend
{
    /// <summary>Parameters the user owns as float memory (<c>Sam.Parameter</c>).</summary>
    Span,

    /// <summary>A <c>torch.nn.Module</c> whose parameters TorchSharp owns.</summary>
    TorchSharp,
}

/// <summary>Everything the emitter needs for one annotated class, as equatable data.</summary>
/// <param name="Hierarchy">Namespace and containing types.</param>
/// <param name="HintName">The generated file's name (before case-collision disambiguation, Parsing/HintNames.cs).</param>
/// <param name="DisplayName">The class's name as users read it (for doc comments), keywords escaped (<c>@class</c>).</param>
/// <param name="Backend">Which emitter runs.</param>
/// <param name="Config">The SAM and base-optimizer settings.</param>
/// <param name="Members">The parameter members, in declaration order (base class members first).</param>
/// <param name="AllowsRefStructState">C# 13 or later: the callback state may be a ref struct (a span-based batch).</param>
/// <param name="Torch">TorchSharp specifics when <paramref name="Backend"/> is TorchSharp, else null.</param>
internal sealed record SamModelSpec(
    TypeHierarchy Hierarchy,
    string HintName,
    string DisplayName,
    Backend Backend,
    SamConfigSpec Config,
    EquatableArray<ParameterMember> Members,
    bool AllowsRefStructState = false,
    TorchSpec? Torch = null);

/// <summary>The parse of one annotated class: the model (null when it cannot be generated) and what is wrong with it.</summary>
internal sealed record ParseResult(SamModelSpec? Model, EquatableArray<DiagnosticInfo> Diagnostics);
