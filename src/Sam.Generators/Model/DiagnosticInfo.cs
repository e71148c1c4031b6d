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

    /// <summary>The diagnostic at a path-and-span location (not in a syntax tree: #pragma and per-tree severity do not apply).</summary>
    public Diagnostic ToDiagnostic() => ToDiagnostic(static l => l.ToLocation());

    /// <summary>
    /// The diagnostic with its location resolved by <paramref name="resolve"/>; analyzers map it back into the
    /// compilation's syntax tree so #pragma warning disable and .editorconfig severities apply.
    /// </summary>
    public Diagnostic ToDiagnostic(Func<LocationInfo, Location> resolve)
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

        return Diagnostic.Create(descriptor, Location is null ? Microsoft.CodeAnalysis.Location.None : resolve(Location), properties, args);
    }
}
