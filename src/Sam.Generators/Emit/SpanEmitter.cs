using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The span backend: the model's parameters are <c>Sam.Parameter</c> objects (float memory the user owns).
/// Every phase is a straight-line walk calling one runtime kernel per parameter through <c>Sam.SamEngine</c>.
/// </summary>
internal sealed class SpanEmitter : IBackendEmitter
{
    public static readonly SpanEmitter Instance = new(theoryRemarks: true);

    /// <summary>For projects that set <c>SamDslTheoryDocComments</c> to false.</summary>
    public static readonly SpanEmitter WithoutTheoryRemarks = new(theoryRemarks: false);

    private readonly bool _theoryRemarks;

    private SpanEmitter(bool theoryRemarks) => _theoryRemarks = theoryRemarks;

    private const string Engine = "global::Sam.SamEngine";

    public void EmitMembers(SourceWriter w, SamModelSpec model)
    {
        string attr = GeneratedCodeInfo.Attribute;

        w.Line(attr);
        w.Line($"private {Engine}? {GeneratedMemberNames.EngineField};");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// The SAM optimizer of this model: ρ and the base optimizer's learning rate (settable between steps),");
        w.Line("/// telemetry of the last step, and the per-parameter optimizer state. Created on first use.");
        w.Line("/// </summary>");
        if (_theoryRemarks)
        {
            w.Line("/// <remarks>");
            foreach (string line in ConfigDescription.Lines(model.Config))
            {
                w.Line("/// " + line);
            }

            w.Line("/// </remarks>");
        }

        w.Line(attr);
        w.Line($"public {Engine} {GeneratedMemberNames.Optimizer} => this.{GeneratedMemberNames.EngineField} ??= new {Engine}(");
        w.Indent();
        EngineSettingsEmitter.EmitSettings(w, model.Config);
        w.Line(EngineSettingsEmitter.BaseOptimizer(model.Config.Optimizer) + ");");
        w.Unindent();
        w.Line();

        EmitZeroGradients(w, model, attr);
        EmitPerturb(w, model, attr);
        EmitRestore(w, model, attr);
        EmitRestoreAndStep(w, model, attr);
        StepMembersEmitter.EmitStep(w, attr);
        StepMembersEmitter.EmitCallbackSteps(
            w,
            model,
            attr,
            new[]
            {
                "One whole SAM step: zero the gradients, compute them, perturb, zero, compute them at the perturbed point,",
                "restore and step. The callback returns the loss and accumulates the gradients into the parameters. When",
                "Optimizer.SamStepDue is false (periodic SAM between SAM steps, switching's first steps) it takes the base",
                "optimizer's step instead and calls the callback once.",
            },
            "nothing per step",
            null,
            null);
        w.Line();
        MSharpnessEmitter.Emit(w, model, attr);
        w.Line();
        EmitVisitParameters(w, model, attr);
    }

    // Checkpoints need every trained parameter with a stable name. The walk hands the visitor the constant path
    // template and the enclosing loop indices in a stackalloc'd span, so it allocates nothing; a struct visitor
    // by ref is called without boxing (an Action<string, Parameter> would need a formatted string per element
    // and a closure per call).
    private static void EmitVisitParameters(SourceWriter w, SamModelSpec model, string attr)
    {
        var names = new LocalNames();
        int depth = ParameterWalkEmitter.MaxDepth(model.Members);
        w.Line("/// <summary>");
        w.Line("/// Calls the visitor once per trained parameter, in the order the optimizer steps them, with its member path");
        w.Line("/// (\"[]\" per collection element) and the element indices; null optional members are skipped. Allocates nothing.");
        w.Line("/// Used by global::Sam.SamCheckpoint to save and load the weights.");
        w.Line("/// </summary>");
        string visitorType = TypeParameterNames.Visitor(model.Hierarchy);
        w.Line($"/// <typeparam name=\"{visitorType}\">The visitor type; a struct is called without boxing.</typeparam>");
        w.Line("/// <param name=\"visitor\">The visitor.</param>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">A required member is null.</exception>");
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

        new ParameterWalkEmitter(
            w,
            perturbedOnly: false,
            lenient: false,
            names,
            p => p.Depth == 0
                ? $"visitor.Visit({p.Expression}, {Literals.String(p.Path)}, default);"
                : $"visitor.Visit({p.Expression}, {Literals.String(p.Path)}, {span}.Slice(0, {p.Depth}));",
            span).Emit(model.Members);
        w.Close();
    }

    private static void EmitZeroGradients(SourceWriter w, SamModelSpec model, string attr)
    {
        var names = new LocalNames();
        w.Line("/// <summary>Sets the gradient of every trained parameter to zero (backward passes accumulate into it).</summary>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.ZeroGradients}()");
        new ParameterWalkEmitter(w, perturbedOnly: false, lenient: false, names, p => $"{Engine}.ZeroGradient({p.Expression}{p.PathArguments});").Emit(model.Members);
        w.Close();
        w.Line();
    }

    private static void EmitPerturb(SourceWriter w, SamModelSpec model, string attr)
    {
        var names = new LocalNames();
        w.Line("/// <summary>");
        w.Line(PerturbSummary(model.Config));
        w.Line("/// The trained weights are kept; compute the gradients again, then call RestoreAndStep().");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::Sam.NonFiniteGradientException\">A gradient holds NaN or ±∞; nothing was changed.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The weights are already perturbed, or a required member is null.</exception>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.Perturb}()");
        w.Line($"{Engine} engine = this.{GeneratedMemberNames.Optimizer};");
        w.Line("engine.BeginPerturb();");
        w.Line("double sumOfSquares = 0d;");
        w.Line("int slot = 0;");
        new ParameterWalkEmitter(w, perturbedOnly: true, lenient: false, names, p => $"sumOfSquares += engine.PerturbationSumOfSquares({p.Expression}, slot++{p.PathArguments});").Emit(model.Members);
        w.Line("float scale = engine.PerturbationScale(sumOfSquares);");
        w.Line("slot = 0;");
        new ParameterWalkEmitter(w, perturbedOnly: true, lenient: false, names, p => $"engine.Perturb({p.Expression}, slot++, scale);").Emit(model.Members);
        w.Line("engine.EndPerturb();");
        w.Close();
        w.Line();
    }

