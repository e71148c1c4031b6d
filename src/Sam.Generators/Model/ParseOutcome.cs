namespace Sam.Generators.Model;

/// <summary>
/// What the generator's parse step yields for one annotated class: the model to emit, or the internal error
/// (SAM0017) that kept it from being parsed. Both are equatable data; the pipeline forks them into the source
/// output and the diagnostics output.
/// </summary>
/// <param name="Model">The model, or null when the class cannot be generated (its diagnostics are the analyzer's).</param>
/// <param name="Error">The internal error, when the parser threw.</param>
internal sealed record ParseOutcome(SamModelSpec? Model, DiagnosticInfo? Error);
