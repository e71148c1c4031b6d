using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The span backend: the model's parameters are <c>Sam.Parameter</c> objects. The generated code is the model's
/// parameter walk (<c>VisitParameters</c>) and thin members that hand the model to its <c>Sam.SamOptimizer</c>,
/// which runs every phase over that walk. The algorithm is the runtime's; nothing of it is generated.
/// </summary>
internal sealed class SpanEmitter : IBackendEmitter
{
    public static readonly SpanEmitter Instance = new(theoryRemarks: true);

    /// <summary>For projects that set <c>SamDslTheoryDocComments</c> to false.</summary>
    public static readonly SpanEmitter WithoutTheoryRemarks = new(theoryRemarks: false);

    private const string Optimizer = "global::Sam.SamOptimizer";

    private readonly bool _theoryRemarks;

    private SpanEmitter(bool theoryRemarks) => _theoryRemarks = theoryRemarks;

    public void EmitMembers(SourceWriter w, SamModelSpec model)
    {
        string attr = GeneratedCodeInfo.Attribute;
        OptimizerPropertyEmitter.Emit(w, model, attr, Optimizer, "this", _theoryRemarks);

        string o = "this." + GeneratedMemberNames.Optimizer;
        ForwardingMembersEmitter.EmitPhases(w, attr, o, Optimizer);

        ForwardingMembersEmitter.Emit(w, model, attr, o, Optimizer, model.AllowsRefStructState);
        w.Line();
        EmitVisitParameters(w, model, attr);
    }

    // The one walk: every phase of the optimizer and every checkpoint runs over it (Emit/ParameterWalkEmitter.cs).
    // It allocates nothing after its first pass; a struct visitor by ref is called without boxing, and the JIT
    // specialises the walk for each visitor.
    private static void EmitVisitParameters(SourceWriter w, SamModelSpec model, string attr) =>
        new ParameterWalkEmitter(w, TypeParameterNames.Visitor(model.Hierarchy), attr).Emit(model.Members);
}
