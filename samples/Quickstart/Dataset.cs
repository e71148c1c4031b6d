using System;

namespace Quickstart;

/// <summary>A batch: row-major features and integer labels, as views into the data set.</summary>
public readonly ref struct Batch
{
    public Batch(ReadOnlySpan<float> features, ReadOnlySpan<int> labels)
    {
        Features = features;
        Labels = labels;
    }

    public ReadOnlySpan<float> Features { get; }

    public ReadOnlySpan<int> Labels { get; }

    public int Count => Labels.Length;
}

/// <summary>
/// A deterministic synthetic classification set: each class is a mixture of a few Gaussian clusters in
/// <c>dimensions</c>-space, pushed through a fixed nonlinearity, and a fraction of the training labels is
/// replaced by a random class (label noise: the regime where SAM's flatter minima generalise better).
/// </summary>
public sealed class Dataset
{
    private Dataset(float[] features, int[] labels, int dimensions)
    {
        Features = features;
        Labels = labels;
        Dimensions = dimensions;
    }

    public float[] Features { get; }

    public int[] Labels { get; }

    public int Dimensions { get; }

    public int Count => Labels.Length;

    public Batch Slice(int start, int count) =>
        new(Features.AsSpan(start * Dimensions, count * Dimensions), Labels.AsSpan(start, count));

    /// <summary>Makes the train and test sets from one seed; only the training labels get noise.</summary>
    public static (Dataset Train, Dataset Test) Create(int trainCount, int testCount, int dimensions, int classes, double labelNoise, int seed)
    {
        var random = new Random(seed);
        const int clustersPerClass = 3;
        var centers = new float[classes * clustersPerClass * dimensions];
        for (int i = 0; i < centers.Length; i++)
        {
            centers[i] = (float)(Gaussian(random) * 1.6);
        }

        Dataset Make(int count, double noise)
        {
            var x = new float[count * dimensions];
            var y = new int[count];
            for (int n = 0; n < count; n++)
            {
                int label = random.Next(classes);
                int cluster = (label * clustersPerClass) + random.Next(clustersPerClass);
                for (int d = 0; d < dimensions; d++)
                {
                    double v = centers[(cluster * dimensions) + d] + Gaussian(random);
                    x[(n * dimensions) + d] = (float)(v + (0.3 * Math.Sin(2 * v)));
                }

                y[n] = random.NextDouble() < noise ? random.Next(classes) : label;
            }

            return new Dataset(x, y, dimensions);
        }

        Dataset train = Make(trainCount, labelNoise);
        Dataset test = Make(testCount, 0);
        return (train, test);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble());
}
