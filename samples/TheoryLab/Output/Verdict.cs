namespace TheoryLab.Output;

/// <summary>One claim of the theory, what was measured, and whether the measurement supports the claim.</summary>
public sealed record Verdict(string Claim, string Measured, bool Holds);
