using System.Collections.Generic;
using TheoryLab.Output;

namespace TheoryLab.Experiments;

/// <summary>What every experiment returns: its verdicts and the figure (whose series are also the CSV).</summary>
public interface IExperimentResult
{
    /// <summary>The sub-command name, also the file stem of the CSV and SVG ("plateau", "rate", ...).</summary>
    string Name { get; }

    /// <summary>The claims checked.</summary>
    IReadOnlyList<Verdict> Verdicts { get; }

    /// <summary>The plot.</summary>
    Figure Figure { get; }
}
