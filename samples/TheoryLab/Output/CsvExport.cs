using System.Globalization;
using System.IO;
using System.Text;

namespace TheoryLab.Output;

/// <summary>Writes a figure's data as long-format CSV, one row per point, so the plot can be redrawn elsewhere.</summary>
public static class CsvExport
{
    /// <summary>The header every CSV of the lab starts with.</summary>
    public const string Header = "panel,series,x,y";

    /// <summary>The CSV text (invariant culture, round-trip numbers, "\n" line ends).</summary>
    public static string ToCsv(Figure figure)
    {
        var sb = new StringBuilder();
        sb.Append(Header).Append('\n');
        foreach (Panel panel in figure.Panels)
        {
            foreach (Series series in panel.Series)
            {
                foreach ((double x, double y) in series.Points)
                {
                    sb.Append(Quote(panel.Title)).Append(',').Append(Quote(series.Name)).Append(',')
                      .Append(x.ToString("R", CultureInfo.InvariantCulture)).Append(',')
                      .Append(y.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    /// <summary>Writes the CSV to a file.</summary>
    public static void Write(Figure figure, string path) => File.WriteAllText(path, ToCsv(figure));

    private static string Quote(string s) => "\"" + s.Replace("\"", "\"\"", System.StringComparison.Ordinal) + "\"";
}
