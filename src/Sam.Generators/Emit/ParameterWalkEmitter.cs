using System;
using System.Collections.Generic;
using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// Emits the parameter walk: the body of <c>VisitParameters</c>, which visits the model's own members in declaration
/// order (direct member accesses, a for loop per collection: no enumerator, no LINQ, no closure), and one private
/// static walk method per sub-module type, called wherever the model holds that type. The generated code therefore
/// grows with the number of members declared, not with the number of paths to them: a binary tree of 13 module
/// types holding 4,096 parameters is 13 short methods.
/// </summary>
/// <remarks>
/// A walk method cannot spell its members' paths as literals, since they depend on where it is called from: it gets
/// the <c>SamWalkPath</c> node of that place and asks it for each path by position, built once and then reused, so a
/// walk allocates nothing after its first pass. Collection indices go into one stackalloc'd span, each loop writing
/// its index at its depth, and every visit passes the indices of all enclosing loops with the "[]" path template
/// (as before; checkpoints key parameters by the formatted path, "Blocks[2].W").
/// </remarks>
internal sealed class ParameterWalkEmitter
{
    /// <summary>The runtime helper the walk calls: null checks that name the member.</summary>
    public const string Walk = "global::Sam.CompilerServices.SamWalk";

    private const string PathType = "global::Sam.CompilerServices.SamWalkPath";
    private const string IndicesName = "indices";

    private readonly SourceWriter _w;
    private readonly string _visitor;
    private readonly string _attribute;
    private readonly List<ModuleWalk> _methods = new();
    private readonly Dictionary<string, List<ModuleWalk>> _byType = new(StringComparer.Ordinal);
    private readonly HashSet<string> _methodNames = new(StringComparer.Ordinal);

    /// <param name="w">The writer.</param>
    /// <param name="visitorType">The name of the visitor's type parameter (free of the model's own).</param>
    /// <param name="attribute">The [GeneratedCode] attribute line.</param>
    public ParameterWalkEmitter(SourceWriter w, string visitorType, string attribute)
    {
        _w = w;
        _visitor = visitorType;
        _attribute = attribute;
    }

    /// <summary>The root static field holding the model's path node, when a sub-module needs one.</summary>
    public const string PathsField = GeneratedMemberNames.PathsField;

    /// <summary>
    /// Writes <c>VisitParameters</c> and after it the walk method of every sub-module type reached, each once, in
    /// the order first met.
    /// </summary>
    public void Emit(EquatableArray<ParameterMember> members)
    {
        int depth = Plan(members);
        bool hasModules = false;
        foreach (ParameterMember m in members)
        {
            hasModules |= m.Kind is MemberKind.Module or MemberKind.ModuleCollection;
        }

        if (hasModules)
        {
            // The model's place in the path tree: one per model type, filled in by the first walk.
            _w.Line(_attribute);
            _w.Line($"private static readonly {PathType} {PathsField} = new();");
            _w.Line();
        }

        _w.Line("/// <inheritdoc cref=\"global::Sam.ISamParameterSource.VisitParameters{TVisitor}(ref TVisitor)\"/>");
        _w.Line(_attribute);
        _w.Line($"public void {GeneratedMemberNames.VisitParameters}<{_visitor}>(ref {_visitor} visitor)");
        _w.Line($"    where {_visitor} : global::Sam.ISamParameterVisitor");
        _w.Open("");
        if (depth > 0)
        {
            _w.Line($"global::System.Span<int> {IndicesName} = stackalloc int[{depth}];");
        }

        new Body(this, Root(depth > 0)).Members(members);
        _w.Close();

        foreach (ModuleWalk method in _methods)
        {
            _w.Line();
            _w.Line(_attribute);
            _w.Line($"private static void {method.Name}<{_visitor}>(ref {_visitor} visitor, {method.Type} module, {PathType} path, global::System.Span<int> {IndicesName}, int depth, bool perturbed)");
            _w.Line($"    where {_visitor} : global::Sam.ISamParameterVisitor");
            _w.Open("");
            new Body(this, InModule).Members(method.Members);
            _w.Close();
        }
    }

