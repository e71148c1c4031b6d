namespace Sam;

/// <summary>
/// Combines the gradients of several workers (data-parallel training) before <see cref="SamOptimizer"/> reads them.
/// Set one as <see cref="SamOptimizer.GradientReducer"/>; the Sam.Dsl.Mpi package's reducer all-reduces over MPI.
/// </summary>
/// <remarks>
/// The engine calls <see cref="Reduce"/> at the start of every phase that reads gradients, before it checks or
/// writes anything: <see cref="SamPhase.Perturbation"/> when it is about to perturb (the gradient at the trained
/// weights), <see cref="SamPhase.Step"/> when it is about to take the base step (the gradient at the perturbed point,
/// or at the weights on a base step). Every worker makes the same calls in the same order, so a reducer can run one
/// collective per call. A reducer that throws leaves the weights and the optimizer state as they were.
/// </remarks>
public interface IGradientReducer
{
    /// <summary>
    /// Replaces each parameter's <see cref="Parameter.Gradient"/> (walk <paramref name="optimizer"/> with
    /// <see cref="SamOptimizer.VisitParameters{TVisitor}(ref TVisitor)"/>) by the combined gradient, or leaves the
    /// gradients alone for a phase that keeps them local (per-worker perturbation reduces only the step's).
    /// </summary>
    /// <param name="optimizer">The optimizer about to read the gradients.</param>
    /// <param name="phase">Which gradient is about to be read.</param>
    void Reduce(SamOptimizer optimizer, SamPhase phase);
}
