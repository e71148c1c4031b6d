using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// The model's <c>Optimizer</c> property, created on first use from the attributes' configuration, with the
/// configuration and its cited guarantee in the remarks. Shared by the backends; only the type and the
/// constructor's first argument differ.
/// </summary>
internal static class OptimizerPropertyEmitter
{
    public static void Emit(SourceWriter w, SamModelSpec model, string attr, string optimizerType, string source, bool theoryRemarks)
    {
        w.Line(attr);
        w.Line($"private {optimizerType}? {GeneratedMemberNames.EngineField};");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// The SAM optimizer of this model: ρ and the base optimizer's learning rate (settable between steps),");
        w.Line("/// telemetry of the last step, the per-parameter optimizer state and its checkpoints. Created on first use.");
        w.Line("/// </summary>");
        if (theoryRemarks)
        {
            w.Line("/// <remarks>");
            foreach (string line in ConfigDescription.Lines(model.Config))
            {
                w.Line("/// " + line);
            }

            w.Line("/// </remarks>");
        }

        w.Line(attr);
        w.Line($"public {optimizerType} {GeneratedMemberNames.Optimizer} => this.{GeneratedMemberNames.EngineField} ??= new {optimizerType}(");
        w.Indent();
        w.Line(source + ",");
        EngineSettingsEmitter.EmitSettings(w, model.Config);
        w.Line(EngineSettingsEmitter.BaseOptimizer(model.Config.Optimizer) + ");");
        w.Unindent();
        w.Line();
    }
}
