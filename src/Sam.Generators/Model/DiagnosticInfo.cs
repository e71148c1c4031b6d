using System;
using Microsoft.CodeAnalysis;

namespace Sam.Generators.Model;

/// <summary>A diagnostic as plain, equatable data: descriptor id, location and message arguments as strings.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, arguments.ToEquatableArray());

    /// <summary>
    /// The diagnostic, located in <paramref name="compilation"/>'s own syntax tree when the file is part of it,
    /// so #pragma suppressions and IDE squiggles work (a path-only location is "external" to the compiler).
    /// </summary>
    public Diagnostic ToDiagnostic(Compilation? compilation = null)
    {
        DiagnosticDescriptor descriptor = Diagnostics.DiagnosticDescriptors.ById(Id)
            ?? throw new InvalidOperationException("Unknown diagnostic id " + Id);
        object[] args = new object[Arguments.Count];
        for (int i = 0; i < args.Length; i++)
        {
            args[i] = Arguments[i];
        }

        return Diagnostic.Create(descriptor, Resolve(compilation), args);
    }

    private Location Resolve(Compilation? compilation)
    {
        if (Location is null)
        {
            return Microsoft.CodeAnalysis.Location.None;
        }

        if (compilation is not null)
        {
            foreach (SyntaxTree tree in compilation.SyntaxTrees)
            {
                if (tree.FilePath == Location.FilePath)
                {
                    return Microsoft.CodeAnalysis.Location.Create(tree, Location.Span);
                }
            }
        }

        return Location.ToLocation();
    }
}
