namespace Sam;

/// <summary>How data-parallel SAM shares gradients between ranks; docs/distributed.md compares them.</summary>
public enum DataParallelMode
{
    /// <summary>
    /// Exact SAM over the union batch: the gradient at the weights is all-reduced before the perturbation (so every
    /// rank perturbs along the global gradient with its global norm), and the gradient at the perturbed point before
    /// the step. Two gradient all-reduces per SAM step.
    /// </summary>
    SynchronizedPerturbation,

    /// <summary>
    /// m-sharpness across workers (Foret et al. 2021, m = the ranks): each rank perturbs along its own shard's
    /// gradient; only the gradient at the perturbed points is all-reduced before the step. One all-reduce per step,
    /// the communication of plain data-parallel SGD.
    /// </summary>
    PerWorkerPerturbation,
}
