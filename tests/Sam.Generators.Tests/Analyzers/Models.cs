namespace Sam.Generators.Tests.Analyzers;

/// <summary>Builds small annotated model sources for the analyzer tests.</summary>
internal static class Models
{
    public const string Body = """
        {
            public Parameter W { get; } = Parameter.Zeros("w", 2);
        }
        """;

    /// <summary>A model class M with the given attribute lines (markup allowed) and one parameter.</summary>
    public static string With(string attributes, string header = "public partial class M") =>
        "using Sam;\n\n" + attributes + "\n" + header + "\n" + Body + "\n";
}
