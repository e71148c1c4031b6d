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

    // The one walk: every phase of the optimizer and every checkpoint runs over it. It hands the visitor the
    // constant path template and the enclosing loop indices in a stackalloc'd span, so it allocates nothing;
    // a struct visitor by ref is called without boxing, and the JIT specialises the walk for each visitor.
    private static void EmitVisitParameters(SourceWriter w, SamModelSpec model, string attr)
    {
        int depth = ParameterWalkEmitter.MaxDepth(model.Members);
        string visitorType = TypeParameterNames.Visitor(model.Hierarchy);
        w.Line("/// <inheritdoc cref=\"global::Sam.ISamParameterSource.VisitParameters{TVisitor}(ref TVisitor)\"/>");
        w.Line(attr);
        w.Line($"public void {GeneratedMemberNames.VisitParameters}<{visitorType}>(ref {visitorType} visitor)");
        w.Line($"    where {visitorType} : global::Sam.ISamParameterVisitor");
        w.Open("");
        string? span = null;
        if (depth > 0)
        {
            span = "indices";
            w.Line($"global::System.Span<int> {span} = stackalloc int[{depth}];");
        }

        // A nullable parameter member is skipped when null (the emitter tests it); any other goes through
        // SamWalk.Visit, which names the member if it is null.
        ParameterWalkEmitter? walk = null;
        walk = new ParameterWalkEmitter(
            w,
            new LocalNames(),
            p => $"{ParameterWalkEmitter.Walk}.Visit(ref visitor, {p.Expression}, {Literals.String(p.Path)}, {walk!.Indices(p.Depth)}, perturbed: {Literals.Bool(p.Perturbed)});",
            span);
        walk.Emit(model.Members);
        w.Close();
    }
}
