using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The span backend: the model's parameters are <c>Sam.Parameter</c> objects (float memory the user owns).
/// Every phase is a straight-line walk calling one runtime kernel per parameter through <c>Sam.SamEngine</c>.
/// </summary>
internal sealed class SpanEmitter : IBackendEmitter
{
    public static readonly SpanEmitter Instance = new();

    private const string Engine = "global::Sam.SamEngine";

    public void EmitMembers(SourceWriter w, SamModelSpec model)
    {
        string self = model.Hierarchy.Types[model.Hierarchy.Types.Count - 1].NameWithTypeParameters;
        string attr = GeneratedCodeInfo.Attribute;

        w.Line(attr);
        w.Line($"private {Engine}? {GeneratedMemberNames.EngineField};");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// The SAM optimizer of this model: ρ and the base optimizer's learning rate (settable between steps),");
        w.Line("/// telemetry of the last step, and the per-parameter optimizer state. Created on first use.");
        w.Line("/// </summary>");
        w.Line("/// <remarks>");
        foreach (string line in ConfigDescription.Lines(model.Config))
        {
            w.Line("/// " + line);
        }

        w.Line("/// </remarks>");
        w.Line(attr);
        w.Line($"public {Engine} {GeneratedMemberNames.Optimizer} => this.{GeneratedMemberNames.EngineField} ??= new {Engine}(");
        w.Indent();
        w.Line($"new global::Sam.SamSettings {{ Rho = {Literals.Double(model.Config.Rho)}, Normalize = {Literals.Bool(model.Config.Normalize)} }},");
        w.Line(BaseOptimizerExpression(model.Config.Optimizer) + ");");
        w.Unindent();
        w.Line();

        EmitZeroGradients(w, model, attr);
        EmitPerturb(w, model, attr);
        EmitRestore(w, model, attr);
        EmitRestoreAndStep(w, model, attr);
        EmitStep(w, attr);
        EmitCallbackSteps(w, self, attr, model.AllowsRefStructState);
    }

