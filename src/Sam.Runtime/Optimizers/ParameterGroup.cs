using System;

namespace Sam;

/// <summary>
/// A parameter group, as in <c>torch.optim</c>: parameters that take their own learning rate and weight decay
/// instead of the base optimizer's (the common recipe: no weight decay for biases and normalization layers). Assign
/// it to <see cref="Parameter.Group"/>; a parameter without a group uses the base optimizer's values.
/// </summary>
/// <remarks>
/// A learning-rate schedule (<see cref="SamSettings.LearningRateSchedule"/>) scales every group from its own base
/// value, as torch's schedulers do. The values are read at every step, so they can change between steps.
/// </remarks>
public sealed class ParameterGroup
{
    private double? _learningRate;
    private double? _weightDecay;

    /// <summary>Creates a group.</summary>
    /// <param name="learningRate">The group's learning rate η_g ≥ 0; null uses the base optimizer's.</param>
    /// <param name="weightDecay">The group's weight decay λ_g ≥ 0 (applied the base optimizer's way: L2 or decoupled); null uses the base optimizer's.</param>
    /// <param name="name">A name for messages and telemetry.</param>
    public ParameterGroup(double? learningRate = null, double? weightDecay = null, string? name = null)
    {
        Name = name ?? "group";
        LearningRate = learningRate;
        WeightDecay = weightDecay;
    }

    /// <summary>The group's name.</summary>
    public string Name { get; }

    /// <summary>
    /// The group's learning rate (finite, ≥ 0, representable in single precision; 0 holds the group still, as a
    /// scheduler's floor may), or null for the base optimizer's.
    /// </summary>
    public double? LearningRate
    {
        get => _learningRate;
        set => _learningRate = value is not { } v || (SamRanges.NonNegative(v) && SamRanges.FitsSingle(v, positive: false))
            ? value
            : throw new ArgumentOutOfRangeException(nameof(LearningRate), value, $"Parameter group '{Name}': the learning rate must be finite, non-negative and at most the largest float.");
    }

    /// <summary>The group's weight decay (finite, ≥ 0, representable in single precision), or null for the base optimizer's.</summary>
    public double? WeightDecay
    {
        get => _weightDecay;
        set => _weightDecay = value is not { } v || (SamRanges.NonNegative(v) && SamRanges.FitsSingle(v, positive: false))
            ? value
            : throw new ArgumentOutOfRangeException(nameof(WeightDecay), value, $"Parameter group '{Name}': the weight decay must be finite, non-negative and at most the largest float.");
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Name}(lr={(_learningRate is { } lr ? lr.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "base")}, weight decay={(_weightDecay is { } wd ? wd.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "base")})");
}
