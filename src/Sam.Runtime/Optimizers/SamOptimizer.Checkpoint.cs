using System;
using System.Collections.Generic;
using System.IO;

namespace Sam;

/// <summary>Saving and loading the optimizer state, so a resumed run continues bit-identically.</summary>
public sealed partial class SamOptimizer
{
    private const string StateMagic = "SAMS";
    private const int StateVersion = 1;

    // Buffer flags of one record.
    private const byte HasBuffer1 = 1, HasBuffer2 = 2, HasBuffer3 = 4, HasVariant = 8;

    // States read by LoadState whose parameter has not been met yet, by member path (the walk's path, formatted;
    // a list's parameter name). Bound (and removed) by the first checking pass that reaches the path; null once
    // all are bound, so the per-step cost of a load is one null check per parameter.
    private Dictionary<string, SavedState>? _pending;

    /// <summary>The member paths of loaded states not yet attached to a parameter (empty once every one has been met by a step).</summary>
    /// <remarks>
    /// States are attached when a step first reaches a parameter at the saved path; a path still listed after
    /// the first step means the model no longer has that member (renamed or removed) and its state is unused.
    /// </remarks>
    public IReadOnlyCollection<string> UnboundStatePaths => _pending is { } p ? [.. p.Keys] : Array.Empty<string>();

    /// <summary>
    /// Writes <see cref="StepCount"/> and every parameter's optimizer and variant state (SGD momentum, Adam's
    /// moments and per-parameter step counts, AMSGrad's maximum, VaSSO's d, Friendly SAM's m) to
    /// <paramref name="stream"/>, each identified by member path (a list's parameter name) and length. Scratch buffers (GSAM's saved
    /// gradient, GCSAM's row means) are not state and are not written. Hyper-parameters are not written either:
    /// they come from the code (the attributes or the <see cref="SamSettings"/>) on resume.
    /// </summary>
    /// <param name="stream">A writable stream; left open, positioned after the record.</param>
    /// <exception cref="InvalidOperationException">
    /// The weights are perturbed, or two parameters with optimizer state share a path (a list with duplicate
    /// names: the checkpoint could not tell them apart).
    /// </exception>
    public void SaveState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfPerturbed(nameof(SaveState));
        bool variantState = Variant is SamVariant.Vasso or SamVariant.FriendlySam;

        // Collect and check everything before the first byte is written.
        var records = new List<SavedState>();
        var owners = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        var paths = new PathCollector();
        _source.VisitParameters(ref paths);
        foreach ((string path, Parameter parameter) in paths.Parameters)
        {
            if (_byParameter is null || !_byParameter.TryGetValue(parameter, out ParameterState? s))
            {
                continue;
            }

            var saved = new SavedState(path, s.Owner.Length, s.Steps, s.Buffer1, s.Buffer2, s.Buffer3, variantState ? s.VariantBuffer : null);
            if (!saved.HasAny)
            {
                continue;
            }

            if (owners.TryGetValue(saved.Name, out Parameter? other))
            {
                throw new InvalidOperationException(
                    $"Cannot save the optimizer state: parameters {other} and {s.Owner} are both at '{saved.Name}', and a checkpoint identifies state by path. Give them distinct names.");
            }

            owners.Add(saved.Name, s.Owner);
            records.Add(saved);
        }

        if (_pending is not null)
        {
            // Loaded but not yet met: keep it, so load-then-save loses nothing.
            foreach (SavedState saved in _pending.Values)
            {
                if (!owners.ContainsKey(saved.Name))
                {
                    records.Add(saved);
                }
            }
        }

        using BinaryWriter w = CheckpointFormat.Writer(stream);
        CheckpointFormat.WriteHeader(w, StateMagic, StateVersion);
        w.Write(BaseOptimizer.GetType().Name);
        w.Write((int)Variant);
        w.Write(StepCount);
        w.Write(records.Count);
        foreach (SavedState r in records)
        {
            w.Write(r.Name);
            w.Write(r.Length);
            w.Write(r.Steps);
            byte flags = (byte)((r.Buffer1 is null ? 0 : HasBuffer1) | (r.Buffer2 is null ? 0 : HasBuffer2) | (r.Buffer3 is null ? 0 : HasBuffer3) | (r.Variant is null ? 0 : HasVariant));
            w.Write(flags);
            foreach (float[]? b in (ReadOnlySpan<float[]?>)[r.Buffer1, r.Buffer2, r.Buffer3, r.Variant])
            {
                if (b is not null)
                {
                    CheckpointFormat.WriteFloats(w, b);
                }
            }
        }

