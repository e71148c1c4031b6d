using System;
using System.Linq;
using TheoryLab.Experiments;
using TheoryLab.Output;
using Xunit;

namespace Sam.TheoryLab.Tests;

public sealed class OutputTests
{
    private static readonly Figure Sample = new(
        "A <title> & \"quotes\"",
        [
            new Panel("log-log", "x", "y", true, true,
            [
                new Series("a, with comma", [(1, 1), (10, 0.01), (100, 0)]), // the zero is skipped on a log axis
                new Series("b", [(1, 2), (100, 3)], SeriesStyle.Dashed),
            ],
            [new ReferenceLine(0.1, "floor")]),
            new Panel("linear", "t", "x_t", false, false, [new Series("c", [(0, -1), (5, 2)], SeriesStyle.LineAndMarkers)]),
        ]);

    [Fact]
    public void Plots_have_one_panel_each_with_log_axes_legend_and_reference_line()
    {
        var plots = FigurePlot.Plots(Sample);

        Assert.Equal(2, plots.Count);
        ScottPlot.Plot logLog = plots[0];
        Assert.IsType<ScottPlot.TickGenerators.NumericAutomatic>(logLog.Axes.Left.TickGenerator);
        Assert.IsType<ScottPlot.TickGenerators.LogMinorTickGenerator>(((ScottPlot.TickGenerators.NumericAutomatic)logLog.Axes.Left.TickGenerator).MinorTickGenerator);
        Assert.Equal(3, logLog.GetPlottables().Count()); // two series and the reference line
        Assert.Contains(logLog.GetPlottables().OfType<ScottPlot.Plottables.Scatter>(), p => p.LegendText == "a, with comma");
        Assert.Contains(logLog.GetPlottables().OfType<ScottPlot.Plottables.HorizontalLine>(), p => p.LegendText == "floor");

        // The zero is left out of the log axis; the data are log₁₀ of the points.
        var a = logLog.GetPlottables().OfType<ScottPlot.Plottables.Scatter>().First();
        Assert.Equal(2, a.Data.GetScatterPoints().Count);
        Assert.Equal(-2, a.Data.GetScatterPoints()[1].Y, 12);
        Assert.False(plots[1].Axes.Left.TickGenerator is ScottPlot.TickGenerators.NumericAutomatic { MinorTickGenerator: ScottPlot.TickGenerators.LogMinorTickGenerator }, "the linear panel has linear axes");
    }

    [Fact]
    public void Png_of_a_real_experiment_is_written_and_is_a_png()
    {
        RateResult r = RateExperiment.Run(quick: true);
        string path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "theorylab-test-" + Guid.NewGuid().ToString("N") + ".png");
        try
        {
            FigurePlot.SavePng(r.Figure, path);

            byte[] bytes = System.IO.File.ReadAllBytes(path);
            Assert.True(bytes.Length > 10_000, $"{bytes.Length} bytes");
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes.Take(4).ToArray());
        }
        finally
        {
            System.IO.File.Delete(path);
        }
    }

    [Fact]
    public void Csv_has_the_expected_header_and_one_row_per_point()
    {
        string csv = CsvExport.ToCsv(Sample);

        string[] lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("panel,series,x,y", lines[0]);
        Assert.Equal(CsvExport.Header, lines[0]);
        Assert.Equal(3 + 2 + 2, lines.Length - 1);
        Assert.Contains("\"log-log\",\"a, with comma\",10,0.01", lines);
        Assert.DoesNotContain('\r', csv);
    }
}
