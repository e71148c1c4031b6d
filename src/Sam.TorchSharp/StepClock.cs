namespace Sam;

/// <summary>
/// Tells a storage whether what it looked up about <c>param.grad</c> (the fast path's data pointer, the device path's
/// host copy) still holds: only user code changes gradients (a backward pass, <c>zero_grad</c>), and user code runs
/// between optimizer calls and inside the closure. The optimizer opens a span at each call's entry, closes it around
/// the closure and at exit; inside one span a gradient is looked up once, however often the engine reads it.
/// </summary>
internal sealed class StepClock
{
    private long _epoch;
    private bool _holding;

    /// <summary>A stamp for what a storage looked up now; <see cref="IsCurrent"/> tells whether it still holds.</summary>
    public long Stamp => _epoch;

    /// <summary>Whether a look-up stamped <paramref name="stamp"/> is still valid (always false outside a span).</summary>
    /// <param name="stamp">What <see cref="Stamp"/> was at the look-up.</param>
    /// <returns>True inside the same span.</returns>
    public bool IsCurrent(long stamp) => _holding && stamp == _epoch;

    /// <summary>Opens a span: no user code runs until <see cref="Close"/>.</summary>
    public void Open()
    {
        _epoch++;
        _holding = true;
    }

    /// <summary>Closes the span: user code may change gradients now.</summary>
    public void Close()
    {
        _holding = false;
        _epoch++;
    }
}
