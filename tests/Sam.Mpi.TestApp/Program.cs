using System;
using System.Globalization;
using System.IO;
using System.Linq;

namespace Sam.Mpi.TestApp;

// Scenarios the MPI tests run under mpiexec. Every line a test reads starts with a keyword and carries rank=R; with
// out=DIR each rank writes its lines to DIR/rank-R.txt (mpiexec forwards the ranks' stdout in chunks that can split
// long lines), otherwise to stdout.
//   all <ranks-label> [save=PATH] [load=PATH]   training in both modes, failures, allocation, checkpoints
//   die                                          rank N-1 exits abruptly in the middle of training
public static class Program
{
    public const int Steps = 6, CheckpointStep = 3;

    private static TextWriter Log { get; set; } = Console.Out;

    public static int Main(string[] args)
    {
        using MpiCommunicator comm = MpiCommunicator.Initialize();
        string scenario = args.Length > 0 ? args[0] : "all";
        string? save = Option(args, "save="), load = Option(args, "load="), output = Option(args, "out=");
        using TextWriter log = output is null ? Console.Out : new StreamWriter(Path.Combine(output, $"rank-{comm.Rank}.txt")) { AutoFlush = true };
        Log = log;
        if (scenario == "die")
        {
            return Die(comm);
        }

        int status = Train(comm, DataParallelMode.SynchronizedPerturbation, "sync", save);
        status |= Train(comm, DataParallelMode.PerWorkerPerturbation, "perworker", null);
        if (load is not null)
        {
            status |= Resume(comm, load);
        }

        Failures(comm, DataParallelMode.SynchronizedPerturbation, "sync");
        Failures(comm, DataParallelMode.PerWorkerPerturbation, "perworker");
        Allocations(comm, DataParallelMode.SynchronizedPerturbation, "sync");
        Allocations(comm, DataParallelMode.PerWorkerPerturbation, "perworker");
        return status;
    }

    private static int Train(MpiCommunicator comm, DataParallelMode mode, string label, string? save)
    {
        var t = new Trainer();
        MpiGradientReducer reducer = MpiGradientReducer.Attach(t.Optimizer, comm, mode);
        int status = 0;
        for (int step = 0; step < Steps; step++)
        {
            reducer.SharpnessAwareStep(t.Optimizer, t.ShardOf(step, comm.Rank, comm.Size), Trainer.LossAndGradients);
            status |= CheckIdentical(comm, t, $"{label} step {step}");
            if (save is not null && step + 1 == CheckpointStep)
            {
                if (comm.IsRoot)
                {
                    SamCheckpoint.Save(save, t.Optimizer, t.Optimizer);
                }

                comm.Barrier();
            }
        }

        Log.WriteLine($"final mode={label} rank={comm.Rank} ranks={comm.Size} weights={Format(t.Weights())}");
        Log.WriteLine($"bytes mode={label} rank={comm.Rank} perstep={reducer.PayloadBytes / Steps} reductions={reducer.Reductions}");
        return status;
    }

    // A run restored from the checkpoint another rank count wrote, continued to the end.
    private static int Resume(MpiCommunicator comm, string path)
    {
        var t = new Trainer();
        SamCheckpoint.Load(path, t.Optimizer, t.Optimizer);
        MpiGradientReducer reducer = MpiGradientReducer.Attach(t.Optimizer, comm, DataParallelMode.SynchronizedPerturbation);
        for (int step = CheckpointStep; step < Steps; step++)
        {
            reducer.SharpnessAwareStep(t.Optimizer, t.ShardOf(step, comm.Rank, comm.Size), Trainer.LossAndGradients);
        }

        Log.WriteLine($"resumed rank={comm.Rank} ranks={comm.Size} weights={Format(t.Weights())}");
        return CheckIdentical(comm, t, "resumed");
    }

