using System;
using System.Globalization;
using System.Linq;
using Quickstart;
using Sam;

// The quickstart's MLP trained data-parallel with SAM on every rank of an MPI job:
//   mpiexec -n 2 dotnet run --project samples/DistributedQuickstart -c Release -- [--mode sync|perworker] [--epochs N]
// Every rank builds the same model from the same seed and walks the same shuffled order of union batches; rank r
// trains on the r-th slice of each union batch. The gradient reducer makes the steps data-parallel; nothing else in
// the training loop knows about MPI.
using MpiCommunicator comm = MpiCommunicator.Initialize();
var mode = DataParallelMode.SynchronizedPerturbation;
int epochs = 10;
for (int i = 0; i < args.Length; i++)
{
    if (args[i] == "--mode" && i + 1 < args.Length && args[i + 1] is "sync" or "perworker")
    {
        mode = args[++i] == "sync" ? DataParallelMode.SynchronizedPerturbation : DataParallelMode.PerWorkerPerturbation;
    }
    else if (args[i] == "--epochs" && i + 1 < args.Length && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int e) && e > 0)
    {
        epochs = e;
        i++;
    }
    else if (args[i] == "--quick")
    {
        epochs = 2;
    }
    else
    {
        if (comm.IsRoot)
        {
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: DistributedQuickstart [--mode sync|perworker] [--epochs N] [--quick]");
        }

        return 2;
    }
}

const int Dimensions = 20, Hidden = 64, Classes = 5, UnionBatch = 64, Seed = 7;
if (UnionBatch % comm.Size != 0)
{
    if (comm.IsRoot)
    {
        Console.Error.WriteLine($"The union batch ({UnionBatch}) must split evenly over the ranks; {comm.Size} ranks do not divide it. Use 1, 2, 4 or 8 ranks.");
    }

    return 2;
}

int shard = UnionBatch / comm.Size;
(Dataset train, Dataset test) = Dataset.Create(trainCount: 4000, testCount: 4000, Dimensions, Classes, labelNoise: 0.25, seed: Seed);
var model = new Mlp(Dimensions, Hidden, Classes, maxBatch: Math.Max(shard, test.Count), seed: Seed);
MpiGradientReducer reducer = MpiGradientReducer.Attach(model.Optimizer, comm, mode);
var batch = new BatchBuffer(shard, Dimensions); // this rank's slice of the union batch
var order = Enumerable.Range(0, train.Count).ToArray();
var shuffle = new Random(Seed); // the same on every rank, so the ranks' slices tile each union batch
int stepsPerEpoch = train.Count / UnionBatch;
double lastEpochLoss = 0, seconds = 0;
if (comm.IsRoot)
{
    Console.WriteLine($"Sam.Dsl distributed quickstart: {comm.Size} rank(s), {mode}, union batch {UnionBatch} ({shard} per rank), {epochs} epochs of {stepsPerEpoch} steps.");
}

for (int epoch = 0; epoch < epochs; epoch++)
{
    shuffle.Shuffle(order);
    double loss = 0;
    double start = MpiCommunicator.WallTime();
    for (int s = 0; s < stepsPerEpoch; s++)
    {
        batch.Fill(train, order.AsSpan((s * UnionBatch) + (comm.Rank * shard), shard));
        loss += reducer.RunStep(model.Optimizer, (Model: model, Batch: batch), static s => s.Model.SharpnessAwareStep(s.Batch.AsBatch(), static (m, b) => m.LossAndGradients(b)));
    }

    if (epoch > 0 || epochs == 1)
    {
        seconds += MpiCommunicator.WallTime() - start; // the first epoch is warm-up (JIT)
    }

    lastEpochLoss = loss / stepsPerEpoch;
}

// Per rank: its own shard's loss and time; combined: test accuracy over the whole test set, split across ranks.
int timedSteps = (epochs > 1 ? epochs - 1 : 1) * stepsPerEpoch;
double msPerStep = 1000 * seconds / timedSteps;
int slice = test.Count / comm.Size;
(int correct, double testLoss) = Evaluate(model, test, comm.Rank * slice, slice);
double[] losses = comm.Gather(lastEpochLoss), times = comm.Gather(msPerStep), rights = comm.Gather(correct), testLosses = comm.Gather(testLoss);
double[] checksums = comm.Gather(Checksum(model));
if (comm.IsRoot)
{
    Console.WriteLine();
    Console.WriteLine("rank  shard loss (last epoch)  ms/step  test acc (its slice)");
    for (int r = 0; r < comm.Size; r++)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{r,4}  {losses[r],22:F4}  {times[r],7:F3}  {rights[r] / slice,20:P1}"));
    }

    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"combined: train loss {losses.Average():F4}, test accuracy {rights.Sum() / (slice * comm.Size):P1}, test loss {testLosses.Average():F4}"));
    Console.WriteLine($"weights identical on every rank: {(checksums.All(c => c == checksums[0]) ? "yes" : "NO")}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"communication: {reducer.PayloadBytes / model.Optimizer.StepCount} bytes of gradient payload per step per rank ({reducer.Reductions / model.Optimizer.StepCount} reduction(s) per step)."));
}

return 0;

static (int Correct, double Loss) Evaluate(Mlp model, Dataset data, int first, int count)
{
    var predictions = new int[count];
    Batch part = data.Slice(first, count);
    model.Predict(part.Features, count, predictions);
    int correct = 0;
    for (int i = 0; i < count; i++)
    {
        correct += predictions[i] == data.Labels[first + i] ? 1 : 0;
    }

    model.ZeroGradients(); // the loss pass accumulates gradients we do not use
    double loss = model.LossAndGradients(part);
    model.ZeroGradients();
    return (correct, loss);
}

// FNV-1a over the bits of every weight, 52 bits so it survives a gather of doubles.
static double Checksum(Mlp model)
{
    ulong h = 14695981039346656037;
    foreach (Dense layer in new[] { model.Hidden1, model.Hidden2, model.Head })
    {
        foreach (Parameter p in new[] { layer.W, layer.B })
        {
            foreach (float v in p.TrainedValue)
            {
                h = (h ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
            }
        }
    }

    return h >> 12;
}
