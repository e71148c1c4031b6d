namespace Sam.CodeFixes;

/// <summary>
/// The ids this assembly fixes, duplicated from Sam.Generators' DiagnosticDescriptors (the code-fix assembly does
/// not load the generator's internals); a test checks each id exists in that catalogue.
/// </summary>
internal static class DiagnosticIds
{
    public const string ClassNotPartial = "SAM0001";
    public const string LearningRateExponent = "SAM0103";
    public const string RhoExponent = "SAM0104";
    public const string SaddleRisk = "SAM0107";
    public const string HallucinationRisk = "SAM0108";
}
