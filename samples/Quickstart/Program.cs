using System;
using System.Diagnostics;
using System.Globalization;
using Quickstart;
using Spectre.Console;

// Trains the same MLP twice from the same seed on a noisy synthetic classification set:
// once with the base optimizer alone (Step), once with SAM (SharpnessAwareStep), and compares them.
int epochs = 30;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--epochs" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int e) && e > 0)
    {
        epochs = e;
        i++;
    }
    else if (args[i] == "--quick")
    {
        epochs = 3;
    }
    else
    {
        Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: Quickstart [--epochs N] [--quick]");
        return 2;
    }
}

const int Dimensions = 20, Hidden = 64, Classes = 5, BatchSize = 32, Seed = 7;
(Dataset train, Dataset test) = Dataset.Create(trainCount: 4000, testCount: 4000, Dimensions, Classes, labelNoise: 0.25, seed: Seed);

var sgd = new Mlp(Dimensions, Hidden, Classes, maxBatch: Math.Max(BatchSize, test.Count), seed: Seed);
var sam = new Mlp(Dimensions, Hidden, Classes, maxBatch: Math.Max(BatchSize, test.Count), seed: Seed);
var sgdRun = new Run("SGD alone", sgd);
var samRun = new Run("SAM ρ=0.05 + SGD", sam);
var batch = new BatchBuffer(BatchSize, Dimensions);
int stepsPerEpoch = train.Count / BatchSize;
var order = new int[train.Count];

AnsiConsole.MarkupLine($"[bold]Sam.Dsl quickstart[/]: {train.Count} training points ({Dimensions}-d, {Classes} classes, 25% label noise), {test.Count} clean test points, MLP {Dimensions}-{Hidden}-{Hidden}-{Classes}, batch {BatchSize}, {epochs} epochs.");

AnsiConsole.Progress()
    .AutoClear(false)
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .Start(ctx =>
    {
        ProgressTask sgdTask = ctx.AddTask(sgdRun.Name, maxValue: epochs * stepsPerEpoch);
        ProgressTask samTask = ctx.AddTask(samRun.Name, maxValue: epochs * stepsPerEpoch);
        var shuffle = new Random(Seed);
        for (int i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        // Both models see the same batches in the same order, interleaved step by step so that neither
        // is timed with colder JIT code than the other. The first epoch is warm-up and is not timed.
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            bool timed = epoch > 0 || epochs == 1;
            shuffle.Shuffle(order);
            for (int s = 0; s < stepsPerEpoch; s++)
            {
                batch.Fill(train, order.AsSpan(s * BatchSize, BatchSize));

                long t0 = Stopwatch.GetTimestamp();
                sgd.ZeroGradients();
                sgd.LossAndGradients(batch.AsBatch());
                sgd.BaseStep(); // the base optimizer alone
                long t1 = Stopwatch.GetTimestamp();

                // The batch is a ref struct of spans: C# 13 lets the generated step take it as callback state.
                sam.SharpnessAwareStep(batch.AsBatch(), static (model, b) => model.LossAndGradients(b));
                long t2 = Stopwatch.GetTimestamp();

                if (timed)
                {
                    sgdRun.Record(t1 - t0);
                    samRun.Record(t2 - t1);
                }

                sgdTask.Increment(1);
                samTask.Increment(1);
            }
        }
    });

var table = new Table().Title("[bold]After training[/]")
    .AddColumn("optimizer").AddColumn("train acc (noisy)", c => c.RightAligned()).AddColumn("test acc", c => c.RightAligned())
    .AddColumn("train loss", c => c.RightAligned()).AddColumn("test loss", c => c.RightAligned()).AddColumn("ms / step", c => c.RightAligned());
foreach (Run run in new[] { sgdRun, samRun })
{
    (double trainAcc, double trainLoss) = Evaluate(run.Model, train);
    (double testAcc, double testLoss) = Evaluate(run.Model, test);
    table.AddRow(
        run.Name,
        trainAcc.ToString("P1", CultureInfo.InvariantCulture),
        testAcc.ToString("P1", CultureInfo.InvariantCulture),
        trainLoss.ToString("F3", CultureInfo.InvariantCulture),
        testLoss.ToString("F3", CultureInfo.InvariantCulture),
        run.MillisecondsPerStep.ToString("F3", CultureInfo.InvariantCulture));
}

AnsiConsole.Write(table);
Sam.SamStepInfo last = sam.Optimizer.LastStep;
AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, $"Last SAM step: ‖g‖ = {last.GradientNorm:F4}, ‖e‖ = {last.PerturbationNorm:F4}, sharpness L(w+e) − L(w) = {last.Sharpness:F5}.");
AnsiConsole.MarkupLine("A SAM step computes two gradients, so it costs about twice an SGD step; the optimizer work itself is a few fused passes.");
return 0;

static (double Accuracy, double Loss) Evaluate(Mlp model, Dataset data)
{
    var predictions = new int[data.Count];
    Batch all = data.Slice(0, data.Count);
    model.Predict(all.Features, data.Count, predictions);
    int correct = 0;
    for (int i = 0; i < data.Count; i++)
    {
        correct += predictions[i] == data.Labels[i] ? 1 : 0;
    }

    model.ZeroGradients(); // the loss pass accumulates gradients we do not use
    double loss = model.LossAndGradients(all);
    model.ZeroGradients();
    return ((double)correct / data.Count, loss);
}

/// <summary>One training run's model and timing.</summary>
internal sealed class Run(string name, Mlp model)
{
    private long _ticks;
    private int _steps;

    public string Name { get; } = name;

    public Mlp Model { get; } = model;

    public double MillisecondsPerStep => _steps == 0 ? 0 : 1000.0 * _ticks / Stopwatch.Frequency / _steps;

    public void Record(long ticks)
    {
        _ticks += ticks;
        _steps++;
    }
}
