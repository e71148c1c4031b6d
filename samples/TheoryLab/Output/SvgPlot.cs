using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security;
using System.Text;

namespace TheoryLab.Output;

/// <summary>
/// Draws a <see cref="Figure"/> as a self-contained SVG: axes with ticks and labels (decades on log axes), a
/// title per panel, dashed labelled reference lines, and a legend under each panel. No dependencies, so the
/// plots in docs/theory/ can be regenerated anywhere the lab runs.
/// </summary>
public static class SvgPlot
{
    private const double DefaultPanelWidth = 520, PlotTop = 62, PlotHeight = 300, MarginLeft = 78, MarginRight = 22;
    private const double AxisBlock = 58, LegendRow = 17, FigureTitle = 30;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Writes the SVG to a file.</summary>
    public static void Write(Figure figure, string path) => File.WriteAllText(path, Render(figure));

    /// <summary>The SVG text.</summary>
    public static string Render(Figure figure)
    {
        ArgumentNullException.ThrowIfNull(figure);
        int legendRows = 0;
        foreach (Panel p in figure.Panels)
        {
            legendRows = Math.Max(legendRows, TwoColumns(p) ? (p.Series.Count + 1) / 2 : p.Series.Count);
        }

        // Wide enough for the title (≈ 8.5 px per character at 15 px bold).
        double width = Math.Max(DefaultPanelWidth * figure.Panels.Count, 8.5 * figure.Title.Length + 40);
        double panelWidth = width / figure.Panels.Count;
        double height = FigureTitle + PlotTop - 30 + PlotHeight + AxisBlock + legendRows * LegendRow + 10;
        var sb = new StringBuilder();
        sb.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:0}\" height=\"{height:0}\" viewBox=\"0 0 {width:0} {height:0}\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\" font-size=\"12\">\n");
        sb.Append(Inv, $"<rect x=\"0\" y=\"0\" width=\"{width:0}\" height=\"{height:0}\" fill=\"white\"/>\n");
        sb.Append(Inv, $"<text x=\"{width / 2:0.#}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">{Esc(figure.Title)}</text>\n");
        for (int i = 0; i < figure.Panels.Count; i++)
        {
            DrawPanel(sb, figure.Panels[i], i * panelWidth, panelWidth, FigureTitle, i);
        }

        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void DrawPanel(StringBuilder sb, Panel panel, double ox, double panelWidth, double oy, int index)
    {
        double left = ox + MarginLeft, right = ox + panelWidth - MarginRight;
        double top = oy + PlotTop - 30, bottom = top + PlotHeight;
        Axis xAxis = Axis.Create(CollectX(panel), panel.LogX, left, right);
        Axis yAxis = Axis.Create(CollectY(panel), panel.LogY, bottom, top);
        string clip = "clip" + index.ToString(Inv);

        sb.Append(Inv, $"<text x=\"{(left + right) / 2:0.#}\" y=\"{top - 10:0.#}\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"bold\">{Esc(panel.Title)}</text>\n");
        sb.Append(Inv, $"<clipPath id=\"{clip}\"><rect x=\"{left:0.#}\" y=\"{top:0.#}\" width=\"{right - left:0.#}\" height=\"{bottom - top:0.#}\"/></clipPath>\n");

        // Grid and ticks.
        foreach ((double v, string label) in xAxis.Ticks())
        {
            double px = xAxis.Map(v);
            sb.Append(Inv, $"<line x1=\"{px:0.##}\" y1=\"{top:0.#}\" x2=\"{px:0.##}\" y2=\"{bottom:0.#}\" stroke=\"#e6e6e6\"/>\n");
            sb.Append(Inv, $"<line x1=\"{px:0.##}\" y1=\"{bottom:0.#}\" x2=\"{px:0.##}\" y2=\"{bottom + 5:0.#}\" stroke=\"black\"/>\n");
            sb.Append(Inv, $"<text x=\"{px:0.##}\" y=\"{bottom + 18:0.#}\" text-anchor=\"middle\">{Esc(label)}</text>\n");
        }

        foreach ((double v, string label) in yAxis.Ticks())
        {
            double py = yAxis.Map(v);
            sb.Append(Inv, $"<line x1=\"{left:0.#}\" y1=\"{py:0.##}\" x2=\"{right:0.#}\" y2=\"{py:0.##}\" stroke=\"#e6e6e6\"/>\n");
            sb.Append(Inv, $"<line x1=\"{left - 5:0.#}\" y1=\"{py:0.##}\" x2=\"{left:0.#}\" y2=\"{py:0.##}\" stroke=\"black\"/>\n");
            sb.Append(Inv, $"<text x=\"{left - 8:0.#}\" y=\"{py + 4:0.##}\" text-anchor=\"end\">{Esc(label)}</text>\n");
        }

        sb.Append(Inv, $"<rect x=\"{left:0.#}\" y=\"{top:0.#}\" width=\"{right - left:0.#}\" height=\"{bottom - top:0.#}\" fill=\"none\" stroke=\"black\"/>\n");
        sb.Append(Inv, $"<text x=\"{(left + right) / 2:0.#}\" y=\"{bottom + 38:0.#}\" text-anchor=\"middle\">{Esc(panel.XLabel)}</text>\n");
        sb.Append(Inv, $"<text x=\"{ox + 16:0.#}\" y=\"{(top + bottom) / 2:0.#}\" text-anchor=\"middle\" transform=\"rotate(-90 {ox + 16:0.#} {(top + bottom) / 2:0.#})\">{Esc(panel.YLabel)}</text>\n");

        // Reference lines, then the data, clipped to the plot area.
        sb.Append(Inv, $"<g clip-path=\"url(#{clip})\">\n");
        if (panel.ReferenceLines is { } refs)
        {
            foreach (ReferenceLine r in refs)
            {
                if (!yAxis.CanShow(r.Y))
                {
                    continue;
                }

                double py = yAxis.Map(r.Y);
                sb.Append(Inv, $"<line x1=\"{left:0.#}\" y1=\"{py:0.##}\" x2=\"{right:0.#}\" y2=\"{py:0.##}\" stroke=\"#555555\" stroke-width=\"1\" stroke-dasharray=\"2,3\"/>\n");
                double labelY = py - 4 < top + 12 ? py + 13 : py - 4; // below the line when it runs along the top edge
                sb.Append(Inv, $"<text x=\"{right - 4:0.#}\" y=\"{labelY:0.##}\" text-anchor=\"end\" font-size=\"11\" fill=\"#333333\">{Esc(r.Label)}</text>\n");
            }
        }

        for (int s = 0; s < panel.Series.Count; s++)
        {
            DrawSeries(sb, panel.Series[s], Palette[s % Palette.Length], xAxis, yAxis);
        }

        sb.Append("</g>\n");

        // Legend under the axes: two columns when the names are short enough, else one.
        double legendTop = bottom + AxisBlock - 4;
        bool two = TwoColumns(panel);
        for (int s = 0; s < panel.Series.Count; s++)
        {
            double lx = left + (two ? (s % 2) * ((right - left) / 2) : 0);
            double ly = legendTop + (two ? s / 2 : s) * LegendRow;
            Series series = panel.Series[s];
            string color = Palette[s % Palette.Length];
            if (series.Style != SeriesStyle.Markers)
            {
                string dash = series.Style == SeriesStyle.Dashed ? " stroke-dasharray=\"6,4\"" : string.Empty;
                sb.Append(Inv, $"<line x1=\"{lx:0.#}\" y1=\"{ly:0.#}\" x2=\"{lx + 26:0.#}\" y2=\"{ly:0.#}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>\n");
            }

            if (series.Style is SeriesStyle.Markers or SeriesStyle.LineAndMarkers)
            {
                sb.Append(Inv, $"<circle cx=\"{lx + 13:0.#}\" cy=\"{ly:0.#}\" r=\"3.5\" fill=\"{color}\"/>\n");
            }

            sb.Append(Inv, $"<text x=\"{lx + 32:0.#}\" y=\"{ly + 4:0.#}\" font-size=\"11\">{Esc(series.Name)}</text>\n");
        }
    }

    private static void DrawSeries(StringBuilder sb, Series series, string color, Axis x, Axis y)
    {
        if (series.Style != SeriesStyle.Markers)
        {
            var path = new StringBuilder();
            bool pen = false;
            foreach ((double px, double py) in series.Points)
            {
                if (!x.CanShow(px) || !y.CanShow(py))
                {
                    pen = false; // a gap in the data (e.g. an exact zero on a log axis) breaks the line
                    continue;
                }

                path.Append(pen ? " L" : " M").Append(x.Map(px).ToString("0.##", Inv)).Append(',').Append(y.Map(py).ToString("0.##", Inv));
                pen = true;
            }

            if (path.Length > 0)
            {
                string dash = series.Style == SeriesStyle.Dashed ? " stroke-dasharray=\"6,4\"" : string.Empty;
                sb.Append(Inv, $"<path d=\"{path.ToString().Trim()}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\" stroke-linejoin=\"round\"{dash}/>\n");
            }
        }

        if (series.Style is SeriesStyle.Markers or SeriesStyle.LineAndMarkers)
        {
            foreach ((double px, double py) in series.Points)
            {
                if (x.CanShow(px) && y.CanShow(py))
                {
                    sb.Append(Inv, $"<circle cx=\"{x.Map(px):0.##}\" cy=\"{y.Map(py):0.##}\" r=\"3.5\" fill=\"{color}\"/>\n");
                }
            }
        }
    }

    private static bool TwoColumns(Panel panel)
    {
        foreach (Series s in panel.Series)
        {
            if (s.Name.Length > 30)
            {
                return false;
            }
        }

        return true;
    }

    private static List<double> CollectX(Panel panel)
    {
        var v = new List<double>();
        foreach (Series s in panel.Series)
        {
            foreach ((double x, _) in s.Points)
            {
                v.Add(x);
            }
        }

        return v;
    }

    private static List<double> CollectY(Panel panel)
    {
        var v = new List<double>();
        foreach (Series s in panel.Series)
        {
            foreach ((_, double y) in s.Points)
            {
                v.Add(y);
            }
        }

        if (panel.ReferenceLines is { } refs)
        {
            foreach (ReferenceLine r in refs)
            {
                v.Add(r.Y);
            }
        }

        return v;
    }

    private static string Esc(string s) => SecurityElement.Escape(s) ?? string.Empty;

    /// <summary>A linear or log axis mapping data to pixels.</summary>
    private sealed class Axis
    {
        private readonly bool _log;
        private readonly double _lo, _hi, _p0, _p1;

        private Axis(bool log, double lo, double hi, double p0, double p1)
        {
            (_log, _lo, _hi, _p0, _p1) = (log, lo, hi, p0, p1);
        }

        public static Axis Create(List<double> values, bool log, double p0, double p1)
        {
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            foreach (double v in values)
            {
                if (double.IsFinite(v) && (!log || v > 0))
                {
                    lo = Math.Min(lo, v);
                    hi = Math.Max(hi, v);
                }
            }

            if (!double.IsFinite(lo))
            {
                (lo, hi) = log ? (1, 10) : (0, 1);
            }

            if (log)
            {
                // Whole decades, so every tick is a labelled power of ten.
                double a = Math.Floor(Math.Log10(lo) + 1e-9), b = Math.Ceiling(Math.Log10(hi) - 1e-9);
                if (b <= a)
                {
                    b = a + 1;
                }

                return new Axis(true, a, b, p0, p1);
            }

            if (hi - lo < 1e-12 * Math.Max(1, Math.Abs(hi)))
            {
                lo -= 0.5;
                hi += 0.5;
            }

            double pad = 0.04 * (hi - lo);
            lo -= lo == 0 ? 0 : pad;
            hi += pad;
            double step = NiceStep((hi - lo) / 6);
            return new Axis(false, Math.Floor(lo / step) * step, Math.Ceiling(hi / step) * step, p0, p1);
        }

        public bool CanShow(double v) => double.IsFinite(v) && (!_log || v > 0);

        public double Map(double v)
        {
            double t = _log ? Math.Log10(v) : v;
            return _p0 + (t - _lo) / (_hi - _lo) * (_p1 - _p0);
        }

        public IEnumerable<(double Value, string Label)> Ticks()
        {
            if (_log)
            {
                int decades = (int)Math.Round(_hi - _lo);
                int every = decades <= 8 ? 1 : (decades + 7) / 8;
                for (int k = (int)_lo; k <= (int)_hi; k++)
                {
                    if ((k - (int)_lo) % every == 0)
                    {
                        yield return (Math.Pow(10, k), PowerOfTen(k));
                    }
                }

                yield break;
            }

            double step = NiceStep((_hi - _lo) / 6);
            for (double v = _lo; v <= _hi + step * 1e-6; v += step)
            {
                double r = Math.Abs(v) < step * 1e-9 ? 0 : v;
                yield return (r, Format(r));
            }
        }

        private static string Format(double v)
        {
            double a = Math.Abs(v);
            return a != 0 && (a >= 1e5 || a < 1e-3) ? v.ToString("0.##E+0", Inv) : v.ToString("0.####", Inv);
        }

        private static double NiceStep(double raw)
        {
            double p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
            double m = raw / p;
            return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
        }

        private static string PowerOfTen(int k)
        {
            if (k == 0)
            {
                return "1";
            }

            if (k == 1)
            {
                return "10";
            }

            const string Sup = "⁰¹²³⁴⁵⁶⁷⁸⁹";
            var sb = new StringBuilder("10");
            if (k < 0)
            {
                sb.Append('⁻');
            }

            foreach (char c in Math.Abs(k).ToString(Inv))
            {
                sb.Append(Sup[c - '0']);
            }

            return sb.ToString();
        }
    }
}
