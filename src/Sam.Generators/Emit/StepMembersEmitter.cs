using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The members every backend emits the same way on top of its own Perturb/RestoreAndStep: <c>Step()</c> and the
/// two <c>SharpnessAwareStep</c> overloads. The protocol (zero, loss, perturb, zero, loss at the perturbed point,
/// restore and step; a base step when SAM is not due; restore if anything throws) lives here once, and a backend
/// supplies only its wording and how the perturbed pass is wrapped.
/// </summary>
internal static class StepMembersEmitter
{
    private const string Engine = "global::Sam.SamEngine";

    /// <summary>The base optimizer's step alone: refuses perturbed weights, then RestoreAndStep.</summary>
    public static void EmitStep(SourceWriter w, string attr)
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

    /// <summary>The two SharpnessAwareStep overloads.</summary>
    /// <param name="w">The writer.</param>
    /// <param name="model">The model (its type name, type parameters and language version).</param>
    /// <param name="attr">The [GeneratedCode] line.</param>
    /// <param name="summary">The first overload's summary lines (without "/// ").</param>
    /// <param name="allocation">How the state overload's summary ends: what a static lambda avoids.</param>
    /// <param name="prologue">A statement after the engine local (null: none).</param>
    /// <param name="perturbedWrapper">A statement (e.g. a using) the perturbed callback runs inside (null: none).</param>
    public static void EmitCallbackSteps(SourceWriter w, SamModelSpec model, string attr, string[] summary, string allocation, string? prologue, string? perturbedWrapper)
    {
        string self = model.Hierarchy.Types[model.Hierarchy.Types.Count - 1].NameWithTypeParameters;
        string stateType = TypeParameterNames.CallbackState(model.Hierarchy);
        bool allowsRefStruct = model.AllowsRefStructState;

        w.Line("/// <summary>");
        foreach (string line in summary)
        {
            w.Line("/// " + line);
        }

        w.Line("/// </summary>");
        w.Line("/// <param name=\"lossAndGradients\">Computes the loss and gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The loss at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {GeneratedMemberNames.SharpnessAwareStep}(global::System.Func<{self}, float> lossAndGradients) =>");
        w.Line($"    this.{GeneratedMemberNames.SharpnessAwareStep}(lossAndGradients, static (model, callback) => callback(model));");
        w.Line();
        w.Line("/// <summary>");
        w.Line(allowsRefStruct
            ? $"/// One whole SAM step with a state argument (a batch, say; a ref struct is fine), so a static lambda allocates {allocation}."
            : $"/// One whole SAM step with a state argument (a batch, say), so a static lambda allocates {allocation}.");
        w.Line("/// If the callback throws, the weights are restored before the exception propagates.");
        w.Line("/// </summary>");
        w.Line($"/// <typeparam name=\"{stateType}\">The callback's state.</typeparam>");
        w.Line("/// <param name=\"state\">Passed to the callback.</param>");
        w.Line("/// <param name=\"lossAndGradients\">Computes the loss and gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The loss at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {GeneratedMemberNames.SharpnessAwareStep}<{stateType}>({stateType} state, global::System.Func<{self}, {stateType}, float> lossAndGradients)");
        if (allowsRefStruct)
        {
            w.Line($"    where {stateType} : allows ref struct");
        }

        w.Open("");
        w.Open("if (lossAndGradients is null)");
        w.Line("throw new global::System.ArgumentNullException(nameof(lossAndGradients));");
        w.Close();
        w.Line();
        w.Line($"{Engine} engine = this.{GeneratedMemberNames.Optimizer};");
        if (prologue is not null)
        {
            w.Line(prologue);
        }

        w.Line($"this.{GeneratedMemberNames.ZeroGradients}();");
        w.Line("float loss = lossAndGradients(this, state);");
        w.Open("if (!engine.SamStepDue)");
        w.Line($"this.{GeneratedMemberNames.RestoreAndStep}();");
        w.Line("engine.RecordLosses(loss, double.NaN);");
        w.Line("return loss;");
        w.Close();
        w.Line();
        w.Line($"this.{GeneratedMemberNames.Perturb}();");
        w.Open("try");
        w.Line($"this.{GeneratedMemberNames.ZeroGradients}();");
        if (perturbedWrapper is null)
        {
            w.Line("float perturbedLoss = lossAndGradients(this, state);");
        }
        else
        {
            w.Line("float perturbedLoss;");
            w.Open(perturbedWrapper);
            w.Line("perturbedLoss = lossAndGradients(this, state);");
            w.Close();
            w.Line();
        }

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
