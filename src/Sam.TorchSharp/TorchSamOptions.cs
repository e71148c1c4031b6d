using System;

namespace Sam;

/// <summary>Options of a <see cref="TorchSamOptimizer"/> beyond the SAM settings and the base optimizer.</summary>
/// <remarks>
/// What is perturbed can also be chosen in one line with the chainable selectors (TorchSamOptions.Selection.cs):
/// <c>new TorchSamOptions().PerturbOnly&lt;BatchNorm&gt;()</c> (SAM-ON) or
/// <c>new TorchSamOptions().Exclude("*.bias").Exclude&lt;NormBase&gt;()</c>; and parameter groups with their own
/// learning rate or weight decay with <c>Group</c>.
/// </remarks>
public sealed partial class TorchSamOptions
{
    /// <summary>
    /// Parameters, by their <c>named_parameters()</c> name (e.g. <c>"fc.bias"</c>, <c>"features.1.weight"</c>), that
    /// are stepped but never perturbed; null perturbs every trainable parameter. A common choice:
    /// <c>name =&gt; name.EndsWith(".bias", StringComparison.Ordinal)</c>.
    /// </summary>
    public Func<string, bool>? ExcludeFromPerturbation { get; set; }

    /// <summary>
    /// Parameters, by their <c>named_parameters()</c> name, that are not trained at all (neither perturbed nor
    /// stepped), like a parameter whose requires_grad is false; null trains every trainable parameter.
    /// </summary>
    public Func<string, bool>? Frozen { get; set; }

    /// <summary>
    /// Whether the forward pass at the perturbed point leaves the running statistics of normalization layers
    /// (BatchNorm, InstanceNorm with track_running_stats) untouched, so they are updated once per SAM step, from the
    /// trained weights. Default true; only a module-based optimizer can see the layers.
    /// </summary>
    public bool PreserveRunningStatistics { get; set; } = true;

    /// <summary>
    /// Test and benchmark only: serve contiguous float32 CPU parameters through the device path (float32 host copies
    /// synchronised by <c>copy_</c>) instead of the fast path, so the two can be compared on the same model.
    /// </summary>
    internal bool ForceDevicePath { get; set; }

    /// <summary>
    /// Test and benchmark only: fast-path tensors of at most this many elements are perturbed and restored by
    /// copying instead of a <c>set_</c> re-seat (0 re-seats every tensor).
    /// </summary>
    internal int CopyFlipMaxLength { get; set; } = TorchParameterStorage.DefaultCopyFlipMaxLength;

    /// <summary>
    /// Whether <paramref name="name"/> (a <c>named_parameters()</c> name) is the member <paramref name="member"/> of
    /// the module or lies under it (<c>"fc"</c> covers <c>"fc"</c>, <c>"fc.weight"</c>, <c>"fc.0.bias"</c>, not <c>"fc2.weight"</c>).
    /// What generated modules use for <c>[ExcludeFromPerturbation]</c> and <c>[Frozen]</c> on their members.
    /// </summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="member">The member's name.</param>
    /// <returns>True when the parameter belongs to the member.</returns>
    public static bool IsUnder(string name, string member)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(member);
        return name.StartsWith(member, StringComparison.Ordinal) && (name.Length == member.Length || name[member.Length] == '.');
    }
}
