using System.Linq;
using ScottPlot;

namespace Efficiency;

/// <summary>Accuracy against time per epoch, one marker per method with its spread over seeds as an error bar.</summary>
internal static class Plots
{
    public static void Save(Summary[] rows, string title, string path)
    {
        var plot = new Plot();
        plot.Title(title, size: 12);
        plot.XLabel("time per epoch, × SGD");
        plot.YLabel("clean test accuracy, %");
        var palette = new ScottPlot.Palettes.Category10();
        int k = 0;
        foreach (IGrouping<string, Summary> family in rows.GroupBy(r => r.Method.Split(' ')[0]))
        {
            Color color = palette.GetColor(k++); // set explicitly: the error bars would otherwise take the next colour
            double[] xs = family.Select(r => r.TimeVsSgd).ToArray();
            double[] ys = family.Select(r => 100 * r.Accuracy).ToArray();
            double[] errors = family.Select(r => 100 * r.Spread).ToArray();
            var scatter = plot.Add.ScatterPoints(xs, ys);
            scatter.LegendText = family.Key;
            scatter.MarkerSize = 9;
            scatter.Color = color;
            var bars = plot.Add.ErrorBar(xs, ys, errors);
            bars.Color = color;
            foreach (Summary r in family)
            {
                var label = plot.Add.Text(r.Method, r.TimeVsSgd, 100 * r.Accuracy);
                label.LabelFontSize = 9;
                label.OffsetX = 6;
            }
        }

        var goal = plot.Add.VerticalLine(1.3);
        goal.LinePattern = LinePattern.Dotted;
        goal.Color = Colors.Gray;
        goal.LegendText = "1.3× SGD";
        plot.ShowLegend(Alignment.LowerRight);
        plot.SavePng(path, 900, 560);
    }
}
