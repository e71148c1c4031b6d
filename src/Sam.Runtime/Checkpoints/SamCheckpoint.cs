using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Sam;

/// <summary>
/// Saves and loads a model's trained weights by member path, and whole checkpoints (weights and optimizer state)
/// atomically. Together with <see cref="SamOptimizer.SaveState"/> and <see cref="SamOptimizer.LoadState"/> this resumes
/// training bit-identically; both records can share one stream (each reader stops at the end of its own record).
/// </summary>
/// <remarks>
/// Every record carries CRC-64 checks: a damaged or truncated checkpoint throws <see cref="InvalidDataException"/>
/// and changes nothing. The same state always saves to the same bytes (entries are sorted by path). The
/// <see cref="Save(string, ISamParameterSource, SamOptimizer?)"/> overload taking a file path replaces the file
/// atomically; the <see cref="Stream"/> overloads write where the caller says, and the caller owns their
/// atomicity. docs/reliability.md lists each guarantee and the test that holds it.
/// </remarks>
public static class SamCheckpoint
{
    private const string WeightsMagic = "SAMW";

    /// <summary>Writes the trained weights (never the perturbed ones) of every parameter of <paramref name="model"/>, by member path.</summary>
    /// <param name="stream">
    /// A writable stream; left open, positioned after the record. If writing fails part-way the stream holds a
    /// partial record: make writes to a stream atomic yourself, or use <see cref="Save(string, ISamParameterSource, SamOptimizer?)"/>.
    /// </param>
    /// <param name="model">A generated model or a <see cref="SamOptimizer"/>.</param>
    /// <exception cref="InvalidOperationException">
    /// Two parameters have the same path (possible only for a <see cref="SamOptimizer"/> with duplicate names), a
    /// path is longer than 65,536 UTF-8 bytes or a shape has more than 64 dimensions; nothing is written.
    /// </exception>
    public static void SaveWeights(Stream stream, ISamParameterSource model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        List<(string Path, Parameter Parameter)> parameters = Collect(model);
        WriteWeights(stream, parameters);
    }

    /// <summary>
    /// Loads weights written by <see cref="SaveWeights"/> into <paramref name="model"/>. Every parameter of the
    /// model must be in the checkpoint with the same shape and vice versa; the whole record is read and verified
    /// before any weight is written, so a failed load leaves the model unchanged.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the record; left open, positioned after it.</param>
    /// <param name="model">A generated model or a <see cref="SamOptimizer"/>.</param>
    /// <exception cref="InvalidDataException">
    /// Not a weight checkpoint (wrong magic), unsupported version (including version 1, which had no checksums),
    /// truncated, or corrupt (a checksum mismatch).
    /// </exception>
    /// <exception cref="InvalidOperationException">
    /// A parameter is missing from the checkpoint, has another shape, or the checkpoint holds a path the model
    /// lacks (each named); or the weights are perturbed.
    /// </exception>
    public static void LoadWeights(Stream stream, ISamParameterSource model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        List<(string Path, Parameter Parameter)> parameters = CollectForLoad(model);
        float[][] values = ReadWeights(stream, parameters);
        CommitWeights(parameters, values);
    }

