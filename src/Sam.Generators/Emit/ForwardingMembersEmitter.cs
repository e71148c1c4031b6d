using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The members that forward to the optimizer: the phases, and the whole steps typed for the model (the callback
/// receives the model, so a static lambda with a state argument allocates nothing). The optimizer owns every
/// step; each member inherits its docs.
/// </summary>
internal static class ForwardingMembersEmitter
{
    /// <summary>The phase members (ZeroGradients, Perturb, Restore, RestoreAndStep, BaseStep), one forwarding line each.</summary>
    /// <param name="w">The writer.</param>
    /// <param name="attr">The [GeneratedCode] line.</param>
    /// <param name="optimizer">The expression of the model's optimizer.</param>
    /// <param name="optimizerType">Its type, whose members the docs are inherited from.</param>
    public static void EmitPhases(SourceWriter w, string attr, string optimizer, string optimizerType)
    {
        foreach (string phase in new[] { GeneratedMemberNames.ZeroGradients, GeneratedMemberNames.Perturb, GeneratedMemberNames.Restore, GeneratedMemberNames.RestoreAndStep, GeneratedMemberNames.BaseStep })
        {
            w.Line($"/// <inheritdoc cref=\"{optimizerType}.{phase}()\"/>");
            w.Line(attr);
            w.Line($"public void {phase}() => {optimizer}.{phase}();");
            w.Line();
        }
    }

    /// <summary>The whole-step members: SharpnessAwareStep (with and without a state, and with k micro-batches) and MSharpnessStep.</summary>
    /// <param name="w">The writer.</param>
    /// <param name="model">The model.</param>
    /// <param name="attr">The [GeneratedCode] line.</param>
    /// <param name="optimizer">The expression of the model's optimizer.</param>
    /// <param name="optimizerType">Its type, whose step members the docs are inherited from.</param>
    /// <param name="refStructState">Whether the callback state may be a ref struct (C# 13 and an optimizer that allows it).</param>
    public static void Emit(SourceWriter w, SamModelSpec model, string attr, string optimizer, string optimizerType, bool refStructState)
    {
        string stepDoc = optimizerType + ".SharpnessAwareStep{TModel, TState}(TModel, TState, global::System.Func{TModel, TState, float})";
        string microDoc = optimizerType + ".SharpnessAwareStep{TModel, TState}(int, TModel, TState, global::System.Func{TModel, TState, int, float})";
        string partsDoc = optimizerType + ".MSharpnessStep{TModel, TState}(int, TModel, TState, global::System.Func{TModel, TState, int, float})";
        string self = model.Hierarchy.Types[model.Hierarchy.Types.Count - 1].NameWithTypeParameters;
        string state = TypeParameterNames.CallbackState(model.Hierarchy);
        string refStruct = refStructState ? $" where {state} : allows ref struct" : "";
        string step = GeneratedMemberNames.SharpnessAwareStep;
        string parts = GeneratedMemberNames.MSharpnessStep;
        const string NotNull = "lossAndGradients ?? throw new global::System.ArgumentNullException(nameof(lossAndGradients))";

        w.Line($"/// <inheritdoc cref=\"{stepDoc}\"/>");
        w.Line(attr);
        w.Line($"public float {step}(global::System.Func<{self}, float> lossAndGradients) =>");
        w.Line($"    {optimizer}.{step}(this, {NotNull}, static (model, callback) => callback(model));");
        w.Line();
        w.Line($"/// <inheritdoc cref=\"{stepDoc}\"/>");
        w.Line(attr);
        w.Line($"public float {step}<{state}>({state} state, global::System.Func<{self}, {state}, float> lossAndGradients){refStruct} =>");
        w.Line($"    {optimizer}.{step}(this, state, lossAndGradients);");
        w.Line();
        w.Line($"/// <inheritdoc cref=\"{microDoc}\"/>");
        w.Line(attr);
        w.Line($"public float {step}<{state}>(int microBatches, {state} state, global::System.Func<{self}, {state}, int, float> lossAndGradients){refStruct} =>");
        w.Line($"    {optimizer}.{step}(microBatches, this, state, lossAndGradients);");
        w.Line();
        w.Line($"/// <inheritdoc cref=\"{partsDoc}\"/>");
        w.Line(attr);
        w.Line($"public float {parts}<{state}>(int parts, {state} state, global::System.Func<{self}, {state}, int, float> lossAndGradients){refStruct} =>");
        w.Line($"    {optimizer}.{parts}(parts, this, state, lossAndGradients);");
    }
}
