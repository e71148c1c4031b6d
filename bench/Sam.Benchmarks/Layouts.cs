using System;
using System.Collections.Generic;

namespace Sam.Benchmarks;

/// <summary>The parameter layouts of ../shared/bench/torch_sam_step.py, shape for shape.</summary>
public static class Layouts
{
    public static readonly IReadOnlyList<string> Names = ["resnet18", "mlp1m", "flat100m", "many-small"];

    public static int[][] Shapes(string name) => name switch
    {
        "resnet18" => ResNet18Cifar(10),
        "mlp1m" => [[1024, 784], [1024], [192, 1024], [192]],
        "flat100m" => [[100_000_000]],
        "many-small" => Repeat([1000], 1000),
        _ => throw new ArgumentException($"Unknown layout '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
    };

    public static long Count(int[][] shapes)
    {
        long n = 0;
        foreach (int[] s in shapes)
        {
            long k = 1;
            foreach (int d in s)
            {
                k *= d;
            }

            n += k;
        }

        return n;
    }

    /// <summary>torchvision resnet18 adapted to CIFAR (3×3 stem, no max-pool), in parameters() order: 62 tensors, 11,173,962 floats.</summary>
    private static int[][] ResNet18Cifar(int classes)
    {
        var shapes = new List<int[]> { new[] { 64, 3, 3, 3 }, new[] { 64 }, new[] { 64 } };
        int inC = 64;
        foreach ((int outC, int stride) in new[] { (64, 1), (128, 2), (256, 2), (512, 2) })
        {
            for (int block = 0; block < 2; block++)
            {
                int s = block == 0 ? stride : 1;
                shapes.AddRange([[outC, inC, 3, 3], [outC], [outC], [outC, outC, 3, 3], [outC], [outC]]);
                if (s != 1 || inC != outC)
                {
                    shapes.AddRange([[outC, inC, 1, 1], [outC], [outC]]);
                }

                inC = outC;
            }
        }

        shapes.Add([classes, 512]);
        shapes.Add([classes]);
        return [.. shapes];
    }

    private static int[][] Repeat(int[] shape, int count)
    {
        var all = new int[count][];
        for (int i = 0; i < count; i++)
        {
            all[i] = shape;
        }

        return all;
    }
}
