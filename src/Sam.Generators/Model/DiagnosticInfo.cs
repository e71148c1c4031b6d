using System;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace Sam.Generators.Model;

/// <summary>
/// A diagnostic as plain, equatable data: descriptor id, location and message arguments as strings, plus
/// "key=value" properties that code fixes read (e.g. the exponent a schedule fix writes).
/// </summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments, EquatableArray<string> Properties = default)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor.Id, location, arguments.ToEquatableArray());

    /// <summary>This diagnostic with one more property for code fixes.</summary>
    public DiagnosticInfo WithProperty(string key, string value) =>
        this with { Properties = Properties.AsImmutableArray().Add(key + "=" + value).ToEquatableArray() };

    /// <summary>
    /// The diagnostic, located in <paramref name="compilation"/>'s own syntax tree when the file is part of it,
    /// so #pragma suppressions, .editorconfig severities and IDE squiggles work (a path-only location is
    /// "external" to the compiler).
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

        ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty;
        foreach (string p in Properties)
        {
            int eq = p.IndexOf('=');
            properties = properties.SetItem(p.Substring(0, eq), p.Substring(eq + 1));
        }

        return Diagnostic.Create(descriptor, Resolve(compilation), properties, args);
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
                if (tree.FilePath == Location.FilePath && Location.Span.End <= tree.Length)
                {
                    return Microsoft.CodeAnalysis.Location.Create(tree, Location.Span);
                }
            }
        }

        return Location.ToLocation();
    }
}