    private static string BaseOptimizerExpression(OptimizerSpec o) => o.Kind == BaseOptimizerKind.AdamW
        ? $"new global::Sam.AdamW(learningRate: {Literals.Double(o.LearningRate)}, beta1: {Literals.Double(o.Beta1)}, beta2: {Literals.Double(o.Beta2)}, " +
          $"epsilon: {Literals.Double(o.Epsilon)}, weightDecay: {Literals.Double(o.WeightDecay)}, amsgrad: {Literals.Bool(o.Amsgrad)})"
        : $"new global::Sam.Sgd(learningRate: {Literals.Double(o.LearningRate)}, momentum: {Literals.Double(o.Momentum)}, dampening: {Literals.Double(o.Dampening)}, " +
        $"weightDecay: {Literals.Double(o.WeightDecay)}, nesterov: {Literals.Bool(o.Nesterov)}, decoupledWeightDecay: {Literals.Bool(o.DecoupledWeightDecay)})";

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
        w.Line(model.Config.Normalize
            ? "/// Moves the weights to the perturbed point w + ρ·g/‖g‖ using the gradients they hold (a zero gradient does not move them)."
            : "/// Moves the weights to the perturbed point w + ρ·g using the gradients they hold (unnormalized SAM).");
        w.Line("/// The trained weights are kept; compute the gradients again, then call RestoreAndStep().");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::Sam.NonFiniteGradientException\">A gradient holds NaN or ±∞; nothing was changed.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The weights are already perturbed, or a required member is null.</exception>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.Perturb}()");
        w.Line($"{Engine} engine = this.{GeneratedMemberNames.Optimizer};");
        w.Line("engine.BeginPerturb();");
        w.Line("double sumOfSquares = 0d;");
        new ParameterWalkEmitter(w, perturbedOnly: true, lenient: false, names, p => $"sumOfSquares += engine.GradientSumOfSquares({p.Expression}{p.PathArguments});").Emit(model.Members);
        w.Line("float scale = engine.PerturbationScale(sumOfSquares);");
        new ParameterWalkEmitter(w, perturbedOnly: true, lenient: false, names, p => $"engine.Perturb({p.Expression}, scale);").Emit(model.Members);
        w.Line("engine.EndPerturb();");
        w.Close();
        w.Line();
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
        w.Open("try");
        new ParameterWalkEmitter(w, perturbedOnly: false, lenient: false, names, p => $"sumOfSquares += engine.GradientSumOfSquares({p.Expression}{p.PathArguments});").Emit(model.Members);
        w.Close();
        w.Open("catch");
        w.Line($"this.{GeneratedMemberNames.Restore}();");
        w.Line("throw;");
        w.Close();
        w.Line();
        w.Line("float scale = engine.StepScale(sumOfSquares);");
        w.Line("int slot = 0;");
        new ParameterWalkEmitter(w, perturbedOnly: false, lenient: false, names, p => $"engine.Step({p.Expression}, slot++, scale);").Emit(model.Members);
        w.Line("engine.EndStep();");
        w.Close();
        w.Line();
    }

    private static void EmitStep(SourceWriter w, string attr)
    {
        w.Line("/// <summary>The base optimizer's step alone, from the gradients held (warm-up, or between periodic SAM steps).</summary>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The weights are perturbed: call RestoreAndStep() instead.</exception>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.Step}()");
        w.Line($"this.{GeneratedMemberNames.Optimizer}.ThrowIfPerturbed(\"{GeneratedMemberNames.Step}\");");
        w.Line($"this.{GeneratedMemberNames.RestoreAndStep}();");
        w.Close();
        w.Line();
    }

    private static void EmitCallbackSteps(SourceWriter w, string self, string attr, bool allowsRefStruct)
    {
        w.Line("/// <summary>");
        w.Line("/// One whole SAM step: zero the gradients, compute them, perturb, zero, compute them at the perturbed point,");
        w.Line("/// restore and step. The callback returns the loss and accumulates the gradients into the parameters.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"lossAndGradients\">Computes the loss and gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The loss at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {GeneratedMemberNames.SharpnessAwareStep}(global::System.Func<{self}, float> lossAndGradients) =>");
        w.Line($"    this.{GeneratedMemberNames.SharpnessAwareStep}(lossAndGradients, static (model, callback) => callback(model));");
        w.Line();
        w.Line("/// <summary>");
        w.Line(allowsRefStruct
            ? "/// One whole SAM step with a state argument (a batch, say; a ref struct is fine), so a static lambda allocates nothing per step."
            : "/// One whole SAM step with a state argument (a batch, say), so a static lambda allocates nothing per step.");
        w.Line("/// If the callback throws, the weights are restored before the exception propagates.");
        w.Line("/// </summary>");
        w.Line("/// <typeparam name=\"TCallbackState\">The callback's state.</typeparam>");
        w.Line("/// <param name=\"state\">Passed to the callback.</param>");
        w.Line("/// <param name=\"lossAndGradients\">Computes the loss and gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The loss at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {GeneratedMemberNames.SharpnessAwareStep}<TCallbackState>(TCallbackState state, global::System.Func<{self}, TCallbackState, float> lossAndGradients)");
        if (allowsRefStruct)
        {
            w.Line("    where TCallbackState : allows ref struct");
        }

        w.Open("");
        w.Open("if (lossAndGradients is null)");
        w.Line("throw new global::System.ArgumentNullException(nameof(lossAndGradients));");
        w.Close();
        w.Line();
        w.Line($"{Engine} engine = this.{GeneratedMemberNames.Optimizer};");
        w.Line($"this.{GeneratedMemberNames.ZeroGradients}();");
        w.Line("float loss = lossAndGradients(this, state);");
        w.Line($"this.{GeneratedMemberNames.Perturb}();");
        w.Open("try");
        w.Line($"this.{GeneratedMemberNames.ZeroGradients}();");
        w.Line("float perturbedLoss = lossAndGradients(this, state);");
        w.Line($"this.{GeneratedMemberNames.RestoreAndStep}();");
        w.Line("engine.RecordLosses(loss, perturbedLoss);");
        w.Close();
        w.Open("catch");
        w.Open("if (engine.IsPerturbed)");
        w.Line($"this.{GeneratedMemberNames.Restore}();");
        w.Close();
        w.Line();
        w.Line("throw;");
        w.Close();
        w.Line();
        w.Line("return loss;");
        w.Close();
    }
}
