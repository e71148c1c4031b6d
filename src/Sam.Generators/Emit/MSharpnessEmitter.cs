using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The span backend's <c>MSharpnessStep</c> overloads (m-sharpness, Foret et al. 2021, §4.1). The accumulation of
/// the parts' gradients is the engine's (<c>AccumulatePart</c>, <c>AverageParts</c>), the same calls the runtime's
/// <c>MSharpness</c> makes over a <c>SamOptimizer</c>, so the generated step and the runtime one are bit-identical;
/// the generated code only walks the parameters in the order <c>RestoreAndStep</c> numbers them.
/// </summary>
internal static class MSharpnessEmitter
{
    private const string Engine = "global::Sam.SamEngine";

    public static void Emit(SourceWriter w, SamModelSpec model, string attr)
    {
        string self = model.Hierarchy.Types[model.Hierarchy.Types.Count - 1].NameWithTypeParameters;
        string stateType = TypeParameterNames.CallbackState(model.Hierarchy);
        string name = GeneratedMemberNames.MSharpnessStep;
        var names = new LocalNames();

        w.Line("/// <summary>");
        w.Line("/// One m-sharpness step (Foret et al. 2021, §4.1): the batch is split in m parts; each part is perturbed along its");
        w.Line("/// own gradient and its gradient is measured at that point; the base optimizer steps once with the mean of the m");
        w.Line(model.Config.Variant == VariantKind.Gsam
            ? "/// perturbed gradients. Each part is plain SAM: GSAM's correction needs one perturbation per step."
            : "/// perturbed gradients. m = 1 is SharpnessAwareStep.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"parts\">m ≥ 1, the number of parts the batch is split into.</param>");
        w.Line("/// <param name=\"lossAndGradients\">Computes part j's loss and accumulates its gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The mean of the parts' losses at the trained weights.</returns>");
        w.Line(attr);
        w.Line($"public float {name}(int parts, global::System.Func<{self}, int, float> lossAndGradients) =>");
        w.Line($"    this.{name}(parts, lossAndGradients ?? throw new global::System.ArgumentNullException(nameof(lossAndGradients)), static (model, callback, part) => callback(model, part));");
        w.Line();

        w.Line("/// <summary>");
        w.Line("/// One m-sharpness step with a state argument (the batch, say): for each part j = 0 … m − 1, zero the gradients,");
        w.Line("/// compute part j's, perturb along them, zero, compute them at the perturbed point, restore, and add them to a running");
        w.Line("/// sum; then the base optimizer steps once with the sum / m. When Optimizer.SamStepDue is false the parts' gradients");
        w.Line("/// at the trained weights are averaged instead (one callback per part). The running sums are allocated on the first");
        w.Line("/// call, so a static lambda allocates nothing per step. If the callback throws, the weights are restored before the");
        w.Line("/// exception propagates; a non-finite gradient in any part leaves the weights unperturbed and not stepped.");
        w.Line("/// </summary>");
        w.Line($"/// <typeparam name=\"{stateType}\">The callback's state.</typeparam>");
        w.Line("/// <param name=\"parts\">m ≥ 1, the number of parts the batch is split into.</param>");
        w.Line("/// <param name=\"state\">Passed to the callback.</param>");
        w.Line("/// <param name=\"lossAndGradients\">Computes part j's loss and accumulates its gradients at the weights the parameters show.</param>");
        w.Line("/// <returns>The mean of the parts' losses at the trained weights.</returns>");
        w.Line("/// <exception cref=\"global::Sam.NonFiniteGradientException\">A gradient holds NaN or ±∞; the weights are unperturbed and not stepped.</exception>");
        w.Line("/// <exception cref=\"global::System.ArgumentOutOfRangeException\"><paramref name=\"parts\"/> is below 1.</exception>");
        w.Line(attr);
        w.Line($"public float {name}<{stateType}>(int parts, {stateType} state, global::System.Func<{self}, {stateType}, int, float> lossAndGradients)");
        if (model.AllowsRefStructState)
        {
            w.Line($"    where {stateType} : allows ref struct");
        }

        w.Open("");
        w.Open("if (lossAndGradients is null)");
        w.Line("throw new global::System.ArgumentNullException(nameof(lossAndGradients));");
        w.Close();
        w.Line();
        w.Line($"{Engine} engine = this.{GeneratedMemberNames.Optimizer};");
        w.Line($"bool sam = engine.BeginParts(parts, \"{name}\");");
        w.Line("double loss = 0d;");
        w.Line("double perturbedLoss = 0d;");
        w.Line("int slot;");
        w.Open("for (int part = 0; part < parts; part++)");
        w.Line($"this.{GeneratedMemberNames.ZeroGradients}();");
        w.Line("loss += lossAndGradients(this, state, part);");
        w.Open("if (sam)");
        w.Line($"this.{GeneratedMemberNames.Perturb}();");
        w.Open("try");
        w.Line($"this.{GeneratedMemberNames.ZeroGradients}();");
        w.Line("perturbedLoss += lossAndGradients(this, state, part);");
        w.Close();
        w.Open("finally");
        w.Line($"this.{GeneratedMemberNames.Restore}();");
        w.Close();
        w.Close();
        w.Line();
        w.Line("slot = 0;");
        new ParameterWalkEmitter(w, perturbedOnly: false, lenient: false, names, p => $"engine.AccumulatePart({p.Expression}, slot++, part{p.PathArguments});").Emit(model.Members);
        w.Close();
        w.Line();
        w.Line("slot = 0;");
        new ParameterWalkEmitter(w, perturbedOnly: false, lenient: false, names, p => $"engine.AverageParts({p.Expression}, slot++, parts);").Emit(model.Members);
        w.Line("engine.BeginAccumulatedStep(sam);");
        w.Open("try");
        w.Line($"this.{GeneratedMemberNames.RestoreAndStep}();");
        w.Close();
        w.Open("finally");
        w.Line("engine.EndAccumulatedStep();");
        w.Close();
        w.Line();
        w.Line("engine.RecordLosses(loss / parts, sam ? perturbedLoss / parts : double.NaN);");
        w.Line("return (float)(loss / parts);");
        w.Close();
    }
}
