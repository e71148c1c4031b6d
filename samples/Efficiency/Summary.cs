using System;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Efficiency;

/// <summary>One method's results over the seeds, relative to SGD and SAM on the same task.</summary>
internal sealed record Summary(string Method, double Accuracy, double Spread, double SecondsPerEpoch, double TimeVsSgd, double GradientsPerStep, double GainKept)
{
    /// <summary>The goal: ≥ 90% of SAM's accuracy gain over SGD at ≤ 1.3× SGD's time.</summary>
    public bool MeetsGoal => Method is not ("SGD" or "SAM") && !double.IsNaN(GainKept) && GainKept >= 0.9 && TimeVsSgd <= 1.3;

    public static Summary[] From(System.Collections.Generic.IEnumerable<RunResult> results)
    {
        var byMethod = results.GroupBy(r => r.Method).ToArray();
        double Mean(string method, Func<RunResult, double> f) => byMethod.Single(g => g.Key == method).Average(f);
        double sgdAcc = Mean("SGD", r => r.TestAccuracy), samAcc = Mean("SAM", r => r.TestAccuracy), sgdTime = Mean("SGD", r => r.SecondsPerEpoch);
        return byMethod.Select(g =>
        {
            double acc = g.Average(r => r.TestAccuracy);
            double spread = g.Count() > 1 ? Math.Sqrt(g.Sum(r => (r.TestAccuracy - acc) * (r.TestAccuracy - acc)) / (g.Count() - 1)) : 0;
            double time = g.Average(r => r.SecondsPerEpoch);
            double gain = samAcc > sgdAcc ? (acc - sgdAcc) / (samAcc - sgdAcc) : double.NaN; // no gain to keep when SAM does not beat SGD
            return new Summary(g.Key, acc, spread, time, time / sgdTime, g.Average(r => r.GradientsPerStep), gain);
        }).ToArray();
    }

    public static string Markdown(Summary[] rows)
    {
        var ci = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.AppendLine("| method | test accuracy (mean ± sd) | s / epoch | × SGD time | gradients / step | SAM's gain kept | goal |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|:---:|");
        foreach (Summary r in rows)
        {
            s.AppendLine(string.Format(
                ci,
                "| {0} | {1:P1} ± {2:P1} | {3:F3} | {4:F2} | {5:F2} | {6} | {7} |",
                r.Method,
                r.Accuracy,
                r.Spread,
                r.SecondsPerEpoch,
                r.TimeVsSgd,
                r.GradientsPerStep,
                r.Method is "SGD" or "SAM" ? "—" : double.IsNaN(r.GainKept) ? "n/a (SAM ≤ SGD)" : r.GainKept.ToString("P0", ci),
                r.MeetsGoal ? "yes" : ""));
        }

        return s.ToString();
    }
}