        w.Flush();
    }

    /// <summary>
    /// Replaces the optimizer state with one written by <see cref="SaveState"/>: sets <see cref="StepCount"/> (so
    /// schedules, periodic SAM and switching continue where they were) and attaches each saved state to the
    /// parameter with the same name the first time a step reaches it. The engine may be fresh: no parameter
    /// needs to have been seen. After that first step the state is found by slot as usual, with no lookup and no
    /// allocation per step.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the record; left open, positioned after it.</param>
    /// <exception cref="InvalidDataException">
    /// The stream is not a state checkpoint (wrong magic), has an unsupported version, or is truncated or corrupt;
    /// the engine is unchanged.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The weights are perturbed, or the checkpoint was written with another base optimizer or variant; the engine
    /// is unchanged. A saved length that differs from the parameter's is reported, naming the parameter, by the
    /// first step that reaches it (before anything is written).
    /// </exception>
    public void LoadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfPerturbed(nameof(LoadState));
        using BinaryReader r = CheckpointFormat.Reader(stream);
        (long steps, Dictionary<string, SavedState> states) = CheckpointFormat.Guard(() => ReadState(r), "optimizer-state");

        ResetState();
        StepCount = steps;
        _pending = states.Count > 0 ? states : null;
    }

    private (long Steps, Dictionary<string, SavedState> States) ReadState(BinaryReader r)
    {
        CheckpointFormat.ReadHeader(r, StateMagic, StateVersion, "optimizer-state");
        string optimizer = r.ReadString();
        var variant = (SamVariant)r.ReadInt32();
        if (optimizer != BaseOptimizer.GetType().Name || variant != Variant)
        {
            throw new InvalidOperationException(
                $"The checkpoint holds {optimizer} state for the {variant} variant, but this engine uses {BaseOptimizer.GetType().Name} with {Variant}; call ResetState() to start that optimizer afresh instead.");
        }

        long steps = r.ReadInt64();
        if (steps < 0)
        {
            throw new InvalidDataException($"Corrupt optimizer-state checkpoint: step count {steps}.");
        }

        int count = CheckpointFormat.ReadCount(r, "the number of parameters", 1);
        var states = new Dictionary<string, SavedState>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string name = r.ReadString();
            int length = CheckpointFormat.ReadCount(r, $"the length of '{name}'", 0);
            long parameterSteps = r.ReadInt64();
            byte flags = r.ReadByte();
            if (length == 0 || parameterSteps < 0 || (flags & ~(HasBuffer1 | HasBuffer2 | HasBuffer3 | HasVariant)) != 0)
            {
                throw new InvalidDataException($"Corrupt optimizer-state checkpoint: the record of '{name}' is malformed.");
            }

            float[]? Read(byte flag) => (flags & flag) != 0 ? ReadBuffer(r, name, length) : null;
            var saved = new SavedState(name, length, parameterSteps, Read(HasBuffer1), Read(HasBuffer2), Read(HasBuffer3), Read(HasVariant));
            if (!states.TryAdd(name, saved))
            {
                throw new InvalidDataException($"Corrupt optimizer-state checkpoint: '{name}' appears twice.");
            }
        }

        return (steps, states);
    }

    private static float[] ReadBuffer(BinaryReader r, string name, int length)
    {
        Stream s = r.BaseStream;
        if (s.CanSeek && (long)length * sizeof(float) > s.Length - s.Position)
        {
            throw new InvalidDataException($"Truncated optimizer-state checkpoint: the state of '{name}' is cut short.");
        }

        return CheckpointFormat.ReadFloats(r, length);
    }

    /// <summary>
    /// In a checking pass after a load: gives the parameter at this path the state saved under it, if any. The
    /// length is checked here, before the pass writes anything.
    /// </summary>
    private void BindPendingState(Parameter p, string memberPath, ReadOnlySpan<int> indices, int slot, bool perturbSlot)
    {
        if (_pending is null)
        {
            return;
        }

        string path = SamCheckpoint.FormatPath(memberPath, indices);
        if (!_pending.TryGetValue(path, out SavedState? saved))
        {
            return;
        }

        if (saved.Length != p.Length)
        {
            throw new InvalidOperationException(
                $"The loaded optimizer state of '{path}' has {saved.Length} elements but the parameter has {p.Length}; the checkpoint belongs to a different model.");
        }

        ParameterState state = perturbSlot ? PerturbStateFor(p, slot) : StateFor(p, slot);
        _pending.Remove(path);
        if (_pending.Count == 0)
        {
            _pending = null;
        }

        state.Buffer1 = saved.Buffer1;
        state.Buffer2 = saved.Buffer2;
        state.Buffer3 = saved.Buffer3;
        state.VariantBuffer = saved.Variant;
        state.Steps = saved.Steps;
    }

    /// <summary>Calls <paramref name="action"/> for every parameter's state (no allocation with a static lambda).</summary>
    internal void ForEachState(Action<ParameterState> action)
    {
        if (_byParameter is not null)
        {
            foreach (ParameterState s in _byParameter.Values)
            {
                action(s);
            }
        }
    }

    private sealed class PathCollector : ISamParameterVisitor
    {
        public List<(string Path, Parameter Parameter)> Parameters { get; } = [];

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            Parameters.Add((SamCheckpoint.FormatPath(memberPath, indices), parameter));
        }
    }

    /// <summary>One parameter's saved state, as written and read.</summary>
    private sealed record SavedState(string Name, int Length, long Steps, float[]? Buffer1, float[]? Buffer2, float[]? Buffer3, float[]? Variant)
    {
        public bool HasAny => Buffer1 is not null || Buffer2 is not null || Buffer3 is not null || Variant is not null;
    }
}
