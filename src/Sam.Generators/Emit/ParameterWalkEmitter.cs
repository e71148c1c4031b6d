using System;
using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>A reference to one parameter inside the emitted walk.</summary>
/// <param name="Expression">C# expression that yields the parameter.</param>
/// <param name="Path">The member path for error messages, "[]" marking a collection element.</param>
/// <param name="Depth">How many collections enclose the parameter (the number of "[]" in <paramref name="Path"/>).</param>
/// <param name="Perturbed">False under <c>[ExcludeFromPerturbation]</c> (on the member or any module above it).</param>
internal readonly record struct ParameterRef(string Expression, string Path, int Depth, bool Perturbed);

/// <summary>
/// Emits straight-line code that visits every parameter of a model in declaration order: direct member
/// accesses, one block per sub-module, a for loop per collection (no enumerator, no LINQ, no closure).
/// The caller supplies the statement written for one parameter.
/// </summary>
internal sealed class ParameterWalkEmitter
{
    private readonly SourceWriter _w;
    private readonly Func<ParameterRef, string> _leaf;
    private readonly LocalNames _names;
    private readonly string? _indexSpan;

    /// <param name="w">The writer.</param>
    /// <param name="names">The method's local-name counter: pattern variables leak into the enclosing block, so
    /// every walk in one method must draw distinct names.</param>
    /// <param name="leaf">The statement for one parameter.</param>
    /// <param name="indexSpan">A Span&lt;int&gt; local into which each loop writes its index at its depth, so a leaf can
    /// pass every enclosing index (not only the innermost); null when no collection encloses a parameter.</param>
    public ParameterWalkEmitter(SourceWriter w, LocalNames names, Func<ParameterRef, string> leaf, string? indexSpan)
    {
        _indexSpan = indexSpan;
        _names = names;
        _w = w;
        _leaf = leaf;
    }

    public void Emit(EquatableArray<ParameterMember> members) => EmitMembers(members, "this", "", 0, perturbed: true);

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

    private void EmitMembers(EquatableArray<ParameterMember> members, string receiver, string pathPrefix, int depth, bool perturbed)
    {
        foreach (ParameterMember m in members)
        {
            string access = receiver + "." + Literals.Identifier(m.Name);
            string path = pathPrefix + m.Name;
            bool p = perturbed && m.Perturbed; // [ExcludeFromPerturbation] applies to everything under the member
            switch (m.Kind)
            {
                case MemberKind.Parameter:
                    EmitParameter(new ParameterRef(access, path, depth, p), m.IsNullable);
                    break;
                case MemberKind.ParameterCollection:
                    EmitCollection(m, access, path, depth, element => EmitParameter(element with { Perturbed = p }, m.ElementIsNullable));
                    break;
                case MemberKind.Module:
                    string local = _names.Next("m");
                    OpenNotNull(local, access, path, depth, m.IsNullable);
                    EmitMembers(m.Children, local, path + ".", depth, p);
                    _w.Close();
                    break;
                case MemberKind.ModuleCollection:
                    EmitCollection(m, access, path, depth, element =>
                    {
                        string module = _names.Next("m");
                        OpenNotNull(module, element.Expression, element.Path, element.Depth, m.ElementIsNullable);
                        EmitMembers(m.Children, module, element.Path + ".", element.Depth, p);
                        _w.Close();
                    });
                    break;
            }
        }
    }

    private void EmitParameter(ParameterRef parameter, bool nullable)
    {
        if (nullable)
        {
            string local = _names.Next("p");
            _w.Open($"if ({parameter.Expression} is {{ }} {local})");
            _w.Line(_leaf(parameter with { Expression = local }));
            _w.Close();
        }
        else
        {
            _w.Line(_leaf(parameter with { Expression = Required(parameter.Expression, parameter.Path, parameter.Depth) }));
        }
    }

    private void EmitCollection(ParameterMember m, string access, string path, int depth, Action<ParameterRef> element)
    {
        string c = _names.Next("c");
        string i = _names.Next("i");
        OpenNotNull(c, access, path, depth, m.IsNullable);
        string count = m.Collection == CollectionKind.Array ? "Length" : "Count";
        _w.Open($"for (int {i} = 0; {i} < {c}.{count}; {i}++)");
        _w.Line($"{_indexSpan}[{depth}] = {i};");
        element(new ParameterRef($"{c}[{i}]", path + "[]", depth + 1, true));
        _w.Close();
        _w.Close();
    }

    // Opens a block in which `local` holds a non-null value of `expression`: optional (nullable) members are
    // skipped when null; required ones throw an exception naming the member.
    private void OpenNotNull(string local, string expression, string path, int depth, bool nullable)
    {
        if (nullable)
        {
            _w.Open($"if ({expression} is {{ }} {local})");
        }
        else
        {
            _w.Open("");
            _w.Line($"var {local} = {Required(expression, path, depth)};");
        }
    }

    private string Required(string expression, string path, int depth) =>
        $"global::Sam.CompilerServices.GeneratedModelSupport.Required({expression}, {Literals.String(path)}{(depth == 0 ? "" : $", {_indexSpan}.Slice(0, {depth})")})";
}

/// <summary>Hands out local names (m0, c1, i2, ...) in one linear pass per generated method, so output is deterministic.</summary>
internal sealed class LocalNames
{
    private int _next;

    public string Next(string prefix) => prefix + _next++;
}
