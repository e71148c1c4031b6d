using System;
using System.Collections.Generic;

namespace Sam;

/// <summary>
/// A data-parallel step failed on at least one rank (a gradient with NaN or ±∞ on its shard, or an exception on that
/// rank), and every rank agreed to abandon it: on every rank the weights and the optimizer state are as they were
/// before the step, so training can go on with the next batch.
/// </summary>
public sealed class DataParallelStepException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public DataParallelStepException()
        : this("A data-parallel step failed on another rank.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public DataParallelStepException(string? message)
        : this(message, null)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public DataParallelStepException(string? message, Exception? innerException)
        : base(message, innerException)
    {
        FailedRanks = Array.Empty<int>();
    }

    /// <summary>Creates the exception for the ranks that reported a failure.</summary>
    /// <param name="message">The message.</param>
    /// <param name="failedRanks">The ranks that failed, ascending.</param>
    /// <param name="phase">The phase whose gradients were being combined.</param>
    public DataParallelStepException(string message, IReadOnlyList<int> failedRanks, SamPhase phase)
        : base(message)
    {
        FailedRanks = failedRanks;
        Phase = phase;
    }

    /// <summary>The ranks that reported a failure, ascending.</summary>
    public IReadOnlyList<int> FailedRanks { get; }

    /// <summary>The phase whose gradients were being combined when the failure was agreed.</summary>
    public SamPhase Phase { get; }
}
