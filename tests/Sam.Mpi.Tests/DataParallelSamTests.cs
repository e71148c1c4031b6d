using System;
using System.Linq;
using Sam.Mpi.TestApp;
using Xunit;

namespace Sam.Mpi.Tests;

// Each test reads the launches of MpiRuns; a machine without mpiexec fails every test with the install hint.
public sealed class DataParallelSamTests(MpiRuns runs) : IClassFixture<MpiRuns>
{
    private const float Tolerance = 2e-5f;

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Synchronized_perturbation_on_N_ranks_equals_single_process_SAM_over_the_union_batch(int ranks)
    {
        float[] expected = Trainer.SingleProcessSam(Program.Steps);
        AssertEveryRank(runs.Of(ranks), "sync", ranks, expected);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Per_worker_perturbation_on_N_ranks_equals_single_process_m_sharpness_with_N_parts(int ranks)
    {
        float[] expected = Trainer.SingleProcessMSharpness(Program.Steps, parts: ranks);
        AssertEveryRank(runs.Of(ranks), "perworker", ranks, expected);

        // ... and differs from synchronized SAM: the modes are not the same algorithm.
        float[] sync = Trainer.SingleProcessSam(Program.Steps);
        Assert.True(expected.Zip(sync).Any(p => Math.Abs(p.First - p.Second) > 1e-4), "m-sharpness should differ from union-batch SAM");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Every_rank_holds_bit_identical_weights_after_every_step(int ranks)
    {
        MpiLauncher.Run run = runs.Of(ranks);
        Assert.True(run.ExitCode == 0, $"exit code {run.ExitCode}\n{run.Output}");
        Assert.DoesNotContain("MISMATCH", run.Output, StringComparison.Ordinal); // checksums gathered after every step
        foreach (string mode in new[] { "sync", "perworker" })
        {
            var weights = MpiRuns.Lines(run, "final").Where(l => l["mode"] == mode).Select(l => l["weights"]).ToList();
            Assert.Equal(ranks, weights.Count);
            Assert.Single(weights.Distinct());
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_NaN_or_an_exception_on_one_rank_fails_the_step_on_every_rank_and_leaves_the_weights_untouched(int ranks)
    {
        MpiLauncher.Run run = runs.Of(ranks);
        var failures = MpiRuns.Lines(run, "failure");
        Assert.True(failures.Count == 2 * 3 * ranks, run.Output); // 2 modes × 3 cases × ranks
        foreach (var line in failures)
        {
            string where = $"mode={line["mode"]} case={line["case"]} rank={line["rank"]}";
            Assert.True(line["outcome"] != "completed", $"{where}: the step completed although rank {ranks - 1} failed");
            Assert.True(line["unchanged"] == "True", $"{where}: the weights or the step count changed");
            if (line["outcome"] == "agreed")
            {
                Assert.Equal($"[{ranks - 1}]", line["failed"]);
            }
            else
            {
                Assert.Equal((ranks - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), line["rank"]); // only the failing rank sees its own exception
            }
        }

        var after = MpiRuns.Lines(run, "after-failures");
        Assert.Equal(2 * ranks, after.Count);
        Assert.All(after, l => Assert.Equal("True", l["identical"])); // and training goes on in step
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void A_data_parallel_step_allocates_nothing_on_any_rank(int ranks)
    {
        var lines = MpiRuns.Lines(runs.Of(ranks), "alloc");
        Assert.Equal(2 * ranks, lines.Count);
        Assert.All(lines, l => Assert.Equal("0", l["bytes-per-step"]));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Synchronized_perturbation_reduces_twice_per_step_and_per_worker_once(int ranks)
    {
        int payload = ((Trainer.Classes * Trainer.Features) + Trainer.Classes + ranks) * sizeof(float); // gradients + one status per rank
        var bytes = MpiRuns.Lines(runs.Of(ranks), "bytes");
        Assert.All(bytes.Where(l => l["mode"] == "sync"), l => Assert.Equal((2 * payload).ToString(System.Globalization.CultureInfo.InvariantCulture), l["perstep"]));
        Assert.All(bytes.Where(l => l["mode"] == "perworker"), l => Assert.Equal(payload.ToString(System.Globalization.CultureInfo.InvariantCulture), l["perstep"]));
        Assert.Equal(2 * ranks, bytes.Count);
    }

    [Fact]
    public void A_checkpoint_written_by_rank_0_of_2_resumes_on_3_ranks_as_if_never_interrupted()
    {
        MpiLauncher.Run run = runs.Three;
        var resumed = MpiRuns.Lines(run, "resumed");
        Assert.True(resumed.Count == 3, run.Output);
        float[] expected = Trainer.SingleProcessSam(Program.Steps);
        foreach (var line in resumed)
        {
            AssertClose(expected, MpiRuns.Floats(line["weights"]), $"resumed rank {line["rank"]}");
        }
    }

    [Fact]
    public void A_rank_that_dies_ends_the_whole_job_instead_of_hanging()
    {
        MpiLauncher.Run run = runs.Die; // the launcher throws TimeoutException if the survivor hangs
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("dying rank=1", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("survived", run.Output, StringComparison.Ordinal);
    }

    private static void AssertEveryRank(MpiLauncher.Run run, string mode, int ranks, float[] expected)
    {
        var finals = MpiRuns.Lines(run, "final").Where(l => l["mode"] == mode).ToList();
        Assert.True(finals.Count == ranks, $"expected {ranks} final lines for {mode}, output:\n{run.Output}");
        foreach (var line in finals)
        {
            Assert.Equal(ranks.ToString(System.Globalization.CultureInfo.InvariantCulture), line["ranks"]);
            AssertClose(expected, MpiRuns.Floats(line["weights"]), $"{mode} rank {line["rank"]}");
        }
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance, $"{what}: weight {i} is {actual[i]}, single process {expected[i]}");
        }
    }
}
