using System.Collections.Generic;

namespace TheoryLab.Output;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>A solid line.</summary>
    Line,

    /// <summary>A dashed line (reference curves, flagged cases).</summary>
    Dashed,

    /// <summary>Markers only (measurements at a few points).</summary>
    Markers,

    /// <summary>A solid line with markers.</summary>
    LineAndMarkers,
}

/// <summary>One named curve of (x, y) points.</summary>
public sealed record Series(string Name, IReadOnlyList<(double X, double Y)> Points, SeriesStyle Style = SeriesStyle.Line);

/// <summary>A horizontal reference line with a label (a predicted floor, a stationary point).</summary>
public sealed record ReferenceLine(double Y, string Label);

/// <summary>One set of axes.</summary>
public sealed record Panel(
    string Title,
    string XLabel,
    string YLabel,
    bool LogX,
    bool LogY,
    IReadOnlyList<Series> Series,
    IReadOnlyList<ReferenceLine>? ReferenceLines = null);

/// <summary>A figure: a title and one or two panels side by side.</summary>
public sealed record Figure(string Title, IReadOnlyList<Panel> Panels);
