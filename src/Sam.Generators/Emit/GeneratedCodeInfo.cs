namespace Sam.Generators.Emit;

/// <summary>The [GeneratedCode] attribute text written on every generated member.</summary>
internal static class GeneratedCodeInfo
{
    public static readonly string Version = typeof(GeneratedCodeInfo).Assembly.GetName().Version?.ToString() ?? "0.0.0.0";

    public static readonly string Attribute =
        "[global::System.CodeDom.Compiler.GeneratedCode(\"" + Parsing.TypeNames.GeneratorTool + "\", \"" + Version + "\")]";
}
