using System;
using System.Diagnostics;
using System.Linq;
using Sam;
using TorchSharp;
using TorchSharpQuickstart;
using static TorchSharp.torch;

namespace Efficiency;

/// <summary>
/// The TorchSharp quickstart (samples/TorchSharpQuickstart): the same bar images, CNN with BatchNorm and SGD. SGD is
/// torch.optim.SGD; every SAM method is a <see cref="TorchSamOptimizer"/>. The methods take their steps in turn on
/// the same batch, each timed on its own.
/// </summary>
internal static class TorchTask
{
    public const double Rho = 0.1;
    private const int BatchSize = 32, TrainCount = 2048, TestCount = 2000;
    private const double LearningRate = 0.05, Momentum = 0.9, WeightDecay = 5e-4;

    public static int StepsPerEpoch => TrainCount / BatchSize;

    public static RunResult[] Run(Method[] methods, int seed, int epochs)
    {
        (Tensor trainX, Tensor trainY) = Bars.Create(TrainCount, 0.3, seed);
        (Tensor testX, Tensor testY) = Bars.Create(TestCount, labelNoise: 0, seed + 1000);
        var models = methods.Select(_ => SmallCnn.Create(seed)).ToArray();
        using optim.Optimizer sgd = optim.SGD(models[0].parameters(), LearningRate, momentum: Momentum, weight_decay: WeightDecay);
        var sams = methods.Select((m, i) => m.Settings is null ? null : new TorchSamOptimizer(models[i], m.Settings, new Sgd(LearningRate, Momentum, weightDecay: WeightDecay))).ToArray();
        if (methods[0].Settings is not null)
        {
            throw new InvalidOperationException("The first method must be SGD.");
        }

        var ticks = new long[methods.Length];
        var generator = torch.manual_seed(seed);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using Tensor order = randperm(TrainCount, generator: generator);
            for (int s = 0; s < StepsPerEpoch; s++)
            {
                using DisposeScope scope = NewDisposeScope();
                Tensor index = order.narrow(0, s * BatchSize, BatchSize);
                Tensor x = trainX.index_select(0, index), y = trainY.index_select(0, index);
                for (int m = 0; m < methods.Length; m++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    if (sams[m] is { } sam)
                    {
                        nn.Module<Tensor, Tensor> model = models[m];
                        sam.SharpnessAwareStep(() => LossAndGradients(model, x, y));
                    }
                    else
                    {
                        sgd.zero_grad();
                        LossAndGradients(models[m], x, y);
                        sgd.step();
                    }

                    if (epoch > 0 || epochs == 1)
                    {
                        ticks[m] += Stopwatch.GetTimestamp() - t0;
                    }
                }
            }
        }

        RunResult[] results = methods.Select((m, i) => new RunResult(
            m.Name,
            seed,
            Accuracy(models[i], testX, testY),
            Stopwatch.GetElapsedTime(0, ticks[i]).TotalSeconds / Math.Max(1, epochs - 1),
            sams[i] is { } o ? 1 + ((double)o.SamStepCount / o.StepCount) : 1)).ToArray();
        foreach (TorchSamOptimizer? o in sams)
        {
            o?.Dispose();
        }

        foreach (nn.Module<Tensor, Tensor> model in models)
        {
            model.Dispose();
        }

        trainX.Dispose();
        trainY.Dispose();
        testX.Dispose();
        testY.Dispose();
        return results;
    }

    private static float LossAndGradients(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor loss = nn.functional.cross_entropy(model.call(x), y);
        loss.backward();
        return loss.item<float>();
    }

    private static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        model.eval();
        using (torch.no_grad())
        using (DisposeScope scope = NewDisposeScope())
        {
            double correct = model.call(x).argmax(1).eq(y).sum().item<long>();
            model.train();
            return correct / y.shape[0];
        }
    }
}
