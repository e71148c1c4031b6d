using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using Spectre.Console;
using TheoryLab.Experiments;
using TheoryLab.Output;

// The theory lab: each sub-command reproduces one claim of docs/theory.md with the product's own optimizers
// (Sam.SamOptimizer over Sam.Parameter, Sam.Sgd), prints a verdict table and writes <name>.csv and <name>.png (ScottPlot).
var quick = new Option<bool>("--quick") { Description = "Fewer steps and seeds (what the tests run); the full runs take a few seconds in all." };
var outDir = new Option<DirectoryInfo>("--out")
{
    Description = "Directory for the CSV and SVG files.",
    DefaultValueFactory = _ => new DirectoryInfo("theorylab-out"),
};

var experiments = new List<(string Name, string Description, Func<bool, IProgress<double>, IExperimentResult> Run)>
{
    ("plateau", "Stochastic SAM, constant ρ: the gap plateaus ∝ ρ²; a decaying ρ removes it (Si & Yun 2023).", (q, p) => PlateauExperiment.Run(q, p)),
    ("rate", "Deterministic SAM on a strongly convex quadratic: gap ∝ 1/T² with η ∝ 1/t; a constant η cycles (Si & Yun 2023).", (q, p) => RateExperiment.Run(q, p)),
    ("nonconvex-floor", "Deterministic SAM on a nonconvex function: a gradient-norm floor ∝ ρ (Si & Yun 2023).", (q, p) => NonconvexFloorExperiment.Run(q, p)),
    ("saddle", "A strict saddle: SAM above ρ ≈ 1/|λ_min| is attracted to it, below it escapes (Kim et al. 2023).", (q, p) => SaddleExperiment.Run(q, p)),
    ("hallucination", "Normalized SAM settles ρ away from a minimizer where ∇f ≠ 0; a base-optimizer warm-up avoids it (Park et al. 2025).", (q, p) => HallucinationExperiment.Run(q, p)),
    ("schedules", "Polynomial η_t, ρ_t: Σηρ < ∞ reaches stationarity, violations stall (Khanh et al. 2024).", (q, p) => ScheduleExperiment.Run(q, p)),
};

var root = new RootCommand("Sam.Dsl theory lab: reproduce the published SAM convergence results with the product's optimizers.");
root.Options.Add(quick);
root.Options.Add(outDir);
quick.Recursive = true;
outDir.Recursive = true;

foreach ((string name, string description, Func<bool, IProgress<double>, IExperimentResult> run) in experiments)
{
    var command = new Command(name, description);
    command.SetAction(parse =>
    {
        bool ok = ConsoleReport.RunAndReport(name, p => run(parse.GetValue(quick), p), parse.GetValue(outDir)!);
        return ok ? 0 : 1;
    });
    root.Subcommands.Add(command);
}

var all = new Command("all", "Run every experiment in turn.");
all.SetAction(parse =>
{
    bool ok = true;
    foreach ((string name, _, Func<bool, IProgress<double>, IExperimentResult> run) in experiments)
    {
        ok &= ConsoleReport.RunAndReport(name, p => run(parse.GetValue(quick), p), parse.GetValue(outDir)!);
    }

    AnsiConsole.MarkupLine(ok ? "[green]Every claim held.[/]" : "[red]Some claims did not hold: see the tables above.[/]");
    return ok ? 0 : 1;
});
root.Subcommands.Add(all);

return root.Parse(args).Invoke();
