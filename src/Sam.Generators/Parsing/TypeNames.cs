namespace Sam.Generators.Parsing;

/// <summary>
/// Metadata names the generator looks for. Strings, not typeof(): the generator does not reference the runtime.
/// </summary>
internal static class TypeNames
{
    public const string SharpnessAwareAttribute = "Sam.SharpnessAwareAttribute";
    public const string SgdAttribute = "Sam.SgdAttribute";
    public const string AdamWAttribute = "Sam.AdamWAttribute";
    public const string RhoScheduleAttribute = "Sam.RhoScheduleAttribute";
    public const string LearningRateScheduleAttribute = "Sam.LearningRateScheduleAttribute";
    public const string ExcludeFromPerturbationAttribute = "Sam.ExcludeFromPerturbationAttribute";
    public const string FrozenAttribute = "Sam.FrozenAttribute";
    public const string SamIgnoreAttribute = "Sam.SamIgnoreAttribute";
    public const string Parameter = "Sam.Parameter";
    public const string GeneratedCodeAttribute = "System.CodeDom.Compiler.GeneratedCodeAttribute";

    /// <summary>TorchSharp's module base class, <c>TorchSharp.torch.nn.Module</c>.</summary>
    public const string TorchModule = "TorchSharp.torch+nn+Module";

    public const string ListOfT = "System.Collections.Generic.List`1";
    public const string IListOfT = "System.Collections.Generic.IList`1";
    public const string IReadOnlyListOfT = "System.Collections.Generic.IReadOnlyList`1";

    /// <summary>The tool name written into [GeneratedCode] and used to recognise our own output.</summary>
    public const string GeneratorTool = "Sam.Generators";

    /// <summary>The runtime's assembly (package Sam.Dsl).</summary>
    public const string RuntimeAssembly = "Sam.Runtime";

    /// <summary>The TorchSharp engine's assembly (package Sam.Dsl.TorchSharp).</summary>
    public const string TorchSharpAssembly = "Sam.TorchSharp";

    /// <summary>The TorchSharp engine the generated members of a module forward to.</summary>
    public const string TorchSamOptimizer = "Sam.TorchSamOptimizer";
}
