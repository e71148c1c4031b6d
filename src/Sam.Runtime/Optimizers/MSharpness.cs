using System;
using System.Collections.Generic;

namespace Sam;

/// <summary>
/// m-sharpness (Foret et al. 2021, §4.1): the batch is split in m parts; each part gets its own perturbation,
/// computed from that part's gradient, and its gradient at its own perturbed point; the base optimizer steps
/// once with the average of the m perturbed gradients. Smaller parts (larger m) generalise better in the paper.
/// </summary>
/// <remarks>
/// The callback receives the part index (0 … m − 1) and must compute that part's loss and accumulate its
/// gradient. Each part's perturbation uses the configured variant; VaSSO's and Friendly SAM's averages are
/// updated once per part. GSAM's correction needs one perturbation per step and is not applied here (each part
/// is plain SAM). Periodic SAM and switching apply per step: on a base step the parts' gradients at the trained
/// weights are averaged. One extra buffer per parameter (the running sum) is allocated on the first step.
/// The accumulation is the engine's (<c>SamEngine.AccumulatePart</c>), which the generated <c>MSharpnessStep</c>
/// also drives, so both compute the same step bit for bit.
/// </remarks>
public sealed class MSharpness
{
    private readonly SamOptimizer _optimizer;

    /// <summary>Creates the helper.</summary>
    /// <param name="optimizer">The SAM optimizer whose parameters and engine are used.</param>
    /// <param name="parts">m ≥ 1, the number of parts a batch is split into.</param>
    public MSharpness(SamOptimizer optimizer, int parts)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (parts < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(parts), parts, "m-sharpness needs at least one part.");
        }

        _optimizer = optimizer;
        Parts = parts;
    }

    /// <summary>m, the number of parts.</summary>
    public int Parts { get; }

    /// <summary>One step over the m parts; returns the mean of the parts' losses at the trained weights.</summary>
    /// <typeparam name="TState">The callback's state (the batch, say).</typeparam>
    /// <param name="state">Passed to the callback.</param>
    /// <param name="lossAndGradients">Computes part j's loss and accumulates its gradient at the weights the parameters show.</param>
    /// <returns>The mean loss at the trained weights.</returns>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; the weights are left unperturbed and not stepped.</exception>
    public float Step<TState>(TState state, Func<TState, int, float> lossAndGradients)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        IReadOnlyList<Parameter> ps = _optimizer.Parameters;
        SamEngine engine = _optimizer.Engine;
        bool sam = engine.BeginParts(Parts, nameof(Step));
        double loss = 0, perturbedLoss = 0;
        for (int part = 0; part < Parts; part++)
        {
            _optimizer.ZeroGradients();
            loss += lossAndGradients(state, part);
            if (sam)
            {
                _optimizer.Perturb();
                try
                {
                    _optimizer.ZeroGradients();
                    perturbedLoss += lossAndGradients(state, part);
                }
                finally
                {
                    _optimizer.Restore();
                }
            }

            for (int i = 0; i < ps.Count; i++)
            {
                engine.AccumulatePart(ps[i], i, part, ps[i].Name);
            }
        }

        for (int i = 0; i < ps.Count; i++)
        {
            engine.AverageParts(ps[i], i, Parts);
        }

        engine.BeginAccumulatedStep(sam);
        try
        {
            _optimizer.RestoreAndStep();
        }
        finally
        {
            engine.EndAccumulatedStep();
        }

        engine.RecordLosses(loss / Parts, sam ? perturbedLoss / Parts : double.NaN);
        return (float)(loss / Parts);
    }
}
