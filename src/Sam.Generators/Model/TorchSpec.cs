namespace Sam.Generators.Model;

/// <summary>
/// What the TorchSharp backend needs to know about a module beyond its configuration. The parameters themselves
/// are found at run time (<c>named_parameters()</c>), so this is only what the attributes on the module's members say.
/// </summary>
/// <param name="ExcludedFromPerturbation">Names of the module's members under <c>[ExcludeFromPerturbation]</c>: the parameters named after them (the member itself, or "member.…") are stepped, not perturbed.</param>
/// <param name="Frozen">Names of the module's members under <c>[Frozen]</c>: the parameters named after them are not trained.</param>
internal sealed record TorchSpec(EquatableArray<string> ExcludedFromPerturbation, EquatableArray<string> Frozen)
{
    public static TorchSpec Default { get; } = new(EquatableArray<string>.Empty, EquatableArray<string>.Empty);
}
