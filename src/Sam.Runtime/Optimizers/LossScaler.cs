using System;

namespace Sam;

/// <summary>
/// Dynamic loss scaling for float16 training, with PyTorch's <c>torch.amp.GradScaler</c> rule and defaults: the
/// loss is multiplied by <see cref="Scale"/> before the backward pass so small float16 gradients do not flush to
/// zero; an overflow (a gradient holding ±∞ or NaN) multiplies the scale by <see cref="BackoffFactor"/>, and
/// <see cref="GrowthInterval"/> consecutive steps without one multiply it by <see cref="GrowthFactor"/>.
/// </summary>
/// <remarks>
/// Set it as <see cref="SamOptimizer.LossScaler"/> (or <c>TorchSamOptimizer.LossScaler</c>): the SAM step then
/// divides the gradients by the scale once per pass, inside the engine's checking pass, and an overflow in either
/// pass skips the step transactionally (docs/torchsharp.md, "Mixed precision"). The callback scales its loss:
/// <c>loss.mul(optimizer.LossScale).backward()</c>. The scale is kept in single precision, as PyTorch keeps it in a
/// float32 tensor, so the rule gives the same sequence bit for bit.
/// </remarks>
public sealed class LossScaler
{
    private float _scale;

    /// <summary>Creates a scaler; the defaults are PyTorch's.</summary>
    /// <param name="initialScale">The first scale, finite and positive. Default 65536 (2¹⁶).</param>
    /// <param name="growthFactor">Multiplier after <paramref name="growthInterval"/> good steps, above 1. Default 2.</param>
    /// <param name="backoffFactor">Multiplier after an overflow, in (0, 1). Default 0.5.</param>
    /// <param name="growthInterval">Consecutive good steps before the scale grows, at least 1. Default 2000.</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of its range; the exception names it.</exception>
    public LossScaler(float initialScale = 65536f, float growthFactor = 2f, float backoffFactor = 0.5f, int growthInterval = 2000)
    {
        if (!float.IsFinite(initialScale) || initialScale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(initialScale), initialScale, "The initial scale must be finite and positive.");
        }

        if (!float.IsFinite(growthFactor) || growthFactor <= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(growthFactor), growthFactor, "The growth factor must be finite and above 1.");
        }

        if (!(backoffFactor > 0 && backoffFactor < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(backoffFactor), backoffFactor, "The backoff factor must lie in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(growthInterval, 1);
        _scale = initialScale;
        GrowthFactor = growthFactor;
        BackoffFactor = backoffFactor;
        GrowthInterval = growthInterval;
    }

    /// <summary>The factor the next step's losses are multiplied by.</summary>
    public float Scale => _scale;

    /// <summary>Multiplier applied after <see cref="GrowthInterval"/> consecutive good steps.</summary>
    public float GrowthFactor { get; }

    /// <summary>Multiplier applied after an overflow.</summary>
    public float BackoffFactor { get; }

    /// <summary>Consecutive good steps before the scale grows.</summary>
    public int GrowthInterval { get; }

    /// <summary>Good steps since the last overflow or growth (PyTorch's <c>_growth_tracker</c>).</summary>
    public int GoodSteps { get; private set; }

    /// <summary>Steps skipped because a gradient overflowed, since the scaler was created or loaded.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>
    /// Applies PyTorch's update rule (<c>_amp_update_scale_</c>) after one step: on an overflow the scale is
    /// multiplied by <see cref="BackoffFactor"/> and the good-step count restarts; otherwise the count grows, and when
    /// it reaches <see cref="GrowthInterval"/> the scale is multiplied by <see cref="GrowthFactor"/> (unless that would
    /// overflow single precision) and the count restarts. The SAM step calls it; call it yourself only when driving
    /// the scaler by hand.
    /// </summary>
    /// <param name="overflow">Whether the step's gradients held ±∞ or NaN (the step was skipped).</param>
    public void Update(bool overflow)
    {
        if (overflow)
        {
            _scale *= BackoffFactor;
            GoodSteps = 0;
            SkippedSteps++;
            return;
        }

        int good = GoodSteps + 1;
        if (good == GrowthInterval)
        {
            float grown = _scale * GrowthFactor;
            if (float.IsFinite(grown))
            {
                _scale = grown;
            }

            good = 0;
        }

        GoodSteps = good;
    }

    /// <summary>Puts back a state saved with the optimizer's checkpoint.</summary>
    internal void Load(float scale, int goodSteps, long skipped)
    {
        _scale = scale;
        GoodSteps = goodSteps;
        SkippedSteps = skipped;
    }
}
