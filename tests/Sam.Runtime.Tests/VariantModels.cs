using System;
using System.Linq;

namespace Sam.Runtime.Tests;

/// <summary>Random multi-dimensional models for the variant tests (GCSAM needs rows).</summary>
public sealed class VariantModel
{
    public VariantModel(int seed, int tensors = 0)
    {
        var r = new Random(seed);
        int count = tensors > 0 ? tensors : 1 + r.Next(5);
        Shapes = new int[count][];
        for (int k = 0; k < count; k++)
        {
            Shapes[k] = r.Next(5) switch
            {
                0 => [1 + r.Next(7)],
                1 => [1 + r.Next(40), 1 + r.Next(60)],
                2 => [1 + r.Next(6), 1 + r.Next(5), 1 + r.Next(9)],
                3 => [2 + r.Next(3), 8 * 1024 + r.Next(40)], // rows longer than a reduction block's half, total above one block
                _ => [1 + r.Next(3000)],
            };
        }

        Lengths = Shapes.Select(s => s.Aggregate(1, (a, b) => a * b)).ToArray();
        Rows = Shapes.Select(s => s.Length >= 2 ? s[0] : 0).ToArray();
        Perturbed = Lengths.Select((_, i) => count == 1 || i % 3 != 2).ToArray();
        Loss = new TestLoss(Lengths, seed);
        Seed = seed;
    }

    public int Seed { get; }

    public int[][] Shapes { get; }

    public int[] Lengths { get; }

    public int[] Rows { get; }

    public bool[] Perturbed { get; }

    public TestLoss Loss { get; }

    public Parameter[] CreateParameters()
    {
        var r = new Random(Seed + 1000);
        return Shapes.Select((s, k) => Parameter.Uniform("p" + k, r, -1, 1, s)).ToArray();
    }

    public SamOptimizer CreateOptimizer(Parameter[] ps, SamSettings settings, BaseOptimizer optimizer) =>
        new(ps, settings, optimizer, p => Perturbed[Array.IndexOf(ps, p)]);
}
