using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The whole-step members typed for the model: the callback receives the model, so a static lambda with a state
/// argument allocates nothing. Each forwards to the optimizer, which owns the step.
/// </summary>
internal static class CallbackStepsEmitter
{
    public static void Emit(SourceWriter w, SamModelSpec model, string attr, string optimizer)
    {
        string self = model.Hierarchy.Types[model.Hierarchy.Types.Count - 1].NameWithTypeParameters;
        string state = TypeParameterNames.CallbackState(model.Hierarchy);
        string refStruct = model.AllowsRefStructState ? $"\n    where {state} : allows ref struct" : "";
        string step = GeneratedMemberNames.SharpnessAwareStep;

        w.Line("/// <summary>");
        w.Line("/// One whole SAM step: zero the gradients, compute them, perturb, zero, compute them at the perturbed point,");
        w.Line("/// restore and step (a base step when Optimizer.SamStepDue is false). If the callback throws, the weights and");
        w.Line("/// the optimizer state are restored before the exception propagates.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"lossAndGradients\">Computes the loss and adds the gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The loss at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {step}(global::System.Func<{self}, float> lossAndGradients) =>");
        w.Line($"    {optimizer}.{step}(this, lossAndGradients ?? throw new global::System.ArgumentNullException(nameof(lossAndGradients)), static (model, callback) => callback(model));");
        w.Line();
        w.Line($"/// <summary>One whole SAM step with a state argument (a batch, say), so a static lambda allocates nothing.</summary>");
        w.Line($"/// <typeparam name=\"{state}\">The callback's state.</typeparam>");
        w.Line("/// <param name=\"state\">Passed to the callback.</param>");
        w.Line("/// <param name=\"lossAndGradients\">Computes the loss and adds the gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The loss at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {step}<{state}>({state} state, global::System.Func<{self}, {state}, float> lossAndGradients){refStruct} =>");
        w.Line($"    {optimizer}.{step}(this, state, lossAndGradients);");
        w.Line();
        w.Line("/// <summary>One m-sharpness step: the batch in m parts, each perturbed along its own gradient; one base step with their mean.</summary>");
        w.Line("/// <param name=\"parts\">m ≥ 1, the number of parts the batch is split into.</param>");
        w.Line("/// <param name=\"lossAndGradients\">Computes part j's loss and adds its gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The mean of the parts' losses at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {GeneratedMemberNames.MSharpnessStep}(int parts, global::System.Func<{self}, int, float> lossAndGradients) =>");
        w.Line($"    {optimizer}.{GeneratedMemberNames.MSharpnessStep}(parts, this, lossAndGradients ?? throw new global::System.ArgumentNullException(nameof(lossAndGradients)), static (model, callback, part) => callback(model, part));");
        w.Line();
        w.Line("/// <summary>One m-sharpness step with a state argument, so a static lambda allocates nothing.</summary>");
        w.Line($"/// <typeparam name=\"{state}\">The callback's state.</typeparam>");
        w.Line("/// <param name=\"parts\">m ≥ 1, the number of parts the batch is split into.</param>");
        w.Line("/// <param name=\"state\">Passed to the callback.</param>");
        w.Line("/// <param name=\"lossAndGradients\">Computes part j's loss and adds its gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The mean of the parts' losses at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {GeneratedMemberNames.MSharpnessStep}<{state}>(int parts, {state} state, global::System.Func<{self}, {state}, int, float> lossAndGradients){refStruct} =>");
        w.Line($"    {optimizer}.{GeneratedMemberNames.MSharpnessStep}(parts, this, state, lossAndGradients);");
    }
}