    // Registers the walk method of every sub-module type under `members` (each distinct one once) and returns how
    // many collections can enclose a parameter below them: the length of the index span.
    private int Plan(EquatableArray<ParameterMember> members)
    {
        int max = 0;
        foreach (ParameterMember m in members)
        {
            int d = m.Kind switch
            {
                MemberKind.ParameterCollection => 1,
                MemberKind.Module => MethodFor(m).Depth,
                MemberKind.ModuleCollection => 1 + MethodFor(m).Depth,
                _ => 0,
            };
            max = Math.Max(max, d);
        }

        return max;
    }

    // One method per module type and member list: the walker shares a type's member list wherever the type occurs,
    // so the lookup is by reference in practice; a type walked differently (cut short by the depth limit) or spelled
    // with other type-argument nullability gets a method of its own.
    private ModuleWalk MethodFor(ParameterMember module)
    {
        if (!_byType.TryGetValue(module.ModuleType, out List<ModuleWalk>? walks))
        {
            _byType[module.ModuleType] = walks = new List<ModuleWalk>();
        }

        foreach (ModuleWalk walk in walks)
        {
            if (walk.Members.AsImmutableArray() == module.Children.AsImmutableArray() || walk.Members.Equals(module.Children))
            {
                return walk;
            }
        }

        var created = new ModuleWalk(module.ModuleType, module.Children, UniqueName(module.ModuleType));
        walks.Add(created);
        _methods.Add(created);
        created.Depth = Plan(module.Children);
        return created;
    }

