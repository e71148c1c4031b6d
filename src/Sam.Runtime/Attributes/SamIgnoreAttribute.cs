using System;

namespace Sam;

/// <summary>
/// Tells the generator not to visit a member at all. Use it on a cache or alias of parameters that are
/// already reached through other members (a <c>Parameter[] _all</c> field, tied weights): visiting the same
/// parameter twice would perturb and step it twice, which the runtime refuses with an exception.
/// </summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, AllowMultiple = false, Inherited = false)]
public sealed class SamIgnoreAttribute : Attribute
{
}
