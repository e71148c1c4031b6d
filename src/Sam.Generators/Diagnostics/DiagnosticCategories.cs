namespace Sam.Generators.Diagnostics;

/// <summary>Diagnostic categories: usage errors and warnings, and (SAM01xx) convergence theory.</summary>
internal static class DiagnosticCategories
{
    public const string Usage = "Sam.Usage";
    public const string Theory = "Sam.Theory";
}
