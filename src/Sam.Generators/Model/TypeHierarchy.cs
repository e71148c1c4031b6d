namespace Sam.Generators.Model;

/// <summary>Where the model class lives: its namespace and the chain of types that contain it, outermost first, the model last.</summary>
internal sealed record TypeHierarchy(string? Namespace, EquatableArray<ContainingType> Types);

/// <summary>One type of the chain, as the emitter re-opens it: "partial {Keyword} {NameWithTypeParameters}".</summary>
internal sealed record ContainingType(string Keyword, string NameWithTypeParameters);
