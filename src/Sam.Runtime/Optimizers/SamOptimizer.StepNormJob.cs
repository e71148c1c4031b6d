using System;
using System.Threading;
using Sam.Kernels;

namespace Sam;

// The step's read-only pass over g′ (GSAM's g·g′, clipping's ‖g′‖) as one job over every parameter with pinned
// buffers, so small tensors use the second core too; a parameter the job cannot take (user memory, LookSAM) is
// computed alone during the walk. The sums are checked and added in visiting order after the job.
public sealed partial class SamOptimizer
{
    private readonly JobItems<StepNormItem> _stepNormJob = new();
    private StepNormSlot[] _stepNormSlots = [];
    private Parameter?[] _stepNormParameters = [];
    private int _stepNormCount;
    private static long s_stepNormJobElements;

    /// <summary>Elements whose step norms ran in the job since start-up, over every optimizer (a CI guard that they join it).</summary>
    internal static long StepNormJobElements => Interlocked.Read(ref s_stepNormJobElements);

    private void BeginStepNorms()
    {
        Array.Clear(_stepNormParameters, 0, _stepNormCount); // a walk that threw left them
        _stepNormJob.Clear();
        _stepNormCount = 0;
    }

    // Joins the job (true), or computes the parameter's sum now.
    private unsafe void AddStepNorms(Parameter parameter, int slot)
    {
        if (slot >= _stepNormSlots.Length)
        {
            Array.Resize(ref _stepNormSlots, Math.Max(8, 2 * slot));
            Array.Resize(ref _stepNormParameters, _stepNormSlots.Length);
        }

        _stepNormParameters[slot] = parameter;
        _stepNormCount = slot + 1;
        ref StepNormSlot entry = ref _stepNormSlots[slot];
        if (parameter.Storage.TryGetFixedAddresses(out _, out nint g, out _) && _rule.TryStepNormsItem(this, parameter, slot, out nint other))
        {
            entry.Job = _stepNormJob.Add(parameter.Length, slot, new StepNormItem { G = (float*)g, Other = (float*)other });
            return;
        }

        entry.Job = -1;
        entry.Sum = _rule.StepNorms(this, parameter, slot, out entry.Dot, out entry.HasDot);
    }

    // A visited parameter of the step's norm pass: its job index, or (−1) the sums it got alone.
    private struct StepNormSlot
    {
        public int Job;
        public double Sum;
        public double Dot;
        public bool HasDot;
    }

    // Runs the job; returns ‖g′‖² over every parameter, each checked finite in visiting order (the first non-finite
    // one is reported, unless the loss scaler skips the step).
    private unsafe double FinishStepNorms()
    {
        try
        {
            var kernel = new VariantKernels.StepNormsJob(_stepNormJob.Items);
            _stepNormJob.Run(ref kernel);
            Interlocked.Add(ref s_stepNormJobElements, _stepNormJob.Job.Elements);
            double total = 0;
            for (int slot = 0; slot < _stepNormCount; slot++)
            {
                Parameter parameter = _stepNormParameters[slot]!;
                double s;
                ref StepNormSlot entry = ref _stepNormSlots[slot];
                int j = entry.Job;
                if (j < 0)
                {
                    s = entry.Sum;
                    if (entry.HasDot)
                    {
                        _rule.AddStepNorms(this, parameter, slot, entry.Dot, s);
                    }
                }
                else if (_stepNormJob[j].Other != null)
                {
                    double dot = _stepNormJob.Sum(j, out s);
                    _rule.AddStepNorms(this, parameter, slot, dot, s);
                }
                else
                {
                    s = _stepNormJob.Sum(j, out _);
                }

                if (!double.IsFinite(s) && !SkipsOverflow())
                {
                    throw NonFinite(parameter, SamPhase.Step);
                }

                total += s;
            }

            return total;
        }
        finally
        {
            Array.Clear(_stepNormParameters, 0, _stepNormCount);
        }
    }
}
