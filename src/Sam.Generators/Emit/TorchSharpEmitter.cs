using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>The TorchSharp backend: the model is a <c>torch.nn.Module</c> whose parameters TorchSharp owns.</summary>
internal sealed class TorchSharpEmitter : IBackendEmitter
{
    public static readonly TorchSharpEmitter Instance = new();

    public void EmitMembers(SourceWriter w, SamModelSpec model)
    {
        // Filled in by the TorchSharp backend work; until then a torch module gets no members.
        w.Line("// TorchSharp backend: not generated yet.");
    }
}
