namespace Sam.Generators.Model;

/// <summary>
/// Where the model class lives: its namespace and the chain of types that contain it, outermost first, the model last.
/// Every name is as C# source spells it, keywords escaped (<c>@event.Models</c>, <c>@class</c>, <c>Net&lt;@int&gt;</c>),
/// so emitters write them as they are.
/// </summary>
internal sealed record TypeHierarchy(string? Namespace, EquatableArray<ContainingType> Types);

/// <summary>One type of the chain, as the emitter re-opens it: "partial {Keyword} {NameWithTypeParameters}".</summary>
internal sealed record ContainingType(string Keyword, string NameWithTypeParameters);