    private static string PerturbSummary(SamConfigSpec c)
    {
        string e = (c.Variant, c.Normalize) switch
        {
            (VariantKind.Asam, true) => "ρ·T²g/‖Tg‖ with T = |w| + η (ASAM)",
            (VariantKind.Asam, false) => "ρ·T²g with T = |w| + η (unnormalized ASAM)",
            (VariantKind.Vasso, true) => "ρ·d/‖d‖ with d ← (1 − θ)d + θg (VaSSO)",
            (VariantKind.Vasso, false) => "ρ·d with d ← (1 − θ)d + θg (unnormalized VaSSO)",
            (VariantKind.FriendlySam, true) => "ρ·(g − σm)/‖g − σm‖ with m ← λm + (1 − λ)g (Friendly SAM)",
            (VariantKind.FriendlySam, false) => "ρ·(g − σm) with m ← λm + (1 − λ)g (unnormalized Friendly SAM)",
            (VariantKind.Gcsam, true) => "ρ·ĝ/‖ĝ‖, ĝ = g centralized per output unit (GCSAM)",
            (VariantKind.Gcsam, false) => "ρ·ĝ, ĝ = g centralized per output unit (unnormalized GCSAM)",
            (_, true) => "ρ·g/‖g‖",
            (_, false) => "ρ·g (unnormalized SAM)",
        };
        string g = c.PerturbWeightDecay ? "g includes the weight decay λw; " : "";
        return $"/// Moves the weights to the perturbed point w + {e} using the gradients they hold ({g}a zero gradient does not move them).";
    }

    private static void EmitRestore(SourceWriter w, SamModelSpec model, string attr)
    {
        var names = new LocalNames();
        w.Line("/// <summary>Returns every parameter to its trained weights without stepping (a flip of buffers, no copy).</summary>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.Restore}()");
        new ParameterWalkEmitter(w, perturbedOnly: false, lenient: true, names, p => $"{Engine}.Restore({p.Expression});").Emit(model.Members);
        w.Line($"this.{GeneratedMemberNames.Optimizer}.EndRestore();");
        w.Close();
        w.Line();
    }

    private static void EmitRestoreAndStep(SourceWriter w, SamModelSpec model, string attr)
    {
        var names = new LocalNames();
        w.Line("/// <summary>");
        w.Line("/// Restores the trained weights and takes the base optimizer's step with the gradients now held (those");
        w.Line("/// measured at the perturbed point), one fused pass per parameter. Without a perturbation it is a plain step.");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::Sam.NonFiniteGradientException\">A gradient holds NaN or ±∞; the weights were restored and not stepped.</exception>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.RestoreAndStep}()");
        w.Line($"{Engine} engine = this.{GeneratedMemberNames.Optimizer};");
        w.Line("engine.BeginStep();");
        w.Line("double sumOfSquares = 0d;");
        w.Line("int slot = 0;");
        w.Open("try");
        new ParameterWalkEmitter(w, perturbedOnly: false, lenient: false, names, p => $"sumOfSquares += engine.StepSumOfSquares({p.Expression}, slot++{p.PathArguments});").Emit(model.Members);
        w.Close();
        w.Open("catch");
        w.Line($"this.{GeneratedMemberNames.Restore}();");
        w.Line("throw;");
        w.Close();
        w.Line();
        w.Line("float scale = engine.StepScale(sumOfSquares);");
        w.Line("slot = 0;");
        new ParameterWalkEmitter(w, perturbedOnly: false, lenient: false, names, p => $"engine.Step({p.Expression}, slot++, scale);").Emit(model.Members);
        w.Line("engine.EndStep();");
        w.Close();
        w.Line();
    }
}
