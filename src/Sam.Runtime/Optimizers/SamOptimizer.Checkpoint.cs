using System;
using System.Collections.Generic;
using System.IO;
using Sam.Kernels;

namespace Sam;

/// <summary>Saving and loading the optimizer state, so a resumed run continues bit-identically.</summary>
public sealed partial class SamOptimizer
{
    private const string StateMagic = "SAMS";

    // Buffer flags of one entry.
    private const byte HasBuffer1 = 1, HasBuffer2 = 2, HasBuffer3 = 4, HasVariant = 8;
    private const byte AllBuffers = HasBuffer1 | HasBuffer2 | HasBuffer3 | HasVariant;

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
    /// moments and per-parameter step counts, AMSGrad's maximum, VaSSO's d, Friendly SAM's m, LookSAM's g_v and ‖g_v‖²),
    /// the SAM-step count and AE-SAM's averages to
    /// <paramref name="stream"/>, each identified by member path (a list's parameter name) and length, sorted by path so
    /// the same state always gives the same bytes. Scratch buffers (GSAM's saved gradient, GCSAM's row means) are not state and
    /// are not written. Hyper-parameters are not written either: they come from the code (the attributes or the
    /// <see cref="SamSettings"/>) on resume. The record carries CRC-64 checks (docs/reliability.md).
    /// </summary>
    /// <param name="stream">
    /// A writable stream; left open, positioned after the record. The caller owns atomicity: if writing fails
    /// part-way the stream holds a partial record (which <see cref="LoadState"/> refuses). To replace a file
    /// atomically use <see cref="SamCheckpoint.Save(string, ISamParameterSource, SamOptimizer?)"/>.
    /// </param>
    /// <exception cref="InvalidOperationException">
    /// The weights are perturbed, or two parameters with optimizer state share a path (a list with duplicate
    /// names: the checkpoint could not tell them apart); nothing is written.
    /// </exception>
    public void SaveState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CollectState().Write(stream);
    }

    /// <summary>
    /// Replaces the optimizer state with one written by <see cref="SaveState"/>: sets <see cref="StepCount"/> (so
    /// schedules, periodic SAM and switching continue where they were) and attaches each saved state to the
    /// parameter at the same member path the first time a step reaches it. The engine may be fresh: no parameter
    /// needs to have been seen. After that first step the state is found by slot as usual, with no lookup and no
    /// allocation per step. The whole record is read and verified before the engine changes.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the record; left open, positioned after it.</param>
    /// <exception cref="InvalidDataException">
    /// The stream is not a state checkpoint (wrong magic), has an unsupported version (including version 1, which
    /// had no checksums), or is truncated or corrupt (a checksum mismatch); the engine is unchanged.
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// The weights are perturbed, or the checkpoint was written with another base optimizer or variant; the engine
    /// is unchanged. A saved length that differs from the parameter's is reported, naming the parameter, by the
    /// first step that reaches it (before anything is written); <see cref="SamCheckpoint.Load(Stream, ISamParameterSource, SamOptimizer?)"/>
    /// knows the model and reports it while loading.
    /// </exception>
    public void LoadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfPerturbed(nameof(LoadState));
        CommitState(ReadState(stream, expectedLengths: null));
    }

    /// <summary>The key a parameter's optimizer state is saved and bound under: its member path in the walk.</summary>
    internal static string StateKey(string memberPath, ReadOnlySpan<int> indices) => SamCheckpoint.FormatPath(memberPath, indices);

    /// <summary>Collects and checks everything <see cref="SaveState"/> writes, before the first byte is written.</summary>
    internal StateSnapshot CollectState()
    {
        ThrowIfPerturbed(nameof(SaveState));
        bool variantState = _rule.BufferIsState;
        var records = new List<SavedState>();
        var owners = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach ((string key, Parameter parameter) in SamCheckpoint.Paths(_source))
        {
            if (_byParameter is null || !_byParameter.TryGetValue(parameter, out ParameterState? s))
            {
                continue;
            }

            var saved = new SavedState(key, s.Owner.Length, s.Steps, s.Buffer1?.Memory, s.Buffer2?.Memory, s.Buffer3?.Memory, variantState && s.VariantStarted ? s.VariantBuffer?.Memory : null);
            if (!saved.HasAny)
            {
                continue;
            }

            if (owners.TryGetValue(key, out Parameter? other))
            {
                throw new InvalidOperationException(
                    $"Cannot save the optimizer state: parameters {other} and {s.Owner} are both at '{key}', and a checkpoint identifies state by member path. Give them distinct names.");
            }

            CheckpointWriter.ValidateString(key, $"the path of parameter {s.Owner}");
            owners.Add(key, s.Owner);
            records.Add(saved);
        }

        if (_pending is not null)
        {
            // Loaded but not yet met: keep it, so load-then-save loses nothing.
            foreach (SavedState saved in _pending.Values)
            {
                if (!owners.ContainsKey(saved.Key))
                {
                    records.Add(saved);
                }
            }
        }

        AddLossScalerState(records);

        // Sorted by key (ordinal): the bytes depend on the state only, not on the order parameters were met or bound.
        records.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var scalars = new EngineScalars(_samSteps, _adaptiveMean, _adaptiveVariance, _rule.SavedScalar);
        return new StateSnapshot(BaseOptimizer.GetType().Name, Variant, StepCount, scalars, records);
    }

    /// <summary>
    /// Reads and verifies a whole state record without changing the engine. With <paramref name="expectedLengths"/>
    /// (the model's parameters by state key) each entry's length is checked before its buffers are allocated.
    /// </summary>
    internal LoadedState ReadState(Stream stream, IReadOnlyDictionary<string, int>? expectedLengths)
    {
        var r = new CheckpointReader(stream, StateMagic, "optimizer-state");
        string optimizer = r.ReadString("the optimizer name");
        int variant = r.ReadInt32();
        long steps = r.ReadInt64();
        var scalars = new EngineScalars(r.ReadInt64(), BitConverter.Int64BitsToDouble(r.ReadInt64()), BitConverter.Int64BitsToDouble(r.ReadInt64()), BitConverter.Int64BitsToDouble(r.ReadInt64()));
        int count = r.ReadInt32();
        r.ReadCheck("the header");
        if (optimizer != BaseOptimizer.GetType().Name || (SamVariant)variant != Variant)
        {
            throw new InvalidOperationException(
                $"The checkpoint holds {optimizer} state for the {(SamVariant)variant} variant, but this engine uses {BaseOptimizer.GetType().Name} with {Variant}; call ResetState() to start that optimizer afresh instead.");
        }

        if (steps < 0 || count < 0 || !scalars.IsValid(steps))
        {
            throw r.Corrupt($"step count {steps}, {scalars.SamSteps} SAM steps, {count} entries");
        }

        var states = new Dictionary<string, SavedState>(Math.Min(count, expectedLengths?.Count ?? 0), StringComparer.Ordinal);
        string? previous = null;
        (string Key, int Saved, int Expected)? mismatch = null;
        for (int e = 0; e < count; e++)
        {
            string key = r.ReadString($"the name of entry {e}");
            int length = r.ReadInt32();
            long parameterSteps = r.ReadInt64();
            byte flags = r.ReadByte();
            r.ReadCheck($"the header of entry {e}");

            // From here the entry's key, length and flags are what was saved.
            if (length <= 0 || parameterSteps < 0 || flags == 0 || (flags & ~AllBuffers) != 0)
            {
                throw r.Corrupt($"the entry of '{key}' is malformed");
            }

            if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
            {
                throw r.Corrupt($"entry '{key}' is out of order or repeated");
            }

            previous = key;
            int expected = -1;
            bool confirmed = expectedLengths is not null && expectedLengths.TryGetValue(key, out expected) && expected >= 0;
            string what = $"the state of '{key}'";
            if (confirmed && expected != length)
            {
                // Refused after the whole record is verified, so a damaged file is reported as damaged.
                mismatch ??= (key, length, expected);
                r.SkipFloats((long)length * System.Numerics.BitOperations.PopCount(flags), what);
                r.ReadCheck(what);
                continue;
            }

            float[]? Read(byte flag) => (flags & flag) != 0 ? r.ReadFloats(length, confirmed, what) : null;
            // Typed explicitly: a null float[] (or a bare null next to a ReadOnlyMemory) converts to empty memory, not to null.
            ReadOnlyMemory<float>? ReadBuffer(byte flag) => Read(flag) is { } floats ? (ReadOnlyMemory<float>?)floats : default;
            var saved = new SavedState(key, length, parameterSteps, ReadBuffer(HasBuffer1), ReadBuffer(HasBuffer2), ReadBuffer(HasBuffer3), ReadBuffer(HasVariant));
            r.ReadCheck(what);
            states.Add(key, saved);
        }

        if (mismatch is { } m)
        {
            throw new InvalidOperationException(
                $"The saved optimizer state of parameter '{m.Key}' has {m.Saved} elements but the parameter has {m.Expected}; the checkpoint belongs to a different model.");
        }

        return new LoadedState(steps, scalars, states) { LossScaler = TakeLossScalerState(states) };
    }

    /// <summary>Replaces the engine's state with a verified one (nothing here can fail part-way).</summary>
    internal void CommitState(LoadedState loaded)
    {
        ResetState();
        CommitLossScalerState(loaded.LossScaler);
        StepCount = loaded.Steps;
        _samSteps = loaded.Scalars.SamSteps;
        _adaptiveMean = loaded.Scalars.AdaptiveMean;
        _adaptiveVariance = loaded.Scalars.AdaptiveVariance;
        _rule.SavedScalar = loaded.Scalars.RuleScalar;
        _pending = loaded.States.Count > 0 ? loaded.States : null;
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

        string key = StateKey(memberPath, indices);
        if (!_pending.TryGetValue(key, out SavedState? saved))
        {
            return;
        }

        if (saved.Length != p.Length)
        {
            throw new InvalidOperationException(
                $"The loaded optimizer state of '{key}' has {saved.Length} elements but the parameter has {p.Length}; the checkpoint belongs to a different model.");
        }

        ParameterState state = perturbSlot ? PerturbStateFor(p, slot) : StateFor(p, slot);
        _pending.Remove(key);
        if (_pending.Count == 0)
        {
            _pending = null;
        }

        state.LoadBuffers(saved.Buffer1, saved.Buffer2, saved.Buffer3);
        state.VariantBuffer = saved.Variant is { } variant ? AlignedBuffer.CopyOf(variant.Span, BufferPlace.Second) : null;
        state.VariantStarted = saved.Variant is not null; // an average is saved once a perturbation has started it
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

    /// <summary>One parameter's saved state, as written and read.</summary>
    internal sealed record SavedState(string Key, int Length, long Steps, ReadOnlyMemory<float>? Buffer1, ReadOnlyMemory<float>? Buffer2, ReadOnlyMemory<float>? Buffer3, ReadOnlyMemory<float>? Variant)
    {
        public bool HasAny => Buffer1 is not null || Buffer2 is not null || Buffer3 is not null || Variant is not null;
    }

    /// <summary>A verified state record, not yet committed.</summary>
    internal sealed record LoadedState(long Steps, EngineScalars Scalars, Dictionary<string, SavedState> States)
    {
        /// <summary>The loss scaler's saved scale and good-step count, when the record has them.</summary>
        public (float Scale, int GoodSteps)? LossScaler { get; init; }
    }

    /// <summary>The engine's scalar state: SAM steps taken, AE-SAM's μ and σ², the variant rule's scalar (LookSAM's ‖g_v‖²).</summary>
    internal readonly record struct EngineScalars(long SamSteps, double AdaptiveMean, double AdaptiveVariance, double RuleScalar)
    {
        public bool IsValid(long steps) =>
            SamSteps >= 0 && SamSteps <= steps && double.IsFinite(AdaptiveMean) && AdaptiveMean >= 0 &&
            double.IsFinite(AdaptiveVariance) && AdaptiveVariance >= 0 && double.IsFinite(RuleScalar) && RuleScalar >= 0;
    }

    /// <summary>Everything a state record holds, collected and checked; <see cref="Write"/> cannot fail on the data.</summary>
    internal sealed class StateSnapshot(string optimizer, SamVariant variant, long steps, EngineScalars scalars, List<SavedState> records)
    {
        public void Write(Stream stream)
        {
            var w = new CheckpointWriter(stream, StateMagic);
            w.WriteString(optimizer);
            w.WriteInt32((int)variant);
            w.WriteInt64(steps);
            w.WriteInt64(scalars.SamSteps);
            w.WriteInt64(BitConverter.DoubleToInt64Bits(scalars.AdaptiveMean));
            w.WriteInt64(BitConverter.DoubleToInt64Bits(scalars.AdaptiveVariance));
            w.WriteInt64(BitConverter.DoubleToInt64Bits(scalars.RuleScalar));
            w.WriteInt32(records.Count);
            w.WriteCheck();
            foreach (SavedState r in records)
            {
                w.WriteString(r.Key);
                w.WriteInt32(r.Length);
                w.WriteInt64(r.Steps);
                w.WriteByte((byte)((r.Buffer1 is null ? 0 : HasBuffer1) | (r.Buffer2 is null ? 0 : HasBuffer2) | (r.Buffer3 is null ? 0 : HasBuffer3) | (r.Variant is null ? 0 : HasVariant)));
                w.WriteCheck();
                foreach (ReadOnlyMemory<float>? b in (ReadOnlySpan<ReadOnlyMemory<float>?>)[r.Buffer1, r.Buffer2, r.Buffer3])
                {
                    if (b is { } floats)
                    {
                        w.WriteFloats(floats.Span);
                    }
                }

                if (r.Variant is { } variant)
                {
                    w.WriteFloats(variant.Span);
                }

                w.WriteCheck();
            }

            w.Flush();
        }
    }
}
