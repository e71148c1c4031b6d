using System;
using System.Linq;
using Sam;
using TorchSharp;
using static TorchSharp.torch;

// For each mode: a Linear(6 → 3) module trained 5 steps data-parallel (rank r takes the r-th slice of a union batch
// of 12), and the single-process reference on the same process (SAM over the union batch, or m-sharpness with
// m = ranks). Writes, per rank (to out=DIR/rank-R.txt when given): torch mode=M rank=R maxdiff=D identical=True|False.
using MpiCommunicator comm = MpiCommunicator.Initialize();
string? output = args.FirstOrDefault(a => a.StartsWith("out=", StringComparison.Ordinal))?[4..];
using System.IO.TextWriter log = output is null ? Console.Out : new System.IO.StreamWriter(System.IO.Path.Combine(output, $"rank-{comm.Rank}.txt")) { AutoFlush = true };
const int Steps = 5, Union = 12;
torch.manual_seed(3);
Tensor x = torch.randn(Union * Steps, 6);
Tensor y = torch.randint(0, 3, [Union * Steps]);
int shard = Union / comm.Size;

foreach ((DataParallelMode mode, string label) in new[] { (DataParallelMode.SynchronizedPerturbation, "sync"), (DataParallelMode.PerWorkerPerturbation, "perworker") })
{
    (nn.Module<Tensor, Tensor> model, TorchSamOptimizer sam) = Build();
    MpiGradientReducer reducer = MpiGradientReducer.Attach(sam.Core, comm, mode);
    for (int step = 0; step < Steps; step++)
    {
        long first = (step * Union) + (comm.Rank * shard);
        reducer.RunStep(sam.Core, (Sam: sam, Model: model, First: first, Count: shard), s => s.Sam.SharpnessAwareStep(() => Loss(s.Model, s.First, s.Count)));
    }

    (nn.Module<Tensor, Tensor> reference, TorchSamOptimizer single) = Build();
    for (int step = 0; step < Steps; step++)
    {
        long first = step * Union;
        if (mode == DataParallelMode.SynchronizedPerturbation)
        {
            single.SharpnessAwareStep(() => Loss(reference, first, Union));
        }
        else
        {
            single.MSharpnessStep(comm.Size, reference, first, (m, f, part) => Loss(m, f + (part * shard), shard));
        }
    }

    float[] mine = Weights(model), expected = Weights(reference);
    double maxDiff = mine.Zip(expected).Max(p => Math.Abs(p.First - p.Second));
    double[] sums = comm.Gather(Checksum(mine));
    log.WriteLine($"torch mode={label} rank={comm.Rank} maxdiff={maxDiff:R} identical={sums.All(s => s == sums[0])}");
    sam.Dispose();
    single.Dispose();
}

return 0;

float Loss(nn.Module<Tensor, Tensor> model, long first, int count)
{
    using DisposeScope scope = NewDisposeScope();
    Tensor l = nn.functional.cross_entropy(model.call(x[TensorIndex.Slice(first, first + count)]), y[TensorIndex.Slice(first, first + count)]);
    l.backward();
    return l.item<float>();
}

static (nn.Module<Tensor, Tensor>, TorchSamOptimizer) Build()
{
    torch.manual_seed(1);
    nn.Module<Tensor, Tensor> model = nn.Linear(6, 3);
    return (model, new TorchSamOptimizer(model, new SamSettings { Rho = 0.05 }, new Sgd(0.3, momentum: 0.9)));
}

static float[] Weights(nn.Module<Tensor, Tensor> model) =>
    model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();

static double Checksum(float[] weights)
{
    ulong h = 14695981039346656037;
    foreach (float v in weights)
    {
        h = (h ^ BitConverter.SingleToUInt32Bits(v)) * 1099511628211;
    }

    return h >> 12;
}
