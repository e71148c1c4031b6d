using System;

namespace Sam;

/// <summary>
/// Receives a model's trained parameters from <see cref="ISamParameterSource.VisitParameters{TVisitor}"/>. A struct
/// visitor passed by reference is called without boxing or allocation.
/// </summary>
public interface ISamParameterVisitor
{
    /// <summary>Called once per trained parameter, in the model's visiting order.</summary>
    /// <param name="parameter">The parameter.</param>
    /// <param name="memberPath">
    /// Its member path with "[]" for each collection element, e.g. "Blocks[].W" (a constant string: no allocation).
    /// </param>
    /// <param name="indices">The element index of each "[]" in <paramref name="memberPath"/>, outermost first.</param>
    /// <param name="perturbed">False when the member is under <c>[ExcludeFromPerturbation]</c> (or the list says so): it is stepped, not perturbed.</param>
    /// <remarks><see cref="SamCheckpoint.FormatPath"/> turns the path and indices into "Blocks[2].W".</remarks>
    void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed);
}

/// <summary>
/// Something whose trained parameters can be enumerated with their member paths: every model the generator
/// emits with the span backend, and <see cref="SamOptimizer"/> (for a list, paths are the parameter names). It is
/// the one walk every phase of the optimizer and every checkpoint runs over.
/// </summary>
public interface ISamParameterSource
{
    /// <summary>Calls <paramref name="visitor"/> once per trained parameter, in visiting order; null optional members are skipped.</summary>
    /// <typeparam name="TVisitor">The visitor type; a struct is called without boxing.</typeparam>
    /// <param name="visitor">The visitor, by reference so a struct visitor can accumulate.</param>
    void VisitParameters<TVisitor>(ref TVisitor visitor)
        where TVisitor : ISamParameterVisitor;
}
