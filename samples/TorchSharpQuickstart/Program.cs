using System;
using System.Diagnostics;
using System.Globalization;
using Sam;
using Spectre.Console;
using TorchSharp;
using TorchSharpQuickstart;
using static TorchSharp.torch;

// Trains one small CNN with BatchNorm twice from the same seed on a synthetic image task: with SGD alone and with
// SAM over the same SGD (TorchSamOptimizer from Sam.Dsl.TorchSharp), then compares test accuracy and time.
int epochs = 8, threads = 1;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--epochs" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int e) && e > 0)
    {
        epochs = e;
        i++;
    }
    else if (args[i] == "--threads" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int t) && t > 0)
    {
        threads = t;
        i++;
    }
    else if (args[i] == "--quick")
    {
        epochs = 1;
    }
    else
    {
        Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: TorchSharpQuickstart [--epochs N] [--threads N] [--quick]");
        return 2;
    }
}

// One intra-op thread: these tensors are tiny, and libtorch's OpenMP threads only spin against each other (and
// against anything else running) on a small machine. Pass --threads N to try more.
torch.set_num_threads(threads);

const int Seed = 7, BatchSize = 32, TrainCount = 2048, TestCount = 2000;
const double LabelNoise = 0.3, LearningRate = 0.05, Momentum = 0.9, WeightDecay = 5e-4, Rho = 0.1;
(Tensor trainX, Tensor trainY) = Bars.Create(TrainCount, LabelNoise, Seed);
(Tensor testX, Tensor testY) = Bars.Create(TestCount, labelNoise: 0, Seed + 1);

using nn.Module<Tensor, Tensor> sgdModel = SmallCnn.Create(Seed);
using nn.Module<Tensor, Tensor> samModel = SmallCnn.Create(Seed);
using optim.Optimizer sgd = optim.SGD(sgdModel.parameters(), LearningRate, momentum: Momentum, weight_decay: WeightDecay);
using var sam = new TorchSamOptimizer(samModel, new SamSettings { Rho = Rho }, new Sgd(LearningRate, Momentum, weightDecay: WeightDecay));

int stepsPerEpoch = TrainCount / BatchSize;
long sgdTicks = 0, samTicks = 0;
AnsiConsole.MarkupLine($"[bold]Sam.Dsl + TorchSharp quickstart[/]: {TrainCount} training images (12×12, {Bars.Classes} bar orientations, {LabelNoise:P0} label noise), {TestCount} clean test images, CNN with BatchNorm, batch {BatchSize}, {epochs} epochs, {torch.get_num_threads()} threads.");

AnsiConsole.Progress()
    .AutoClear(false)
    .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
    .Start(ctx =>
    {
        ProgressTask sgdTask = ctx.AddTask("SGD alone", maxValue: epochs * stepsPerEpoch);
        ProgressTask samTask = ctx.AddTask($"SAM ρ={Rho} + SGD", maxValue: epochs * stepsPerEpoch);
        var generator = torch.manual_seed(Seed);
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            using Tensor order = randperm(TrainCount, generator: generator);
            for (int s = 0; s < stepsPerEpoch; s++)
            {
                using DisposeScope scope = NewDisposeScope();
                Tensor index = order.narrow(0, s * BatchSize, BatchSize);
                Tensor x = trainX.index_select(0, index), y = trainY.index_select(0, index);

                long t0 = Stopwatch.GetTimestamp();
                sgd.zero_grad();
                LossAndGradients(sgdModel, x, y);
                sgd.step();
                long t1 = Stopwatch.GetTimestamp();

                // Forward + backward twice (at w and at w + e), the optimizer work on the tensors' own memory.
                sam.SharpnessAwareStep(() => LossAndGradients(samModel, x, y));
                long t2 = Stopwatch.GetTimestamp();
                sgdTicks += t1 - t0;
                samTicks += t2 - t1;
                sgdTask.Increment(1);
                samTask.Increment(1);
            }
        }
    });

var table = new Table().Title("[bold]After training[/]")
    .AddColumn("optimizer").AddColumn("train acc (noisy labels)", c => c.RightAligned()).AddColumn("test acc", c => c.RightAligned())
    .AddColumn("ms / step", c => c.RightAligned()).AddColumn("time", c => c.RightAligned());
int steps = epochs * stepsPerEpoch;
foreach ((string name, nn.Module<Tensor, Tensor> model, long ticks) in new[] { ("SGD alone", sgdModel, sgdTicks), ($"SAM ρ={Rho} + SGD", samModel, samTicks) })
{
    TimeSpan time = Stopwatch.GetElapsedTime(0, ticks);
    table.AddRow(
        name,
        Accuracy(model, trainX, trainY).ToString("P1", CultureInfo.InvariantCulture),
        Accuracy(model, testX, testY).ToString("P1", CultureInfo.InvariantCulture),
        (time.TotalMilliseconds / steps).ToString("F2", CultureInfo.InvariantCulture),
        time.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture) + " s");
}

AnsiConsole.Write(table);
SamStepInfo last = sam.LastStep;
AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, $"Last SAM step: ‖g‖ = {last.GradientNorm:F4}, ‖e‖ = {last.PerturbationNorm:F4}, sharpness L(w+e) − L(w) = {last.Sharpness:F5}.");
AnsiConsole.MarkupLine("A SAM step computes two gradients, so it costs about twice an SGD step; running statistics are updated once per step.");
return 0;

static float LossAndGradients(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
{
    using DisposeScope scope = NewDisposeScope();
    Tensor loss = nn.functional.cross_entropy(model.call(x), y);
    loss.backward();
    return loss.item<float>();
}

static double Accuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y)
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
