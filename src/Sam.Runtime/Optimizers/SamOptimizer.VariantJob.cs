using Sam.Kernels;

namespace Sam;

// The variants' perturbation (ASAM, VaSSO, Friendly SAM, GSAM, and SAM with weight decay in the direction) as two jobs
// over every perturbed parameter with pinned buffers, like the plain perturbation's (SamOptimizer.PerturbJob.cs): the
// norms, then the state and y = w + a·e with the result checked. The rule supplies each parameter's item and runs the
// job with its own formula (VariantRule.TryPrepareJobItem); a parameter it cannot take runs alone, as before.
public sealed partial class SamOptimizer
{
    private readonly JobItems<VariantItem> _variantJob = new();

    // _perturbSlotJob holds −2 − j for the variant job's item j (≥ 0: the plain job; −1: alone).
    private static int VariantSlotCode(int j) => -2 - j;

    private unsafe bool TryAddToVariantJob(Parameter parameter, int slot)
    {
        if (!parameter.Storage.TryGetFixedAddresses(out nint w, out nint g, out nint y))
        {
            return false;
        }

        var item = new VariantItem { W = (float*)w, G = (float*)g, Y = (float*)y };
        if (!_rule.TryPrepareJobItem(this, parameter, slot, ref item))
        {
            return false;
        }

        EnsurePerturbSlot(parameter, slot);
        _perturbSlotJob[slot] = VariantSlotCode(_variantJob.Add(parameter.Length, slot, item));
        return true;
    }

    // Writes the variant job's state and perturbed weights; shows them only when every one is finite. A refused
    // perturbation throws; the caller abandons the step, and the rule puts back the state it saved (Rollback).
    private unsafe void PerturbInVariantJob(float scale)
    {
        for (int j = 0; j < _variantJob.Count; j++)
        {
            int slot = _variantJob.SlotOf(j);
            _rule.BeforeJobPerturb(this, _perturbSlotParameters[slot]!, slot, ref _variantJob[j]);
        }

        _rule.RunPerturbJob(_variantJob, scale, PerturbationStreams);
        if (_variantJob.FirstFailed() is var failed and >= 0)
        {
            Parameter parameter = _perturbSlotParameters[_variantJob.SlotOf(failed)]!;
            ref VariantItem item = ref _variantJob[failed];
            int at = FirstNonFinite(item.Y, parameter.Length);
            throw PerturbationOverflow(parameter, $"the perturbed weight w + e overflows at element {at} (weight {item.W[at]:G6}, gradient {item.G[at]:G6}, scale {scale:G6}, ρ = {_currentRho:G6}); lower Rho");
        }

        for (int j = 0; j < _variantJob.Count; j++)
        {
            Parameter parameter = _perturbSlotParameters[_variantJob.SlotOf(j)]!;
            parameter.ShowPerturbed();
            RecordPerturbed(parameter);
        }
    }
}
