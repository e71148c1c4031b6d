using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Model;

namespace Sam.Generators.Parsing;

/// <summary>Reads <see cref="GeneratorOptions"/> from the global analyzer config (the MSBuild properties).</summary>
internal static class GeneratorOptionsReader
{
    /// <summary>The MSBuild property that turns the theory remarks off (<c>false</c>) or on (anything else).</summary>
    public const string TheoryDocCommentsProperty = "build_property.SamDslTheoryDocComments";

    public static GeneratorOptions Read(AnalyzerConfigOptions global) =>
        new(TheoryDocComments: ReadBool(global, TheoryDocCommentsProperty, GeneratorOptions.Default.TheoryDocComments));

    // An unset CompilerVisibleProperty arrives as "", a typo as itself: both keep the default rather than fail
    // the build over a documentation switch.
    private static bool ReadBool(AnalyzerConfigOptions global, string key, bool fallback) =>
        global.TryGetValue(key, out string? text) && bool.TryParse(text?.Trim(), out bool value) ? value : fallback;
}
