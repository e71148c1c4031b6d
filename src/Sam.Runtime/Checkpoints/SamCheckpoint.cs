using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace Sam;

/// <summary>
/// Saves and loads a model's trained weights by member path. Together with <see cref="SamOptimizer.SaveState"/> and
/// <see cref="SamOptimizer.LoadState"/> this resumes training bit-identically; both records can share one stream
/// (each reader stops at the end of its own record).
/// </summary>
public static class SamCheckpoint
{
    private const string WeightsMagic = "SAMW";
    private const int WeightsVersion = 1;

    /// <summary>Writes the trained weights (never the perturbed ones) of every parameter of <paramref name="model"/>, by member path.</summary>
    /// <param name="stream">A writable stream; left open, positioned after the record.</param>
    /// <param name="model">A generated model or a <see cref="SamOptimizer"/>.</param>
    /// <exception cref="InvalidOperationException">Two parameters have the same path (possible only for a <see cref="SamOptimizer"/> with duplicate names).</exception>
    public static void SaveWeights(Stream stream, ISamParameterSource model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        List<(string Path, Parameter Parameter)> parameters = Collect(model);
        using BinaryWriter w = CheckpointFormat.Writer(stream);
        CheckpointFormat.WriteHeader(w, WeightsMagic, WeightsVersion);
        w.Write(parameters.Count);
        foreach ((string path, Parameter p) in parameters)
        {
            w.Write(path);
            w.Write(p.Shape.Count);
            foreach (int d in p.Shape)
            {
                w.Write(d);
            }

            CheckpointFormat.WriteFloats(w, p.TrainedValue);
        }

        w.Flush();
    }

    /// <summary>
    /// Loads weights written by <see cref="SaveWeights"/> into <paramref name="model"/>. Every parameter of the
    /// model must be in the checkpoint with the same shape and vice versa; all of it is checked before any weight
    /// is written, so a failed load leaves the model unchanged.
    /// </summary>
    /// <param name="stream">A readable stream positioned at the record; left open, positioned after it.</param>
    /// <param name="model">A generated model or a <see cref="SamOptimizer"/>.</param>
    /// <exception cref="InvalidDataException">Not a weight checkpoint (wrong magic), unsupported version, truncated or corrupt.</exception>
    /// <exception cref="InvalidOperationException">
    /// A parameter is missing from the checkpoint, has another shape, or the checkpoint holds a path the model
    /// lacks (each named); or the weights are perturbed.
    /// </exception>
    public static void LoadWeights(Stream stream, ISamParameterSource model)
    {
        ArgumentNullException.ThrowIfNull(stream);
        List<(string Path, Parameter Parameter)> parameters = Collect(model);
        foreach ((string path, Parameter p) in parameters)
        {
            if (p.IsPerturbed)
            {
                throw new InvalidOperationException($"Parameter '{path}' is perturbed; call Restore() before loading weights.");
            }
        }

        using BinaryReader r = CheckpointFormat.Reader(stream);
        Dictionary<string, (int[] Shape, float[] Values)> saved = CheckpointFormat.Guard(() => ReadWeights(r), "weight");
        foreach ((string path, Parameter p) in parameters)
        {
            if (!saved.TryGetValue(path, out var entry))
            {
                throw new InvalidOperationException($"The checkpoint has no weights for parameter '{path}'.");
            }

            if (!entry.Shape.AsSpan().SequenceEqual(ShapeOf(p)))
            {
                throw new InvalidOperationException(
                    $"Parameter '{path}' has shape [{string.Join(", ", p.Shape)}] but the checkpoint holds [{string.Join(", ", entry.Shape)}].");
            }
        }

        if (saved.Count != parameters.Count)
        {
            var known = new HashSet<string>(StringComparer.Ordinal);
            foreach ((string path, _) in parameters)
            {
                known.Add(path);
            }

            foreach (string path in saved.Keys)
            {
                if (!known.Contains(path))
                {
                    throw new InvalidOperationException($"The checkpoint holds weights for '{path}', which the model does not have.");
                }
            }
        }

        foreach ((string path, Parameter p) in parameters)
        {
            p.LoadValues(saved[path].Values);
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

    private static Dictionary<string, (int[] Shape, float[] Values)> ReadWeights(BinaryReader r)
    {
        CheckpointFormat.ReadHeader(r, WeightsMagic, WeightsVersion, "weight");
        int count = CheckpointFormat.ReadCount(r, "the number of parameters", 1);
        var result = new Dictionary<string, (int[], float[])>(count, StringComparer.Ordinal);
        for (int i = 0; i < count; i++)
        {
            string path = r.ReadString();
            int rank = CheckpointFormat.ReadCount(r, $"the rank of '{path}'", sizeof(int));
            var shape = new int[rank];
            long length = 1;
            for (int d = 0; d < rank; d++)
            {
                shape[d] = r.ReadInt32();
                length *= shape[d];
                if (shape[d] <= 0 || length > Array.MaxLength)
                {
                    throw new InvalidDataException($"Corrupt weight checkpoint: the shape of '{path}' is invalid.");
                }
            }

            Stream s = r.BaseStream;
            if (s.CanSeek && length * sizeof(float) > s.Length - s.Position)
            {
                throw new InvalidDataException($"Truncated weight checkpoint: the weights of '{path}' are cut short.");
            }

            if (!result.TryAdd(path, (shape, CheckpointFormat.ReadFloats(r, (int)length))))
            {
                throw new InvalidDataException($"Corrupt weight checkpoint: '{path}' appears twice.");
            }
        }

        return result;
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
        var collector = new Collector();
        model.VisitParameters(ref collector);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string path, _) in collector.Parameters)
        {
            if (!seen.Add(path))
            {
                throw new InvalidOperationException($"Two parameters have the path '{path}'; a weight checkpoint identifies parameters by path. Give them distinct names.");
            }
        }

        return collector.Parameters;
    }

    private sealed class Collector : ISamParameterVisitor
    {
        public List<(string Path, Parameter Parameter)> Parameters { get; } = [];

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed) =>
            Parameters.Add((FormatPath(memberPath, indices), parameter));
    }
}