    /// <summary>
    /// Writes a whole checkpoint — the weights of <paramref name="model"/>, then the state of
    /// <paramref name="optimizer"/> if given — to <paramref name="path"/> atomically: the data goes to a temporary
    /// file in the same directory, is flushed to the disk, and only then renamed over <paramref name="path"/>. A
    /// save that fails (an exception, a full disk, a crash) leaves the previous file as it was.
    /// </summary>
    /// <param name="path">The checkpoint file; replaced if it exists.</param>
    /// <param name="model">A generated model or a <see cref="SamOptimizer"/>.</param>
    /// <param name="optimizer">The engine whose state to save (<c>model.Optimizer</c>, a <c>SamOptimizer</c>), or null for weights only.</param>
    /// <exception cref="InvalidOperationException">As for <see cref="SaveWeights"/> and <see cref="SamOptimizer.SaveState"/>; no file is touched.</exception>
    public static void Save(string path, ISamParameterSource model, SamOptimizer? optimizer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string target = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{path}' has no directory.", nameof(path));

        // Everything is checked and collected before the temporary file exists.
        List<(string Path, Parameter Parameter)> parameters = Collect(model);
        SamOptimizer.StateSnapshot? state = optimizer?.CollectState();

        string temporary = Path.Combine(directory, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                WriteWeights(file, parameters);
                state?.Write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>
    /// Writes a whole checkpoint — the weights of <paramref name="model"/>, then the state of
    /// <paramref name="optimizer"/> if given — to <paramref name="stream"/>. The bytes are those
    /// <see cref="Save(string, ISamParameterSource, SamOptimizer?)"/> writes to a file.
    /// </summary>
    /// <param name="stream">
    /// A writable stream; left open, positioned after the checkpoint. The caller owns atomicity: if writing fails
    /// part-way the stream holds a partial checkpoint (which any load refuses).
    /// </param>
    /// <param name="model">A generated model or a <see cref="SamOptimizer"/>.</param>
    /// <param name="optimizer">The engine whose state to save, or null for weights only.</param>
    /// <exception cref="InvalidOperationException">As for <see cref="SaveWeights"/> and <see cref="SamOptimizer.SaveState"/>; nothing is written.</exception>
    public static void Save(Stream stream, ISamParameterSource model, SamOptimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        List<(string Path, Parameter Parameter)> parameters = Collect(model);
        SamOptimizer.StateSnapshot? state = optimizer?.CollectState();
        WriteWeights(stream, parameters);
        state?.Write(stream);
    }

    /// <summary>
    /// Loads a checkpoint written by <see cref="Save(string, ISamParameterSource, SamOptimizer?)"/>: reads and verifies
    /// the weights and (if <paramref name="optimizer"/> is given) the optimizer state completely, and only then
    /// writes either. A failed load leaves the model's weights and the optimizer's state exactly as they were.
    /// </summary>
    /// <param name="path">The checkpoint file.</param>
    /// <param name="model">A generated model or a <see cref="SamOptimizer"/>.</param>
    /// <param name="optimizer">The engine to load the state into, or null to load the weights only.</param>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, has an unsupported version, is truncated or corrupt.</exception>
    /// <exception cref="InvalidOperationException">As for <see cref="LoadWeights"/> and <see cref="SamOptimizer.LoadState"/>.</exception>
    public static void Load(string path, ISamParameterSource model, SamOptimizer? optimizer = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        Load(file, model, optimizer);
    }

    /// <summary>
    /// Loads a checkpoint written by <see cref="Save(Stream, ISamParameterSource, SamOptimizer?)"/>: reads and verifies
    /// the weights and (if <paramref name="optimizer"/> is given) the optimizer state completely, and only then
    /// writes either, so a failed load changes nothing. Each saved state's length is checked against the model's
    /// parameter of that name before its buffers are allocated.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the checkpoint; left open, positioned after it.</param>
    /// <param name="model">A generated model or a <see cref="SamOptimizer"/>.</param>
    /// <param name="optimizer">The engine to load the state into, or null to load the weights only.</param>
    /// <exception cref="InvalidDataException">Not a checkpoint, unsupported version, truncated or corrupt.</exception>
    /// <exception cref="InvalidOperationException">As for <see cref="LoadWeights"/> and <see cref="SamOptimizer.LoadState"/>, or a saved state's length differs from its parameter's.</exception>
    public static void Load(Stream stream, ISamParameterSource model, SamOptimizer? optimizer = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        List<(string Path, Parameter Parameter)> parameters = CollectForLoad(model);
        optimizer?.ThrowIfPerturbed(nameof(Load));
        float[][] values = ReadWeights(stream, parameters);
        SamOptimizer.LoadedState? state = optimizer?.ReadState(stream, ExpectedStateLengths(parameters));
        CommitWeights(parameters, values);
        if (state is not null)
        {
            optimizer!.CommitState(state);
        }
    }

    /// <summary>Formats a member path and its collection indices as one string: ("Blocks[].W", [2]) → "Blocks[2].W".</summary>
    /// <param name="memberPath">The path with "[]" per collection element.</param>
    /// <param name="indices">One index per "[]", outermost first.</param>
    /// <returns>The path with the indices filled in.</returns>
    /// <exception cref="ArgumentException">Indices are given but their number differs from the number of "[]".</exception>
    public static string FormatPath(string memberPath, ReadOnlySpan<int> indices)
    {
        ArgumentNullException.ThrowIfNull(memberPath);
        if (indices.IsEmpty)
        {
            return memberPath; // a plain name (SamOptimizer's names may contain anything)
        }

        var sb = new StringBuilder(memberPath.Length + (indices.Length * 4));
        int from = 0, used = 0;
        while (true)
        {
            int at = memberPath.IndexOf("[]", from, StringComparison.Ordinal);
            if (at < 0)
            {
                break;
            }

            if (used == indices.Length)
            {
                throw new ArgumentException($"Path '{memberPath}' has more \"[]\" than the {indices.Length} indices given.", nameof(indices));
            }

            sb.Append(memberPath, from, at - from).Append('[').Append(indices[used++]).Append(']');
            from = at + 2;
        }

        if (used != indices.Length)
        {
            throw new ArgumentException($"Path '{memberPath}' has {used} \"[]\" but {indices.Length} indices were given.", nameof(indices));
        }

        return sb.Append(memberPath, from, memberPath.Length - from).ToString();
    }

    private static void WriteWeights(Stream stream, List<(string Path, Parameter Parameter)> parameters)
    {
        var w = new CheckpointWriter(stream, WeightsMagic);
        w.WriteInt32(parameters.Count);
        w.WriteCheck();
        foreach ((string path, Parameter p) in parameters)
        {
            w.WriteString(path);
            w.WriteInt32(p.Shape.Count);
            foreach (int d in p.Shape)
            {
                w.WriteInt32(d);
            }

            w.WriteCheck();
            w.WriteFloats(p.TrainedValue);
            w.WriteCheck();
        }

        w.Flush();
    }

    /// <summary>
    /// Reads and verifies a whole weight record into new arrays, one per entry of <paramref name="parameters"/>, in
    /// that order. Every length is checked against the model's parameter before anything is allocated for it;
    /// entries the model does not have (or has with another shape) are read through and refused at the end, so a
    /// damaged file is always reported as such.
    /// </summary>
    private static float[][] ReadWeights(Stream stream, List<(string Path, Parameter Parameter)> parameters)
    {
        var r = new CheckpointReader(stream, WeightsMagic, "weight");
        int count = r.ReadInt32();
        r.ReadCheck("the header");
        if (count < 0)
        {
            throw r.Corrupt($"the number of parameters is {count}");
        }

        var index = new Dictionary<string, int>(parameters.Count, StringComparer.Ordinal);
        for (int i = 0; i < parameters.Count; i++)
        {
            index.Add(parameters[i].Path, i);
        }

        var values = new float[parameters.Count][];
        var shapes = new int[parameters.Count][];
        var unknown = new List<string>();
        string? previous = null;
        for (int e = 0; e < count; e++)
        {
            string path = r.ReadString($"the path of entry {e}");
            int rank = r.ReadInt32();
            if (rank < 0 || rank > CheckpointFormat.MaxRank)
            {
                throw r.Corrupt($"the rank of entry {e} is {rank}");
            }

            var shape = new int[rank];
            for (int d = 0; d < rank; d++)
            {
                shape[d] = r.ReadInt32();
            }

            r.ReadCheck($"the header of entry {e}");

            // From here the entry's path and shape are what was saved.
            if (previous is not null && string.CompareOrdinal(previous, path) >= 0)
            {
                throw r.Corrupt($"entry '{path}' is out of order or repeated");
            }

            previous = path;
            long length = 1;
            foreach (int d in shape)
            {
                length *= d;
                if (d <= 0 || length > Array.MaxLength)
                {
                    throw r.Corrupt($"the shape of '{path}' is invalid");
                }
            }

            string what = $"the weights of '{path}'";
            bool known = index.TryGetValue(path, out int i);
            if (known && ShapeOf(parameters[i].Parameter).AsSpan().SequenceEqual(shape))
            {
                values[i] = r.ReadFloats((int)length, confirmed: true, what);
            }
            else
            {
                if (known)
                {
                    shapes[i] = shape; // refused below, naming the parameter
                }
                else
                {
                    unknown.Add(path);
                }

                r.SkipFloats(length, what);
            }

            r.ReadCheck(what);
        }

        for (int i = 0; i < parameters.Count; i++)
        {
            (string path, Parameter p) = parameters[i];
            if (shapes[i] is { } saved)
            {
                throw new InvalidOperationException(
                    $"Parameter '{path}' has shape [{string.Join(", ", p.Shape)}] but the checkpoint holds [{string.Join(", ", saved)}].");
            }

            if (values[i] is null)
            {
                throw new InvalidOperationException($"The checkpoint has no weights for parameter '{path}'.");
            }
        }

        if (unknown.Count > 0)
        {
            string names = string.Join(", ", unknown.GetRange(0, Math.Min(unknown.Count, 10)).ConvertAll(static p => $"'{p}'")) + (unknown.Count > 10 ? $" and {unknown.Count - 10} more" : string.Empty);
            throw new InvalidOperationException($"The checkpoint holds weights for {names}, which the model does not have.");
        }

        return values;
    }

    private static void CommitWeights(List<(string Path, Parameter Parameter)> parameters, float[][] values)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            parameters[i].Parameter.LoadValues(values[i]);
        }
    }

