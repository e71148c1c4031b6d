using System;
using System.Linq;
using System.Xml.Linq;
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
    public void Svg_is_well_formed_xml_with_axes_ticks_labels_and_legend()
    {
        string svg = SvgPlot.Render(Sample);

        XDocument doc = XDocument.Parse(svg);
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", doc.Root!.Name);
        string[] texts = doc.Descendants(ns + "text").Select(t => t.Value).ToArray();
        Assert.Contains("A <title> & \"quotes\"", texts);
        Assert.Contains("10⁻²", texts); // a decade tick on the log axis
        Assert.Contains("a, with comma", texts); // legend
        Assert.Contains("floor", texts); // reference line label
        Assert.Contains("x_t", texts); // axis label
        Assert.Equal(3, doc.Descendants(ns + "path").Count());
    }

    [Fact]
    public void Svg_of_a_real_experiment_is_well_formed()
    {
        RateResult r = RateExperiment.Run(quick: true);

        XDocument doc = XDocument.Parse(SvgPlot.Render(r.Figure));

        Assert.Equal("svg", doc.Root!.Name.LocalName);
        Assert.Contains(doc.Descendants(), e => e.Name.LocalName == "path");
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
