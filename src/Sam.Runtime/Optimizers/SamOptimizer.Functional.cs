using System;
using System.Collections.Generic;

namespace Sam;

// The surface for languages that cannot run the C# source generator (F#, and C# scripts): one factory with
// optional named arguments instead of three objects, and steps that take the loss as a callback and return
// values rather than filling out-parameters. PyTorch users know the shape: optimizer.step(closure).
public sealed partial class SamOptimizer
{
    /// <summary>
    /// Creates SAM over SGD in one call, with optional named arguments (F#:
    /// <c>SamOptimizer.Create(parameters, rho = 0.05, learningRate = 0.05, momentum = 0.9)</c>).
    /// </summary>
    /// <param name="parameters">The trained parameters, in a fixed order (each at most once).</param>
    /// <param name="rho">Perturbation radius ρ ≥ 0. Default 0.05; 0 reduces SAM to the base optimizer.</param>
    /// <param name="learningRate">SGD's learning rate η &gt; 0. Default 0.01.</param>
    /// <param name="momentum">SGD momentum μ in [0, 1). Default 0.</param>
    /// <param name="weightDecay">Weight decay λ ≥ 0. Default 0.</param>
    /// <param name="nesterov">Nesterov momentum (needs μ &gt; 0 and no dampening). Default false.</param>
    /// <param name="dampening">Dampening in [0, 1]. Default 0.</param>
    /// <param name="decoupledWeightDecay">SGDW-style decay of the weights instead of L2 in the gradient. Default false.</param>
    /// <param name="normalize">ρ·g/‖g‖ (SAM) when true, ρ·g (USAM) when false. Default true.</param>
    /// <param name="variant">The perturbation rule. Default <see cref="SamVariant.Sam"/>; its own hyper-parameters keep their
    /// defaults (set them through <see cref="SamSettings"/> and the constructor).</param>
    /// <param name="maxGradientNorm">Clip the base step's gradient to this global norm; 0 (default) does not clip.</param>
    /// <param name="interval">Periodic SAM: a SAM step every k-th step, base steps in between (k ≥ 1). Default 1.</param>
    /// <param name="baseOptimizerSteps">Switching: the base optimizer alone for the first N steps (N ≥ 0). Default 0.</param>
    /// <param name="perturbWeightDecay">Include the weight decay λ·w in the perturbation direction. Default false.</param>
    /// <param name="perturb">Which parameters are perturbed (all when null); the others are only stepped.</param>
    /// <returns>The optimizer.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A hyper-parameter is out of range; the exception names it.</exception>
    public static SamOptimizer Create(
        IEnumerable<Parameter> parameters,
        double rho = 0.05,
        double learningRate = 0.01,
        double momentum = 0,
        double weightDecay = 0,
        bool nesterov = false,
        double dampening = 0,
        bool decoupledWeightDecay = false,
        bool normalize = true,
        SamVariant variant = SamVariant.Sam,
        double maxGradientNorm = 0,
        int interval = 1,
        long baseOptimizerSteps = 0,
        bool perturbWeightDecay = false,
        Func<Parameter, bool>? perturb = null)
    {
        // Checked here as well as in SamSettings and BaseOptimizer so the exception names this method's argument.
        if (!double.IsFinite(rho) || rho < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(rho), rho, "ρ must be finite and non-negative.");
        }

        if (!double.IsFinite(learningRate) || learningRate <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "The learning rate must be positive and finite.");
        }

        var settings = new SamSettings
        {
            Rho = rho,
            Normalize = normalize,
            Variant = variant,
            MaxGradientNorm = maxGradientNorm,
            Interval = interval,
            BaseOptimizerSteps = baseOptimizerSteps,
            PerturbWeightDecay = perturbWeightDecay,
        };
        var sgd = new Sgd(learningRate, momentum, dampening, weightDecay, nesterov, decoupledWeightDecay);
        return new SamOptimizer(parameters, settings, sgd, perturb);
    }

    /// <summary>
    /// One step of the base optimizer alone from a loss callback (no perturbation, one gradient): zero the
    /// gradients, call <paramref name="lossAndGradients"/>, step. For warm-up, or to compare against SAM.
    /// </summary>
    /// <param name="lossAndGradients">Computes the loss and adds the gradients into the parameters.</param>
    /// <returns>The loss the callback returned.</returns>
    /// <exception cref="InvalidOperationException">The weights are perturbed.</exception>
    public float BaseStep(Func<float> lossAndGradients)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        var loss = new WholeBatchLoss<Func<float>, int>(lossAndGradients, 0, static (f, _) => f());
        return WholeStep(1, ref loss, baseOnly: true); // SamOptimizer.Accumulation.cs
    }
}
