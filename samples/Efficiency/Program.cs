using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Efficiency;

// SAM's benefit at a fraction of its cost: SGD, SAM and each efficient variant at two or three settings on the two
// quickstart tasks, over several seeds. Prints markdown tables (docs/efficiency.md holds one run) and draws accuracy
// against time per epoch with ScottPlot.
//   dotnet run --project samples/Efficiency -c Release -- --seeds 3
int seeds = 3, spanEpochs = 30, torchEpochs = 8;
string output = Path.Combine("docs", "efficiency");
for (int i = 0; i < args.Length; i++)
{
    bool hasValue = i + 1 < args.Length;
    switch (args[i])
    {
        case "--seeds" when hasValue && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int n) && n > 0:
            seeds = n;
            i++;
            break;
        case "--span-epochs" when hasValue && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int e) && e > 0:
            spanEpochs = e;
            i++;
            break;
        case "--torch-epochs" when hasValue && int.TryParse(args[i + 1], CultureInfo.InvariantCulture, out int t) && t > 0:
            torchEpochs = t;
            i++;
            break;
        case "--out" when hasValue:
            output = args[++i];
            break;
        case "--quick":
            seeds = 1;
            spanEpochs = 2;
            torchEpochs = 1;
            break;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Usage: Efficiency [--seeds N] [--span-epochs N] [--torch-epochs N] [--out DIR] [--quick]");
            return 2;
    }
}

TorchSharp.torch.set_num_threads(1); // tiny tensors: one intra-op thread, as the TorchSharp quickstart
Directory.CreateDirectory(output);
Console.WriteLine($"Machine: {Machine.Describe()}; load average at start {Machine.LoadAverage()}.");
Console.WriteLine($"Seeds {seeds}; span task {spanEpochs} epochs, TorchSharp task {torchEpochs} epochs; methods interleaved step by step.");
Console.WriteLine();

var tasks = new (string Name, string File, Func<int, RunResult[]> Run)[]
{
    ($"Span quickstart (MLP 20-64-64-5, ρ = {SpanTask.Rho}, {spanEpochs} epochs)", "span", seed => SpanTask.Run(Method.All(SpanTask.Rho, spanEpochs * 125L), seed, spanEpochs)),
    ($"TorchSharp quickstart (CNN with BatchNorm, ρ = {TorchTask.Rho}, {torchEpochs} epochs)", "torch", seed => TorchTask.Run(Method.All(TorchTask.Rho, (long)torchEpochs * TorchTask.StepsPerEpoch), seed, torchEpochs)),
};

var verdicts = new Dictionary<string, List<bool>>();
foreach ((string name, string file, Func<int, RunResult[]> run) in tasks)
{
    var results = new List<RunResult>();
    for (int seed = 1; seed <= seeds; seed++)
    {
        results.AddRange(run(seed));
        Console.Error.WriteLine($"{file}: seed {seed} done");
    }

    Summary[] rows = Summary.From(results);
    Console.WriteLine($"### {name}");
    Console.WriteLine();
    Console.WriteLine(Summary.Markdown(rows));
    Plots.Save(rows, name, Path.Combine(output, file + ".png"));
    foreach (Summary r in rows)
    {
        if (!verdicts.TryGetValue(r.Method, out List<bool>? list))
        {
            verdicts[r.Method] = list = [];
        }

        list.Add(r.MeetsGoal);
    }
}

string[] both = verdicts.Where(v => v.Value.Count == tasks.Length && v.Value.All(x => x)).Select(v => v.Key).ToArray();
Console.WriteLine(both.Length > 0
    ? $"Settings keeping ≥ 90% of SAM's gain at ≤ 1.3× SGD's time on both tasks: {string.Join(", ", both)}."
    : "No setting keeps ≥ 90% of SAM's gain at ≤ 1.3× SGD's time on both tasks in this run.");
Console.WriteLine($"Load average at end {Machine.LoadAverage()}. Plots: {output}/span.png, {output}/torch.png.");
return 0;
