namespace Sam.Generators.Model;

/// <summary>
/// The project-wide options, read from MSBuild properties the package makes compiler-visible
/// (build/Sam.Dsl.props). Equatable, so an unchanged project file keeps every model's output cached.
/// </summary>
/// <param name="TheoryDocComments">
/// <c>SamDslTheoryDocComments</c>: whether generated members carry the remarks that describe the configuration
/// and its theory. Default true.
/// </param>
internal readonly record struct GeneratorOptions(bool TheoryDocComments)
{
    /// <summary>The options of a project that sets none.</summary>
    public static GeneratorOptions Default => new(TheoryDocComments: true);
}
