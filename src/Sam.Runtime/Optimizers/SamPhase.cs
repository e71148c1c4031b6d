namespace Sam;

/// <summary>The phase of a SAM step in which a gradient was read.</summary>
public enum SamPhase
{
    /// <summary>The gradient at the trained weights, read to compute the perturbation.</summary>
    Perturbation,

    /// <summary>The gradient the base step uses: at the perturbed point on a SAM step, at the weights on a base step.</summary>
    Step,
}
