using System;
using System.Collections.Generic;
using System.Linq;
using ScottPlot;

namespace TheoryLab.Output;

/// <summary>
/// Renders a <see cref="Figure"/> with ScottPlot 5: one plot per panel, side by side, written as a PNG (embedded in
/// docs/theory.md). Log axes plot log₁₀ of the data with decade ticks labelled 10ⁿ and log-spaced minor ticks (ScottPlot's
/// log-scale recipe); non-positive values are left out of a log axis.
/// </summary>
public static class FigurePlot
{
    /// <summary>Pixel size of one panel.</summary>
    public const int PanelWidth = 640, PanelHeight = 440;

    /// <summary>The ScottPlot plots of the figure's panels, in order.</summary>
    public static IReadOnlyList<Plot> Plots(Figure figure)
    {
        var plots = new List<Plot>();
        for (int i = 0; i < figure.Panels.Count; i++)
        {
            plots.Add(Build(figure.Panels[i], i == 0 ? figure.Title : null));
        }

        return plots;
    }

    /// <summary>Writes the figure as a PNG at <paramref name="path"/>.</summary>
    public static void SavePng(Figure figure, string path) =>
        Compose(figure).SavePng(path, figure.Panels.Sum(p => LegendOutside(p) ? PanelWidth * 3 / 2 : PanelWidth), PanelHeight);

    private static bool LegendOutside(Panel panel) => panel.Series.Count + (panel.ReferenceLines?.Count ?? 0) > 5;

    private static Multiplot Compose(Figure figure)
    {
        IReadOnlyList<Plot> plots = Plots(figure);
        var multiplot = new Multiplot(plots[0]);
        foreach (Plot plot in plots.Skip(1))
        {
            multiplot.AddPlot(plot);
        }

        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        return multiplot;
    }

    private static Plot Build(Panel panel, string? figureTitle)
    {
        var plot = new Plot();
        plot.Title(Wrap(figureTitle is null ? panel.Title : figureTitle + " — " + panel.Title, 78), size: 11);
        plot.XLabel(panel.XLabel, size: 12);
        plot.YLabel(panel.YLabel, size: 12);
        if (panel.LogX)
        {
            plot.Axes.Bottom.TickGenerator = LogTicks();
        }

        if (panel.LogY)
        {
            plot.Axes.Left.TickGenerator = LogTicks();
        }

        foreach (Series s in panel.Series)
        {
            (double X, double Y)[] points = s.Points
                .Where(p => (!panel.LogX || p.X > 0) && (!panel.LogY || p.Y > 0) && double.IsFinite(p.X) && double.IsFinite(p.Y))
                .ToArray();
            double[] xs = points.Select(p => panel.LogX ? Math.Log10(p.X) : p.X).ToArray();
            double[] ys = points.Select(p => panel.LogY ? Math.Log10(p.Y) : p.Y).ToArray();
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = s.Name;
            scatter.LineWidth = s.Style == SeriesStyle.Markers ? 0 : 1.5f;
            scatter.MarkerSize = s.Style is SeriesStyle.Markers or SeriesStyle.LineAndMarkers ? 6 : 0;
            if (s.Style == SeriesStyle.Dashed)
            {
                scatter.LinePattern = LinePattern.Dashed;
            }
        }

        foreach (ReferenceLine r in panel.ReferenceLines ?? [])
        {
            if (panel.LogY && r.Y <= 0)
            {
                continue;
            }

            var line = plot.Add.HorizontalLine(panel.LogY ? Math.Log10(r.Y) : r.Y);
            line.LinePattern = LinePattern.Dotted;
            line.Color = Colors.Gray;
            line.LegendText = r.Label;
        }

        if (LegendOutside(panel))
        {
            plot.ShowLegend(Edge.Right); // many entries: beside the data, not over it
        }
        else
        {
            plot.ShowLegend(panel.LogY ? Alignment.LowerLeft : Alignment.UpperLeft);
        }

        plot.Legend.FontSize = 10;
        return plot;
    }

    private static ScottPlot.TickGenerators.NumericAutomatic LogTicks() => new()
    {
        MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = v => Superscript(v),
    };

    private static string Wrap(string text, int width)
    {
        var lines = new List<string>();
        string line = string.Empty;
        foreach (string word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line);
                line = word;
            }
            else
            {
                line = line.Length == 0 ? word : line + " " + word;
            }
        }

        lines.Add(line);
        return string.Join("\n", lines);
    }

    private static string Superscript(double exponent)
    {
        int n = (int)Math.Round(exponent);
        if (n == 0)
        {
            return "1";
        }

        if (n == 1)
        {
            return "10";
        }

        const string digits = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        string s = Math.Abs(n).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "10" + (n < 0 ? "⁻" : string.Empty) + string.Concat(s.Select(c => digits[c - '0']));
    }
}
