using System;

namespace Quickstart;

/// <summary>A reusable buffer the shuffled batch is gathered into: no allocation per step.</summary>
public sealed class BatchBuffer(int size, int dimensions)
{
    private readonly float[] _features = new float[size * dimensions];
    private readonly int[] _labels = new int[size];

    public void Fill(Dataset data, ReadOnlySpan<int> rows)
    {
        for (int i = 0; i < rows.Length; i++)
        {
            data.Features.AsSpan(rows[i] * dimensions, dimensions).CopyTo(_features.AsSpan(i * dimensions));
            _labels[i] = data.Labels[rows[i]];
        }
    }

    public Batch AsBatch() => new(_features, _labels);
}
