using System;

namespace Sam;

/// <summary>An MPI call returned an error code (the communicator reports errors instead of aborting the job).</summary>
public sealed class MpiException : Exception
{
    /// <summary>Creates the exception with a generic message.</summary>
    public MpiException()
        : this("An MPI call failed.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">The message.</param>
    public MpiException(string? message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public MpiException(string? message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for an MPI error code.</summary>
    /// <param name="function">The MPI function that failed, e.g. "MPI_Reduce".</param>
    /// <param name="errorCode">Its return code.</param>
    /// <param name="description">MPI_Error_string's text for the code.</param>
    public MpiException(string function, int errorCode, string description)
        : base($"{function} failed with MPI error {errorCode}: {description}")
    {
        Function = function;
        ErrorCode = errorCode;
    }

    /// <summary>The MPI function that failed (empty when not given).</summary>
    public string Function { get; } = "";

    /// <summary>Its return code (0 when not given).</summary>
    public int ErrorCode { get; }
}
