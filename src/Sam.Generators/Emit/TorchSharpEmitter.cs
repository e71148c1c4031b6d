using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The TorchSharp backend: the model is a <c>torch.nn.Module</c> whose parameters TorchSharp owns. The engine is
/// compiled code in the Sam.Dsl.TorchSharp package (<c>Sam.TorchSamOptimizer</c>), which captures the
/// module's <c>named_parameters()</c> and drives the runtime's algorithm over the tensors' own memory; the
/// generated members only create it from the attributes and forward to it.
/// </summary>
internal sealed class TorchSharpEmitter : IBackendEmitter
{
    public static readonly TorchSharpEmitter Instance = new(theoryRemarks: true);

    /// <summary>For projects that set <c>SamDslTheoryDocComments</c> to false.</summary>
    public static readonly TorchSharpEmitter WithoutTheoryRemarks = new(theoryRemarks: false);

    private const string Optimizer = "global::Sam.TorchSamOptimizer";

    private readonly bool _theoryRemarks;

    private TorchSharpEmitter(bool theoryRemarks) => _theoryRemarks = theoryRemarks;

    public void EmitMembers(SourceWriter w, SamModelSpec model)
    {
        string attr = GeneratedCodeInfo.Attribute;
        OptimizerPropertyEmitter.Emit(w, model, attr, Optimizer, "this", _theoryRemarks, Options(model.Torch ?? TorchSpec.Default));

        string o = "this." + GeneratedMemberNames.Optimizer;
        ForwardingMembersEmitter.EmitPhases(w, attr, o, Optimizer);

        ForwardingMembersEmitter.Emit(w, model, attr, o, Optimizer, refStructState: false);
    }

    // [ExcludeFromPerturbation] and [Frozen] on the module's members, as name filters over named_parameters():
    // TorchSharp registers a field's sub-module or parameter under the field's name.
    private static string? Options(TorchSpec torch)
    {
        if (torch.ExcludedFromPerturbation.Count == 0 && torch.Frozen.Count == 0)
        {
            return null;
        }

        var items = new System.Collections.Generic.List<string>();
        if (torch.ExcludedFromPerturbation.Count > 0)
        {
            items.Add("ExcludeFromPerturbation = static name => " + Filter(torch.ExcludedFromPerturbation));
        }

        if (torch.Frozen.Count > 0)
        {
            items.Add("Frozen = static name => " + Filter(torch.Frozen));
        }

        return "new global::Sam.TorchSamOptions { " + string.Join(", ", items) + " }";
    }

    private static string Filter(EquatableArray<string> members)
    {
        var tests = new System.Collections.Generic.List<string>();
        foreach (string m in members)
        {
            tests.Add($"global::Sam.TorchSamOptions.IsUnder(name, {Literals.String(m)})");
        }

        return string.Join(" || ", tests);
    }
}
