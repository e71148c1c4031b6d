using System;

namespace Sam;

/// <summary>Options of a <see cref="TorchSamOptimizer"/> beyond the SAM settings and the base optimizer.</summary>
public sealed class TorchSamOptions
{
    /// <summary>
    /// Parameters, by their <c>named_parameters()</c> name (e.g. <c>"fc.bias"</c>, <c>"features.1.weight"</c>), that
    /// are stepped but never perturbed; null perturbs every trainable parameter. A common choice:
    /// <c>name =&gt; name.EndsWith(".bias", StringComparison.Ordinal)</c>.
    /// </summary>
    public Func<string, bool>? ExcludeFromPerturbation { get; set; }

    /// <summary>
    /// Whether the forward pass at the perturbed point leaves the running statistics of normalization layers
    /// (BatchNorm, InstanceNorm with track_running_stats) untouched, so they are updated once per SAM step, from the
    /// trained weights. Default true; only a module-based optimizer can see the layers.
    /// </summary>
    public bool PreserveRunningStatistics { get; set; } = true;
}