    // "__samWalk" + the type's simple name ("global::Demo.Outer.Block<int>" → "__samWalkBlock"), numbered when taken.
    private string UniqueName(string moduleType)
    {
        string name = moduleType.StartsWith("global::", StringComparison.Ordinal) ? moduleType.Substring("global::".Length) : moduleType;
        int open = name.IndexOf('<');
        if (open >= 0)
        {
            name = name.Substring(0, open);
        }

        name = GeneratedMemberNames.WalkMethodPrefix + name.Substring(name.LastIndexOf('.') + 1).Replace("@", "");
        string unique = name;
        for (int n = 2; !_methodNames.Add(unique); n++)
        {
            unique = name + "_" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return unique;
    }

    private static Place Root(bool hasIndices) => new(
        Receiver: "this",
        PathNode: PathsField,
        Depth: offset => offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Indices: offset => offset == 0 ? "default" : $"{IndicesName}.Slice(0, {offset})",
        IndexSpan: hasIndices ? IndicesName : "default",
        Perturbed: excluded => "perturbed: " + Literals.Bool(!excluded),
        ConstantPaths: true);

    private static readonly Place InModule = new(
        Receiver: "module",
        PathNode: "path",
        Depth: offset => offset == 0 ? "depth" : "depth + " + offset.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Indices: offset => offset == 0 ? $"{IndicesName}.Slice(0, depth)" : $"{IndicesName}.Slice(0, depth + {offset})",
        IndexSpan: IndicesName,
        Perturbed: excluded => excluded ? "perturbed: false" : "perturbed",
        ConstantPaths: false);

    /// <summary>A sub-module type's walk method.</summary>
    private sealed class ModuleWalk(string type, EquatableArray<ParameterMember> members, string name)
    {
        public string Type { get; } = type;

        public EquatableArray<ParameterMember> Members { get; } = members;

        public string Name { get; } = name;

        public int Depth { get; set; }
    }

    /// <summary>
    /// Where a member list is walked: in <c>VisitParameters</c> (receiver <c>this</c>, literal paths, constant depth
    /// and perturbation) or in a walk method (receiver <c>module</c>, paths from the node, depth and perturbation
    /// from the caller). Offsets count the collections opened inside the method: 0 or 1.
    /// </summary>
    private sealed record Place(
        string Receiver,
        string PathNode,
        Func<int, string> Depth,
        Func<int, string> Indices,
        string IndexSpan,
        Func<bool, string> Perturbed,
        bool ConstantPaths);

    /// <summary>The statements of one method body: local names and path slots are numbered in one pass.</summary>
    private sealed class Body(ParameterWalkEmitter owner, Place at)
    {
        private readonly SourceWriter _w = owner._w;
        private int _locals;
        private int _memberSlots;
        private int _moduleSlots;

        public void Members(EquatableArray<ParameterMember> members)
        {
            foreach (ParameterMember m in members)
            {
                string access = at.Receiver + "." + m.Identifier;
                bool excluded = !m.Perturbed; // [ExcludeFromPerturbation] applies to everything under the member
                switch (m.Kind)
                {
                    case MemberKind.Parameter:
                        Parameter(access, Path(m.Name), 0, excluded, m.IsNullable);
                        break;
                    case MemberKind.ParameterCollection:
                        Collection(m, access, element => Parameter(element, Path(m.Name + "[]"), 1, excluded, m.ElementIsNullable));
                        break;
                    case MemberKind.Module:
                        Module(m, access, m.Name, 0, excluded, m.IsNullable);
                        break;
                    case MemberKind.ModuleCollection:
                        Collection(m, access, element => Module(m, element, m.Name + "[]", 1, excluded, m.ElementIsNullable));
                        break;
                }
            }
        }

        private void Parameter(string expression, string path, int offset, bool excluded, bool nullable)
        {
            string perturbed = at.Perturbed(excluded);
            if (nullable)
            {
                string local = Local("p");
                _w.Open($"if ({expression} is {{ }} {local})");
                _w.Line($"{Walk}.Visit(ref visitor, {local}, {path}, {at.Indices(offset)}, {perturbed});");
                _w.Close();
            }
            else
            {
                _w.Line($"{Walk}.Visit(ref visitor, {expression}, {path}, {at.Indices(offset)}, {perturbed});");
            }
        }

        private void Module(ParameterMember m, string expression, string name, int offset, bool excluded, bool nullable)
        {
            string method = owner.MethodFor(m).Name;
            string node = $"{at.PathNode}.Module({_moduleSlots++}, {Literals.String(name)})";
            string tail = $"{node}, {at.IndexSpan}, {at.Depth(offset)}, {at.Perturbed(excluded)});";
            if (nullable)
            {
                string local = Local("m");
                _w.Open($"if ({expression} is {{ }} {local})");
                _w.Line($"{method}(ref visitor, {local}, {tail}");
                _w.Close();
            }
            else
            {
                _w.Line($"{method}(ref visitor, {Required(expression, Path(name), offset)}, {tail}");
            }
        }

        private void Collection(ParameterMember m, string access, Action<string> element)
        {
            string c = Local("c");
            string i = Local("i");
            if (m.IsNullable)
            {
                _w.Open($"if ({access} is {{ }} {c})");
            }
            else
            {
                _w.Open("");
                _w.Line($"var {c} = {Required(access, Path(m.Name), 0)};");
            }

            string count = m.Collection == CollectionKind.Array ? "Length" : "Count";
            _w.Open($"for (int {i} = 0; {i} < {c}.{count}; {i}++)");
            _w.Line($"{IndicesName}[{at.Depth(0)}] = {i};");
            element($"{c}[{i}]");
            _w.Close();
            _w.Close();
        }

        // Where a required member is null, the exception names it with the indices of the loops around it.
        private string Required(string expression, string path, int offset)
        {
            string indices = at.Indices(offset);
            return $"{Walk}.Required({expression}, {path}{(indices == "default" ? "" : ", " + indices)})";
        }

        // A member's path: a literal in VisitParameters, else the node's cached string for the next slot.
        private string Path(string name) =>
            at.ConstantPaths ? Literals.String(name) : $"{at.PathNode}.Member({_memberSlots++}, {Literals.String(name)})";

        private string Local(string prefix) => prefix + (_locals++).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
