using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The TorchSharp backend: the model is a <c>torch.nn.Module</c> whose parameters TorchSharp owns. The engine is
/// compiled code in the Sam.Dsl.TorchSharp package (<c>Sam.TorchSharp.TorchSamOptimizer</c>), which captures the
/// module's <c>named_parameters()</c> and drives the runtime's algorithm over the tensors' own memory; the
/// generated members only create it from the attributes and forward to it.
/// </summary>
internal sealed class TorchSharpEmitter : IBackendEmitter
{
    public static readonly TorchSharpEmitter Instance = new(theoryRemarks: true);

    /// <summary>For projects that set <c>SamDslTheoryDocComments</c> to false.</summary>
    public static readonly TorchSharpEmitter WithoutTheoryRemarks = new(theoryRemarks: false);

    private const string Optimizer = "global::Sam.TorchSharp.TorchSamOptimizer";

    private readonly bool _theoryRemarks;

    private TorchSharpEmitter(bool theoryRemarks) => _theoryRemarks = theoryRemarks;

    public void EmitMembers(SourceWriter w, SamModelSpec model)
    {
        string attr = GeneratedCodeInfo.Attribute;
        OptimizerPropertyEmitter.Emit(w, model, attr, Optimizer, "this", _theoryRemarks);

        string o = "this." + GeneratedMemberNames.Optimizer;
        foreach (string phase in new[] { GeneratedMemberNames.ZeroGradients, GeneratedMemberNames.Perturb, GeneratedMemberNames.Restore, GeneratedMemberNames.RestoreAndStep, GeneratedMemberNames.BaseStep })
        {
            w.Line($"/// <inheritdoc cref=\"{Optimizer}.{phase}()\"/>");
            w.Line(attr);
            w.Line($"public void {phase}() => {o}.{phase}();");
            w.Line();
        }

        CallbackStepsEmitter.Emit(w, model, attr, o);
    }
}