    /// <summary>The length each optimizer-state key must have, from the model's parameters (-1 where two parameters share a key with different lengths).</summary>
    private static Dictionary<string, int> ExpectedStateLengths(List<(string Path, Parameter Parameter)> parameters)
    {
        var lengths = new Dictionary<string, int>(parameters.Count, StringComparer.Ordinal);
        foreach ((string path, Parameter p) in parameters)
        {
            string key = path; // state is keyed by member path, like the weights
            lengths[key] = lengths.TryGetValue(key, out int known) && known != p.Length ? -1 : p.Length;
        }

        return lengths;
    }

    private static List<(string Path, Parameter Parameter)> CollectForLoad(ISamParameterSource model)
    {
        List<(string Path, Parameter Parameter)> parameters = Collect(model);
        foreach ((string path, Parameter p) in parameters)
        {
            if (p.IsPerturbed)
            {
                throw new InvalidOperationException($"Parameter '{path}' is perturbed; call Restore() before loading weights.");
            }
        }

        return parameters;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static int[] ShapeOf(Parameter p)
    {
        var shape = new int[p.Shape.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            shape[i] = p.Shape[i];
        }

        return shape;
    }

    private static List<(string Path, Parameter Parameter)> Collect(ISamParameterSource model)
    {
        ArgumentNullException.ThrowIfNull(model);
        List<(string Path, Parameter Parameter)> parameters = Paths(model);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string path, _) in parameters)
        {
            if (!seen.Add(path))
            {
                throw new InvalidOperationException($"Two parameters have the path '{path}'; a weight checkpoint identifies parameters by path. Give them distinct names.");
            }
        }

        foreach ((string path, Parameter p) in parameters)
        {
            CheckpointWriter.ValidateString(path, $"the path '{path[..Math.Min(path.Length, 80)]}…'");
            if (p.Shape.Count > CheckpointFormat.MaxRank)
            {
                throw new InvalidOperationException($"Cannot save parameter '{path}': a checkpoint holds shapes of at most {CheckpointFormat.MaxRank} dimensions.");
            }
        }

        // Sorted by path (ordinal) so the same weights always save to the same bytes, whatever the visiting order.
        parameters.Sort(static (a, b) => string.CompareOrdinal(a.Path, b.Path));
        return parameters;
    }

    /// <summary>Every parameter of <paramref name="source"/> with its formatted member path, in visiting order (weights and optimizer state are both keyed by it).</summary>
    internal static List<(string Path, Parameter Parameter)> Paths(ISamParameterSource source)
    {
        var collector = new Collector();
        source.VisitParameters(ref collector);
        return collector.Parameters;
    }

    private sealed class Collector : ISamParameterVisitor
    {
        public List<(string Path, Parameter Parameter)> Parameters { get; } = [];

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed) =>
            Parameters.Add((FormatPath(memberPath, indices), parameter));
    }
}
