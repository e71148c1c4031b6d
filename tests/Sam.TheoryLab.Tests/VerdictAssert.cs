using System.Linq;
using TheoryLab.Experiments;
using Xunit;

namespace Sam.TheoryLab.Tests;

internal static class VerdictAssert
{
    /// <summary>Every verdict of the experiment holds; the message lists the ones that do not.</summary>
    public static void AllHold(IExperimentResult result)
    {
        string failed = string.Join("\n", result.Verdicts.Where(v => !v.Holds).Select(v => $"{v.Claim}: {v.Measured}"));
        Assert.True(failed.Length == 0, $"{result.Name}: claims that did not hold:\n{failed}");
    }
}
