using System;
using System.Diagnostics;
using System.Linq;
using Quickstart;
using Sam;

namespace Efficiency;

/// <summary>
/// The span quickstart (samples/Quickstart): the same data, MLP and SGD; every method trains its own copy from the
/// same seed on the same batches, step by step in turn, so machine load falls on all of them alike. The SAM methods
/// run on the non-generated <see cref="SamOptimizer"/> over the generated model's parameter walk, so one model type
/// serves every setting.
/// </summary>
internal static class SpanTask
{
    public const double Rho = 0.05;
    private const int Dimensions = 20, Hidden = 64, Classes = 5, BatchSize = 32;

    public static RunResult[] Run(Method[] methods, int seed, int epochs)
    {
        (Dataset train, Dataset test) = Dataset.Create(trainCount: 4000, testCount: 4000, Dimensions, Classes, labelNoise: 0.25, seed: seed);
        int stepsPerEpoch = train.Count / BatchSize;
        var models = methods.Select(_ => new Mlp(Dimensions, Hidden, Classes, maxBatch: Math.Max(BatchSize, test.Count), seed: seed)).ToArray();
        var optimizers = methods.Select((m, i) => new SamOptimizer(models[i], m.Settings ?? new SamSettings { Rho = 0 }, new Sgd(0.05, 0.9, weightDecay: 5e-4))).ToArray();
        var ticks = new long[methods.Length];
        var batchFeatures = new float[BatchSize * Dimensions];
        var batchLabels = new int[BatchSize];
        var order = Enumerable.Range(0, train.Count).ToArray();
        var shuffle = new Random(seed);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            shuffle.Shuffle(order);
            for (int s = 0; s < stepsPerEpoch; s++)
            {
                for (int i = 0; i < BatchSize; i++)
                {
                    int row = order[(s * BatchSize) + i];
                    train.Features.AsSpan(row * Dimensions, Dimensions).CopyTo(batchFeatures.AsSpan(i * Dimensions));
                    batchLabels[i] = train.Labels[row];
                }

                var batch = new Batch(batchFeatures, batchLabels);
                for (int m = 0; m < methods.Length; m++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    if (methods[m].Settings is null)
                    {
                        optimizers[m].ZeroGradients();
                        models[m].LossAndGradients(batch);
                        optimizers[m].BaseStep();
                    }
                    else
                    {
                        optimizers[m].SharpnessAwareStep(models[m], batch, static (model, b) => model.LossAndGradients(b));
                    }

                    if (epoch > 0 || epochs == 1)
                    {
                        ticks[m] += Stopwatch.GetTimestamp() - t0;
                    }
                }
            }
        }

        return methods.Select((m, i) => new RunResult(
            m.Name,
            seed,
            Accuracy(models[i], test),
            Stopwatch.GetElapsedTime(0, ticks[i]).TotalSeconds / Math.Max(1, epochs - 1),
            1 + ((double)optimizers[i].SamStepCount / optimizers[i].StepCount))).ToArray();
    }

    private static double Accuracy(Mlp model, Dataset data)
    {
        var predictions = new int[data.Count];
        model.Predict(data.Slice(0, data.Count).Features, data.Count, predictions);
        int correct = 0;
        for (int i = 0; i < data.Count; i++)
        {
            correct += predictions[i] == data.Labels[i] ? 1 : 0;
        }

        return (double)correct / data.Count;
    }
}
