using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchSharpQuickstart;

/// <summary>
/// A synthetic image task made in code from a seed: 12×12 images holding one short bar, horizontal, vertical,
/// diagonal or anti-diagonal (the class), at a random place and brightness, on Gaussian noise. Training labels
/// are flipped to a random class with the given probability; test labels are clean.
/// </summary>
internal static class Bars
{
    public const int Size = 12, Classes = 4;

    public static (Tensor Images, Tensor Labels) Create(int count, double labelNoise, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[count * Size * Size];
        var labels = new long[count];
        for (int n = 0; n < count; n++)
        {
            int label = random.Next(Classes);
            Span<float> image = pixels.AsSpan(n * Size * Size, Size * Size);
            for (int i = 0; i < image.Length; i++)
            {
                image[i] = (float)(Gaussian(random) * 0.6);
            }

            (int dx, int dy) = label switch { 0 => (1, 0), 1 => (0, 1), 2 => (1, 1), _ => (1, -1) };
            int length = 4 + random.Next(3);
            int x = random.Next(2, Size - 2 - length), y = dy < 0 ? random.Next(length + 1, Size - 2) : random.Next(2, Size - 2 - length);
            float brightness = 0.8f + (float)random.NextDouble();
            for (int k = 0; k < length; k++)
            {
                image[((y + (k * dy)) * Size) + x + (k * dx)] += brightness;
            }

            labels[n] = random.NextDouble() < labelNoise ? random.Next(Classes) : label;
        }

        return (tensor(pixels).reshape(count, 1, Size, Size).DetachFromDisposeScope(), tensor(labels).DetachFromDisposeScope());
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
