using System;
using System.Threading;
using Microsoft.CodeAnalysis;
using Sam.Generators.Model;

namespace Sam.Generators.Diagnostics;

/// <summary>
/// SAM0017: an exception inside the generator or an analyzer becomes a diagnostic naming it, instead of an exception
/// thrown into the compiler (CS8785, AD0001) or a class that silently loses its generated members.
/// </summary>
internal static class InternalErrors
{
    /// <summary>The component names the message uses.</summary>
    public const string Generator = "generator";

    public const string Analyzer = "analyzer";

    /// <summary>The stages at which <see cref="InjectFailures"/> can make a test failure happen.</summary>
    public const string ParseStage = "parse";

    public const string EmitStage = "emit";

    // Tests only: (stage, type name) → the exception to throw there, or null. An AsyncLocal, so a test sets it for
    // its own generator and analyzer runs (which flow its execution context) without touching tests running in parallel.
    private static readonly AsyncLocal<Func<string, string, Exception?>?> s_injected = new();

    /// <summary>The internal-error diagnostic for <paramref name="exception"/> thrown while handling <paramref name="typeName"/>.</summary>
    public static DiagnosticInfo Create(string component, string typeName, Exception exception, LocationInfo? location) =>
        DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, location, component, typeName, exception.GetType().FullName ?? exception.GetType().Name, OneLine(exception.Message));

    /// <summary>Throws the exception a test injected for this stage and type, if any.</summary>
    public static void InjectionPoint(string stage, string typeName)
    {
        if (s_injected.Value is { } inject && inject(stage, typeName) is { } e)
        {
            throw e;
        }
    }

    /// <summary>Makes <see cref="InjectionPoint"/> throw in the current execution context until disposed (tests).</summary>
    public static IDisposable InjectFailures(Func<string, string, Exception?> failure)
    {
        Func<string, string, Exception?>? previous = s_injected.Value;
        s_injected.Value = failure;
        return new Restore(previous);
    }

    private static string OneLine(string message) => message.Replace("\r\n", " ").Replace('\n', ' ').Replace('\r', ' ').Trim();

    private sealed class Restore(Func<string, string, Exception?>? previous) : IDisposable
    {
        public void Dispose() => s_injected.Value = previous;
    }
}
