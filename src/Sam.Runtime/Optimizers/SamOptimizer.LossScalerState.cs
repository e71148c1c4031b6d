using System.Collections.Generic;
using System.IO;

namespace Sam;

// The loss scaler's state travels in the optimizer-state record as one reserved entry (no member path can start
// with '<'), so the record's layout and version stay as they are: its Steps field holds the good-step count and its
// one float the scale (the scaler keeps it in single precision). docs/reliability.md describes the record.
public sealed partial class SamOptimizer
{
    /// <summary>The reserved key of the loss scaler's entry in a state record.</summary>
    internal const string LossScalerKey = "<loss-scaler>";

    // A scaler state read by LoadState while no scaler was set: applied when one is.
    private (float Scale, int GoodSteps)? _loadedScaler;

    private void AddLossScalerState(List<SavedState> records)
    {
        if (_lossScaler is { } s)
        {
            records.Add(new SavedState(LossScalerKey, 1, s.GoodSteps, new float[] { s.Scale }, null, null, null));
        }
        else if (_loadedScaler is { } loaded)
        {
            records.Add(new SavedState(LossScalerKey, 1, loaded.GoodSteps, new float[] { loaded.Scale }, null, null, null));
        }
    }

    // Called by ReadState, before the engine (or a model's weights) changes: a malformed entry refuses the whole load.
    private static (float Scale, int GoodSteps)? TakeLossScalerState(Dictionary<string, SavedState> states)
    {
        if (!states.Remove(LossScalerKey, out SavedState? saved))
        {
            return null;
        }

        float scale = saved.Buffer1 is { Length: 1 } one ? one.Span[0] : float.NaN;
        if (saved.Length != 1 || !float.IsFinite(scale) || scale <= 0 || saved.Steps > int.MaxValue
            || saved.Buffer2 is not null || saved.Buffer3 is not null || saved.Variant is not null)
        {
            throw new InvalidDataException("Corrupt optimizer-state checkpoint: the loss scaler's entry is malformed.");
        }

        return (scale, (int)saved.Steps);
    }

    private void CommitLossScalerState((float Scale, int GoodSteps)? loaded)
    {
        if (loaded is not { } l)
        {
            return;
        }

        if (_lossScaler is { } s)
        {
            s.Load(l.Scale, l.GoodSteps, 0);
            _loadedScaler = null;
        }
        else
        {
            _loadedScaler = l;
        }
    }
}
