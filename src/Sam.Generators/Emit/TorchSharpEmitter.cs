using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The TorchSharp backend: the model is a <c>torch.nn.Module</c> whose parameters TorchSharp owns. The members
/// have the span backend's shape and drive the same <c>Sam.SamEngine</c> (phases, ρ, learning rate, telemetry);
/// the tensor work is done by a nested state class (<see cref="TorchSharpStateEmitter"/>) over the module's
/// <c>named_parameters()</c>, captured once. The runtime never references TorchSharp: every TorchSharp call is in
/// the generated file.
/// </summary>
internal sealed class TorchSharpEmitter : IBackendEmitter
{
    public static readonly TorchSharpEmitter Instance = new();

    private const string Engine = "global::Sam.SamEngine";
    private const string State = GeneratedMemberNames.TorchStateType;
    private const string StateField = GeneratedMemberNames.TorchStateField;
    private const string GetState = "(this." + StateField + " ??= new " + State + "(this))";

    public void EmitMembers(SourceWriter w, SamModelSpec model)
    {
        string attr = GeneratedCodeInfo.Attribute;

        w.Line(attr);
        w.Line($"private {Engine}? {GeneratedMemberNames.EngineField};");
        w.Line();
        w.Line(attr);
        w.Line($"private {State}? {StateField};");
        w.Line();

        EmitOptimizer(w, model, attr);
        EmitZeroGradients(w, attr);
        EmitPerturb(w, model, attr);
        EmitRestore(w, attr);
        EmitRestoreAndStep(w, attr);
        StepMembersEmitter.EmitStep(w, attr);
        EmitFreezeRunningStatistics(w, attr);
        StepMembersEmitter.EmitCallbackSteps(
            w,
            model,
            attr,
            new[]
            {
                "One whole SAM step: zero the gradients, compute them, perturb, zero, compute them at the perturbed point",
                "(with the batch-norm running statistics frozen), restore and step. The callback runs the forward and",
                "backward passes and returns the loss. When Optimizer.SamStepDue is false (periodic SAM between SAM steps,",
                "switching's first steps) it takes the base optimizer's step instead and calls the callback once.",
            },
            "no closure",
            $"{State} samState = {GetState};",
            "using (samState.FreezeRunningStatistics())");
        w.Line();
        TorchSharpStateEmitter.Emit(w, model, attr);
    }

    private static void EmitOptimizer(SourceWriter w, SamModelSpec model, string attr)
    {
        w.Line("/// <summary>");
        w.Line("/// The SAM optimizer of this module: ρ and the base optimizer's learning rate (settable between steps),");
        w.Line("/// telemetry of the last step and the step count. Created on first use.");
        w.Line("/// </summary>");
        w.Line("/// <remarks>");
        foreach (string line in ConfigDescription.Lines(model.Config))
        {
            w.Line("/// " + line);
        }

        w.Line("/// The module's parameters (<c>named_parameters()</c>, in registration order) are captured on the first SAM call:");
        w.Line("/// move the module to its device and dtype before that. A parameter whose gradient is null is skipped, as in PyTorch SAM.");
        w.Line("/// </remarks>");
        w.Line(attr);
        w.Line($"public {Engine} {GeneratedMemberNames.Optimizer} => this.{GeneratedMemberNames.EngineField} ??= new {Engine}(");
        w.Indent();
        EngineSettingsEmitter.EmitSettings(w, model.Config);
        w.Line(EngineSettingsEmitter.BaseOptimizer(model.Config.Optimizer) + ");");
        w.Unindent();
        w.Line();
    }

    private static void EmitZeroGradients(SourceWriter w, string attr)
    {
        w.Line("/// <summary>Sets every parameter's gradient to zero (backward passes accumulate into it); null gradients stay null.</summary>");
        w.Line(attr);
        w.Line($"public void {GeneratedMemberNames.ZeroGradients}() => {GetState}.ZeroGradients();");
        w.Line();
    }

    private static void EmitPerturb(SourceWriter w, SamModelSpec model, string attr)
    {
        w.Line("/// <summary>");
        w.Line(model.Config.Normalize
            ? "/// Moves the weights to the perturbed point w + ρ·g/‖g‖ using the gradients they hold (a zero gradient does not move them)."
            : "/// Moves the weights to the perturbed point w + ρ·g using the gradients they hold (unnormalized SAM).");
        w.Line("/// The trained weights are kept; compute the gradients again, then call RestoreAndStep(). One device sync (the norm).");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::Sam.NonFiniteGradientException\">A gradient holds NaN or ±∞; nothing was changed.</exception>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The weights are already perturbed.</exception>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.Perturb}()");
        if (TorchModuleInspector.UnsupportedFeature(model.Config) is { } feature)
        {
            // The analyzer reports SAM0051; the file must still compile, so the call fails instead.
            w.Line($"throw new global::System.NotSupportedException({Literals.String("The TorchSharp backend does not implement " + feature + " (SAM0051); use plain SAM or USAM on a torch.nn.Module.")});");
            w.Close();
            w.Line();
            return;
        }

        w.Line($"{Engine} engine = this.{GeneratedMemberNames.Optimizer};");
        w.Line("engine.BeginPerturb();");
        w.Line($"{GetState}.Perturb(engine);");
        w.Line("engine.EndPerturb();");
        w.Close();
        w.Line();
    }

    private static void EmitRestore(SourceWriter w, string attr)
    {
        w.Line("/// <summary>Returns every perturbed parameter to its trained weights (an exact copy back) without stepping.</summary>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.Restore}()");
        w.Line($"this.{StateField}?.Restore();");
        w.Line($"this.{GeneratedMemberNames.Optimizer}.EndRestore();");
        w.Close();
        w.Line();
    }

    private static void EmitRestoreAndStep(SourceWriter w, string attr)
    {
        w.Line("/// <summary>");
        w.Line("/// Restores the trained weights and takes the base optimizer's step with the gradients now held (those");
        w.Line("/// measured at the perturbed point). Without a perturbation it is a plain step. One device sync (the norm).");
        w.Line("/// </summary>");
        w.Line("/// <exception cref=\"global::Sam.NonFiniteGradientException\">A gradient holds NaN or ±∞; the weights were restored and not stepped.</exception>");
        w.Line(attr);
        w.Open($"public void {GeneratedMemberNames.RestoreAndStep}()");
        w.Line($"{Engine} engine = this.{GeneratedMemberNames.Optimizer};");
        w.Line("engine.BeginStep();");
        w.Line($"{GetState}.RestoreAndStep(engine);");
        w.Line("engine.EndStep();");
        w.Close();
        w.Line();
    }

    private static void EmitFreezeRunningStatistics(SourceWriter w, string attr)
    {
        w.Line("/// <summary>");
        w.Line("/// Keeps the batch-norm running statistics (buffers named running_mean, running_var, num_batches_tracked)");
        w.Line("/// as they are now until the returned scope is disposed, so the forward pass at the perturbed weights does not");
        w.Line("/// count towards them. SharpnessAwareStep does this itself; use it when you call Perturb() and RestoreAndStep().");
        w.Line("/// </summary>");
        w.Line("/// <returns>Dispose it after the second forward pass; the statistics are then copied back.</returns>");
        w.Line("/// <exception cref=\"global::System.InvalidOperationException\">The statistics are already frozen.</exception>");
        w.Line(attr);
        w.Line($"public global::System.IDisposable {GeneratedMemberNames.FreezeRunningStatistics}() => {GetState}.FreezeRunningStatistics();");
        w.Line();
    }
}
