using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

namespace Sam.TorchTests;

/// <summary>Snapshots and comparisons of a model's parameters and buffers.</summary>
internal static class Tensors
{
    /// <summary>Every parameter and buffer, by name, copied out as floats (int64 counters converted).</summary>
    public static Dictionary<string, float[]> State(nn.Module model)
    {
        var state = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using DisposeScope scope = NewDisposeScope(); // the copies made here
        foreach ((string name, Tensor t) in model.state_dict())
        {
            Tensor f = t.detach().to(ScalarType.Float32).contiguous();
            state[name] = f.data<float>().ToArray();
        }

        return state;
    }

    /// <summary>The largest ‖a − b‖ / ‖b‖ over the tensors named in both (0 when all are equal).</summary>
    public static double MaxRelativeDifference(Dictionary<string, float[]> a, Dictionary<string, float[]> b, Func<string, bool>? include = null) =>
        MaxRelativeDifference(a, b, out _, include);

    /// <summary>The largest ‖a − b‖ / ‖b‖, and the tensor where it occurs.</summary>
    public static double MaxRelativeDifference(Dictionary<string, float[]> a, Dictionary<string, float[]> b, out string worstName, Func<string, bool>? include = null)
    {
        double worst = 0;
        worstName = "";
        foreach ((string name, float[] expected) in b)
        {
            if (include is not null && !include(name))
            {
                continue;
            }

            float[] actual = a[name];
            double diff = 0, norm = 0;
            for (int i = 0; i < expected.Length; i++)
            {
                double d = (double)actual[i] - expected[i];
                diff += d * d;
                norm += (double)expected[i] * expected[i];
            }

            double relative = norm == 0 ? Math.Sqrt(diff) : Math.Sqrt(diff / norm);
            if (relative > worst)
            {
                worst = relative;
                worstName = name;
            }
        }

        return worst;
    }

    /// <summary>Whether every tensor is bit-identical.</summary>
    public static bool BitIdentical(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
        a.Count == b.Count && b.All(kv => a.TryGetValue(kv.Key, out float[]? x) && x.AsSpan().SequenceEqual(kv.Value));
}
