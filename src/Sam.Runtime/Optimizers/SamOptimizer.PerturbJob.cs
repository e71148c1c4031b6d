using System;
using Sam.Kernels;

namespace Sam;

// The plain perturbation (SAM and USAM without weight decay in the direction) as two jobs over every perturbed
// parameter with pinned buffers: ‖g‖², then y = w + a·g with the result checked. The helpers take blocks of all
// parameters as one range, so a model of many small tensors uses every core too. Results are summed per parameter
// in block order and over parameters in visiting order: the same bits as the per-parameter kernels.
public sealed partial class SamOptimizer
{
    private readonly JobItems<PerturbItem> _perturbJob = new();
    private int[] _perturbSlotJob = [];
    private Parameter?[] _perturbSlotParameters = [];
    private double[] _directionSums = [];
    private double[] _gradientSums = [];
    private int _perturbCount;

    private unsafe bool TryAddToPerturbJob(Parameter parameter, int slot)
    {
        if (!parameter.Storage.TryGetFixedAddresses(out nint w, out nint g, out nint y))
        {
            return false;
        }

        EnsurePerturbSlot(parameter, slot);
        bool over = parameter.Storage.PerturbsOverWeights;
        int j = _perturbJob.Add(parameter.Length, slot, new PerturbItem
        {
            W = (float*)w,
            G = (float*)g,
            Y = over ? (float*)w : (float*)y,
            Saved = over ? (float*)y : null,
            Streaming = StepKernels.Streaming && parameter.Length >= SamKernels.NonTemporalThreshold,
        });
        _perturbSlotJob[slot] = j;
        return true;
    }

    private void RecordPerturbNorms(Parameter parameter, int slot, double direction, double gradient)
    {
        EnsurePerturbSlot(parameter, slot);
        _perturbSlotJob[slot] = -1;
        _directionSums[slot] = direction;
        _gradientSums[slot] = gradient;
    }

    private void EnsurePerturbSlot(Parameter parameter, int slot)
    {
        if (slot >= _perturbSlotJob.Length)
        {
            int grown = Math.Max(8, 2 * slot);
            Array.Resize(ref _perturbSlotJob, grown);
            Array.Resize(ref _perturbSlotParameters, grown);
            Array.Resize(ref _directionSums, grown);
            Array.Resize(ref _gradientSums, grown);
        }

        _perturbSlotParameters[slot] = parameter;
        _perturbCount = slot + 1;
    }

    private bool InPerturbJob(int slot) => slot < _perturbCount && _perturbSlotJob[slot] != -1; // the plain or the variant job

    // Runs the norm job, then checks and adds every perturbed parameter's norms in visiting order.
    private (double Direction, double Gradient) PerturbationNorms()
    {
        var kernel = new PerturbKernels.Norms(_perturbJob.Items);
        _perturbJob.Run(ref kernel);
        if (_variantJob.Count > 0)
        {
            _rule.RunNormsJob(_variantJob);
        }

        double direction = 0, gradient = 0;
        for (int slot = 0; slot < _perturbCount; slot++)
        {
            double d, g;
            int job = _perturbSlotJob[slot];
            if (job >= 0)
            {
                d = g = _perturbJob.Sum(job, out _);
            }
            else if (job != -1)
            {
                d = _variantJob.Sum(VariantSlotCode(job), out g); // the code is its own inverse
            }
            else
            {
                d = _directionSums[slot];
                g = _gradientSums[slot];
            }

            if (!double.IsFinite(g) || !double.IsFinite(d))
            {
                if (SkipsOverflow())
                {
                    Array.Clear(_perturbSlotParameters, 0, _perturbCount);
                    return (double.NaN, double.NaN); // the loss scaler skips the step (SamOptimizer.Accumulation.cs)
                }

                Parameter parameter = _perturbSlotParameters[slot]!;
                Array.Clear(_perturbSlotParameters, 0, _perturbCount);
                throw NonFinite(parameter, SamPhase.Perturbation);
            }

            direction += d;
            gradient += g;
        }

        return (direction, gradient);
    }

    // Writes the job's perturbed weights; shows them only when every one is finite.
    private unsafe void PerturbInJob(float scale)
    {
        try
        {
            if (_variantJob.Count > 0)
            {
                PerturbInVariantJob(scale);
            }

            if (_perturbJob.Count == 0)
            {
                return;
            }

            if (PerturbationStreams)
            {
                for (int j = 0; j < _perturbJob.Count; j++)
                {
                    _perturbJob[j].Streaming = true; // the phase is far larger than the cache (SamKernels.PhaseNonTemporalThreshold)
                }
            }

            var kernel = new PerturbKernels.Perturb(_perturbJob.Items, scale);
            _perturbJob.Run(ref kernel);
            if (_perturbJob.FirstFailed() is var failed and >= 0)
            {
                Parameter parameter = _perturbSlotParameters[_perturbJob.SlotOf(failed)]!;
                ref PerturbItem item = ref _perturbJob[failed];
                int at = FirstNonFinite(item.Y, parameter.Length);
                float weight = item.Saved != null ? item.Saved[at] : item.W[at];
                UndoPerturbationsOverWeights();
                throw PerturbationOverflow(
                    parameter,
                    $"the perturbed weight w + a·g overflows at element {at} (weight {weight:G6}, gradient {item.G[at]:G6}, a = {(Normalize ? "ρ/‖g‖" : "ρ")} = {scale:G6}, ρ = {_currentRho:G6}); lower Rho{(Normalize ? "" : " or scale the loss (USAM moves by ρ·g)")}");
            }

            for (int j = 0; j < _perturbJob.Count; j++)
            {
                Parameter parameter = _perturbSlotParameters[_perturbJob.SlotOf(j)]!;
                parameter.ShowPerturbed(overWeights: _perturbJob[j].Saved != null);
                RecordPerturbed(parameter);
            }
        }
        finally
        {
            Array.Clear(_perturbSlotParameters, 0, _perturbCount);
        }
    }

    // Where a checked write found a non-finite value (the last element if none: the check sum said there is one).
    private static unsafe int FirstNonFinite(float* y, int length)
    {
        int at = 0;
        while (at < length - 1 && float.IsFinite(y[at]))
        {
            at++;
        }

        return at;
    }

    // A refused perturbation leaves every weight as it was: a parameter perturbed over its weights gets the saved copy
    // back (every block ran, so each saved copy is whole).
    private unsafe void UndoPerturbationsOverWeights()
    {
        for (int j = 0; j < _perturbJob.Count; j++)
        {
            ref PerturbItem item = ref _perturbJob[j];
            if (item.Saved != null)
            {
                int length = _perturbSlotParameters[_perturbJob.SlotOf(j)]!.Length;
                new ReadOnlySpan<float>(item.Saved, length).CopyTo(new Span<float>(item.W, length));
            }
        }
    }
}
