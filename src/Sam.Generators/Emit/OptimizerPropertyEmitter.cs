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
    public static void Emit(SourceWriter w, SamModelSpec model, string attr, string optimizerType, string source, bool theoryRemarks, string? options = null)
    {
        w.Line(attr);
        w.Line($"private {optimizerType}? {GeneratedMemberNames.EngineField};");
        w.Line();
        w.Line("/// <summary>This model's SAM optimizer (ρ, learning rate, telemetry, state, checkpoints), created on first use.</summary>");
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
        w.Line(EngineSettingsEmitter.BaseOptimizer(model.Config.Optimizer) + (options is null ? ");" : ","));
        if (options is not null)
        {
            w.Line(options + ");");
        }

        w.Unindent();
        w.Line();
    }
}
