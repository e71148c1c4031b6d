using System;
using System.IO;
using Spectre.Console;
using TheoryLab.Experiments;

namespace TheoryLab.Output;

/// <summary>Runs an experiment under a progress bar, prints its verdict table and writes its CSV and SVG.</summary>
public static class ConsoleReport
{
    /// <summary>Runs, reports and saves one experiment; returns true when every verdict holds.</summary>
    public static bool RunAndReport(string title, Func<IProgress<double>, IExperimentResult> run, DirectoryInfo outDir)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(outDir);
        IExperimentResult? result = null;
        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(ctx =>
            {
                ProgressTask task = ctx.AddTask(Markup.Escape(title), maxValue: 1.0);
                var progress = new Progress(task);
                result = run(progress);
                task.Value = 1.0;
            });

        outDir.Create();
        string csv = Path.Combine(outDir.FullName, result!.Name + ".csv");
        string png = Path.Combine(outDir.FullName, result.Name + ".png");
        CsvExport.Write(result.Figure, csv);
        FigurePlot.SavePng(result.Figure, png);

        var table = new Table().Title($"[bold]{Markup.Escape(result.Name)}[/]: {Markup.Escape(result.Figure.Title)}").Border(TableBorder.Rounded);
        table.AddColumn("claim");
        table.AddColumn("measured");
        table.AddColumn(new TableColumn("verdict").Centered());
        bool all = true;
        foreach (Verdict v in result.Verdicts)
        {
            all &= v.Holds;
            table.AddRow(Markup.Escape(v.Claim), Markup.Escape(v.Measured), v.Holds ? "[green]holds[/]" : "[red]does not hold[/]");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"  wrote [blue]{Markup.Escape(csv)}[/] and [blue]{Markup.Escape(png)}[/]");
        AnsiConsole.WriteLine();
        return all;
    }

    // Progress<T> would post to a synchronization context; this forwards synchronously, and only every 1 %.
    private sealed class Progress(ProgressTask task) : IProgress<double>
    {
        private double _last = -1;

        public void Report(double value)
        {
            if (value - _last >= 0.01 || value >= 1)
            {
                _last = value;
                task.Value = Math.Clamp(value, 0, 1);
            }
        }
    }
}
