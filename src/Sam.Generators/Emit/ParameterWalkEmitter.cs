using System;
using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>A reference to one parameter inside the emitted walk.</summary>
/// <param name="Expression">C# expression that yields the parameter.</param>
/// <param name="Path">The member path for error messages, "[]" marking a collection element.</param>
/// <param name="IndexVariable">The innermost loop index, or null outside collections.</param>
/// <param name="Depth">How many collections enclose the parameter (the number of "[]" in <paramref name="Path"/>).</param>
internal readonly record struct ParameterRef(string Expression, string Path, string? IndexVariable, int Depth = 0)
{
    /// <summary>", \"path\"" or ", \"path\", i0": the trailing arguments of the engine's checked calls.</summary>
    public string PathArguments => IndexVariable is null
        ? ", " + Literals.String(Path)
        : ", " + Literals.String(Path) + ", " + IndexVariable;
}

/// <summary>
/// Emits straight-line code that visits every parameter of a model in declaration order: direct member
/// accesses, one block per sub-module, a for loop per collection (no enumerator, no LINQ, no closure).
/// Each phase of the step supplies the statement written for one parameter.
/// </summary>
internal sealed class ParameterWalkEmitter
{
    private readonly SourceWriter _w;
    private readonly bool _perturbedOnly;
    private readonly bool _lenient;
    private readonly Func<ParameterRef, string> _leaf;
    private readonly LocalNames _names;
    private readonly string? _indexSpan;

    /// <param name="w">The writer.</param>
    /// <param name="perturbedOnly">Skip members under [ExcludeFromPerturbation].</param>
    /// <param name="lenient">Skip null members silently instead of throwing (for Restore, which must never throw).</param>
    /// <param name="leaf">The statement for one parameter.</param>
    /// <param name="names">The method's local-name counter: pattern variables leak into the enclosing block, so
    /// every walk in one method must draw distinct names.</param>
    /// <param name="indexSpan">A Span&lt;int&gt; local into which each loop writes its index at its depth, so a leaf can
    /// pass every enclosing index (not only the innermost); null when the leaf needs none.</param>
    public ParameterWalkEmitter(SourceWriter w, bool perturbedOnly, bool lenient, LocalNames names, Func<ParameterRef, string> leaf, string? indexSpan = null)
    {
        _indexSpan = indexSpan;
        _names = names;
        _w = w;
        _perturbedOnly = perturbedOnly;
        _lenient = lenient;
        _leaf = leaf;
    }

    public void Emit(EquatableArray<ParameterMember> members) => EmitMembers(members, "this", "", null, 0);

    /// <summary>The deepest nesting of collections among <paramref name="members"/>: the length the index span needs.</summary>
    public static int MaxDepth(EquatableArray<ParameterMember> members)
    {
        int max = 0;
        foreach (ParameterMember m in members)
        {
            int d = m.Kind switch
            {
                MemberKind.ParameterCollection => 1,
                MemberKind.Module => MaxDepth(m.Children),
                MemberKind.ModuleCollection => 1 + MaxDepth(m.Children),
                _ => 0,
            };
            max = Math.Max(max, d);
        }

        return max;
    }

    private void EmitMembers(EquatableArray<ParameterMember> members, string receiver, string pathPrefix, string? index, int depth)
    {
        foreach (ParameterMember m in members)
        {
            if (_perturbedOnly && !m.Perturbed)
            {
                continue;
            }

            string access = receiver + "." + Literals.Identifier(m.Name);
            string path = pathPrefix + m.Name;
            switch (m.Kind)
            {
                case MemberKind.Parameter:
                    EmitParameter(access, path, index, depth, m.IsNullable);
                    break;
                case MemberKind.ParameterCollection:
                    EmitCollection(m, access, path, index, depth, element => EmitParameter(element.Expression, element.Path, element.IndexVariable, element.Depth, m.ElementIsNullable));
                    break;
                case MemberKind.Module:
                    EmitModule(m, access, path, index, depth);
                    break;
                case MemberKind.ModuleCollection:
                    EmitCollection(m, access, path, index, depth, element =>
                    {
                        string local = _names.Next("m");
                        OpenNotNull(local, element.Expression, element.Path, element.IndexVariable, m.ElementIsNullable);
                        EmitMembers(m.Children, local, element.Path + ".", element.IndexVariable, element.Depth);
                        _w.Close();
                    });
                    break;
            }
        }
    }

    private void EmitParameter(string access, string path, string? index, int depth, bool nullable)
    {
        if (nullable && !_lenient)
        {
            string local = _names.Next("p");
            _w.Open($"if ({access} is {{ }} {local})");
            _w.Line(_leaf(new ParameterRef(local, path, index, depth)));
            _w.Close();
        }
        else
        {
            _w.Line(_leaf(new ParameterRef(access, path, index, depth)));
        }
    }

    private void EmitModule(ParameterMember m, string access, string path, string? index, int depth)
    {
        string local = _names.Next("m");
        OpenNotNull(local, access, path, index, m.IsNullable);
        EmitMembers(m.Children, local, path + ".", index, depth);
        _w.Close();
    }

    private void EmitCollection(ParameterMember m, string access, string path, string? outerIndex, int depth, Action<ParameterRef> element)
    {
        string c = _names.Next("c");
        string i = _names.Next("i");
        OpenNotNull(c, access, path, outerIndex, m.IsNullable);
        string count = m.Collection == CollectionKind.Array ? "Length" : "Count";
        _w.Open($"for (int {i} = 0; {i} < {c}.{count}; {i}++)");
        if (_indexSpan is not null)
        {
            _w.Line($"{_indexSpan}[{depth}] = {i};");
        }

        element(new ParameterRef($"{c}[{i}]", path + "[]", i, depth + 1));
        _w.Close();
        _w.Close();
    }

    // Opens a block in which `local` holds a non-null value of `expression`: optional (nullable) or lenient
    // members are skipped when null; required ones throw an exception naming the member.
    private void OpenNotNull(string local, string expression, string path, string? index, bool nullable)
    {
        if (nullable || _lenient)
        {
            _w.Open($"if ({expression} is {{ }} {local})");
        }
        else
        {
            string indexArg = index is null ? "" : ", " + index;
            _w.Open("");
            _w.Line($"var {local} = global::Sam.SamEngine.Required({expression}, {Literals.String(path)}{indexArg});");
        }
    }
}

/// <summary>Hands out local names (m0, c1, i2, ...) in one linear pass per generated method, so output is deterministic.</summary>
internal sealed class LocalNames
{
    private int _next;

    public string Next(string prefix) => prefix + _next++;
}