    // The last rank poisons its gradient at the weights (case g), at the perturbed point (case g'), or throws in
    // its callback (case throw); every rank must fail that step and keep its weights, then train on in step.
    private static void Failures(MpiCommunicator comm, DataParallelMode mode, string label)
    {
        var t = new Trainer();
        MpiGradientReducer reducer = MpiGradientReducer.Attach(t.Optimizer, comm, mode);
        bool last = comm.Rank == comm.Size - 1;
        int step = 0;
        reducer.SharpnessAwareStep(t.Optimizer, t.ShardOf(step++, comm.Rank, comm.Size), Trainer.LossAndGradients);
        foreach ((string name, int poison, int fail) in new[] { ("g", 1, 0), ("gprime", 2, 0), ("throw", 0, 2) })
        {
            t.PoisonIn = last ? poison : 0;
            t.ThrowIn = last ? fail : 0;
            double before = t.Checksum();
            long stepsBefore = t.Optimizer.StepCount;
            string outcome;
            try
            {
                reducer.SharpnessAwareStep(t.Optimizer, t.ShardOf(step, comm.Rank, comm.Size), Trainer.LossAndGradients);
                outcome = "completed";
            }
            catch (DataParallelStepException e)
            {
                outcome = $"agreed failed=[{string.Join(",", e.FailedRanks)}]";
            }
            catch (Exception e)
            {
                outcome = $"local {e.GetType().Name}";
            }

            bool unchanged = before == t.Checksum() && stepsBefore == t.Optimizer.StepCount && !t.Optimizer.IsPerturbed;
            Log.WriteLine($"failure mode={label} case={name} rank={comm.Rank} outcome={outcome} unchanged={unchanged}");
        }

        reducer.SharpnessAwareStep(t.Optimizer, t.ShardOf(step, comm.Rank, comm.Size), Trainer.LossAndGradients);
        double[] sums = comm.Gather(t.Checksum());
        Log.WriteLine($"after-failures mode={label} rank={comm.Rank} identical={sums.All(s => s == sums[0])}");
    }

    private static void Allocations(MpiCommunicator comm, DataParallelMode mode, string label)
    {
        var t = new Trainer();
        MpiGradientReducer reducer = MpiGradientReducer.Attach(t.Optimizer, comm, mode);
        for (int step = 0; step < 3; step++)
        {
            reducer.SharpnessAwareStep(t.Optimizer, t.ShardOf(step, comm.Rank, comm.Size), Trainer.LossAndGradients);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int step = 3; step < 23; step++)
        {
            reducer.SharpnessAwareStep(t.Optimizer, t.ShardOf(step, comm.Rank, comm.Size), Trainer.LossAndGradients);
        }

        long bytes = GC.GetAllocatedBytesForCurrentThread() - before;
        Log.WriteLine($"alloc mode={label} rank={comm.Rank} bytes-per-step={bytes / 20}");
    }

    private static int Die(MpiCommunicator comm)
    {
        var t = new Trainer();
        MpiGradientReducer reducer = MpiGradientReducer.Attach(t.Optimizer, comm, DataParallelMode.SynchronizedPerturbation);
        for (int step = 0; step < 1000; step++)
        {
            if (step == 2 && comm.Rank == comm.Size - 1)
            {
                Console.WriteLine($"dying rank={comm.Rank}");
                Console.Out.Flush();
                Environment.Exit(7); // no MPI_Finalize: the launcher sees an abnormal exit
            }

            reducer.SharpnessAwareStep(t.Optimizer, t.ShardOf(step, comm.Rank, comm.Size), Trainer.LossAndGradients);
        }

        Log.WriteLine($"survived rank={comm.Rank}");
        return 0;
    }

    private static int CheckIdentical(MpiCommunicator comm, Trainer t, string when)
    {
        double[] sums = comm.Gather(t.Checksum());
        if (sums.All(s => s == sums[0]))
        {
            return 0;
        }

        Log.WriteLine($"MISMATCH rank={comm.Rank} at {when}: checksums {string.Join(",", sums)}");
        return 3;
    }

    private static string? Option(string[] args, string prefix) =>
        args.FirstOrDefault(a => a.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];

    private static string Format(float[] values) =>
        string.Join(",", values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
