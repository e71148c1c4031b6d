using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>
/// A grammar of whole (valid C#) projects for the robustness sweep: [SharpnessAware] models with random attribute
/// values (huge, NaN, negative, constant expressions, undefined enums), module graphs that are deep, cyclic or
/// branching (binary trees), generic modules with nullable type arguments, private modules nested in the model, split
/// partial declarations, keyword and case-colliding names and namespaces, file-local models and files marked
/// &lt;auto-generated&gt;. Besides the sources it records what the product must do with each model, for the oracles.
/// </summary>
internal sealed class ProjectGrammar
{
    private static readonly string[] s_doubles =
    [
        "0.05", "0.1", "0.5", "1", "0.9", "0.999", "-1", "0", "-0.0", "1e308", "double.MaxValue", "double.NaN",
        "double.PositiveInfinity", "double.NegativeInfinity", "1.0 / 0", "2 * 0.05", "K.Rho", "K.Rho * K.Rho",
        "(double)float.MaxValue", "3.5e38", "1e-50", "float.Epsilon", "1e20", "1e-3", "(1e20)", "-K.Rho",
    ];

    private static readonly string[] s_longs = ["0", "-1", "100", "1000", "long.MaxValue", "long.MinValue", "K.Steps", "K.Steps * 2", "int.MaxValue"];
    private static readonly string[] s_ints = ["1", "0", "-5", "2", "int.MaxValue", "int.MinValue", "K.Interval"];
    private static readonly string[] s_bools = ["true", "false", "K.Flag", "!K.Flag"];

    private static readonly (string Name, string[] Values)[] s_samArguments =
    [
        ("Rho", s_doubles), ("Normalize", s_bools), ("AsamEta", s_doubles), ("VassoTheta", s_doubles), ("FriendlyLambda", s_doubles),
        ("FriendlySigma", s_doubles), ("GsamAlpha", s_doubles), ("Interval", s_ints), ("BaseOptimizerSteps", s_longs),
        ("BaseOptimizerFraction", s_doubles), ("TotalSteps", s_longs), ("MaxGradientNorm", s_doubles), ("PerturbWeightDecay", s_bools),
        ("Smoothness", s_doubles),
        ("Variant", ["SamVariant.Sam", "SamVariant.Asam", "SamVariant.Vasso", "SamVariant.FriendlySam", "SamVariant.Gsam", "SamVariant.Gcsam", "(SamVariant)99", "(SamVariant)(-1)"]),
        ("Noise", ["GradientNoise.Stochastic", "GradientNoise.Deterministic", "(GradientNoise)7"]),
        ("Landscape", ["LossLandscape.Convex", "LossLandscape.Nonconvex", "LossLandscape.StronglyConvex", "(LossLandscape)9"]),
        ("Expect", ["ExpectedGuarantee.Minimizer", "ExpectedGuarantee.StationaryPoint", "ExpectedGuarantee.Neighbourhood", "(ExpectedGuarantee)4"]),
    ];

    private static readonly (string Name, string[] Values)[] s_sgdArguments =
        [("LearningRate", s_doubles), ("Momentum", s_doubles), ("Dampening", s_doubles), ("WeightDecay", s_doubles), ("Nesterov", s_bools), ("DecoupledWeightDecay", s_bools)];

    private static readonly (string Name, string[] Values)[] s_adamArguments =
        [("LearningRate", s_doubles), ("Beta1", s_doubles), ("Beta2", s_doubles), ("Epsilon", s_doubles), ("WeightDecay", s_doubles), ("Amsgrad", s_bools)];

    private static readonly (string Name, string[] Values)[] s_scheduleArguments =
        [("Exponent", s_doubles), ("Floor", s_doubles), ("TotalSteps", s_longs), ("StepSize", s_longs), ("Gamma", s_doubles), ("WarmupSteps", s_longs)];

    private static readonly string[] s_scheduleKinds = ["ScheduleKind.Constant", "ScheduleKind.Polynomial", "ScheduleKind.Cosine", "ScheduleKind.Step", "(ScheduleKind)(-3)"];

    // Model and module names: case collisions (Net/NET/nET) and keywords. Lower-case-only names provoke CS8981 in the
    // user's own declaration, which the sweep ignores.
    private static readonly string[] s_modelNames = ["Net", "NET", "nET", "@class", "@object", "Model", "MODEL", "@event"];
    private static readonly string[] s_moduleNames = ["Block", "BLOCK", "block", "@struct", "@base", "Layer", "LAYER", "@params"];
    private static readonly string[] s_memberNames = ["W", "w", "B", "b", "@int", "@class", "@this", "Weight", "WEIGHT", "@in", "@out", "Head", "head"];
    private static readonly string[] s_namespaces = ["", ".A.net", ".a.Net", ".@event", ".System.Contoso", ".Microsoft.Contoso.Ml", ".@namespace.@class"];

    private readonly Random _rng;
    private readonly string _root;
    private readonly List<(string Path, StringBuilder Text)> _files = new();
    private readonly HashSet<string> _typeKeys = new(StringComparer.Ordinal);

    // Full names ('@' dropped) of the types and of the namespaces declared so far: a namespace and a type of the same
    // name in the same namespace is CS0101 (project 55 once had class R55P0.@event beside namespace R55P0.@event).
    private readonly HashSet<string> _typeNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _namespaceNames = new(StringComparer.Ordinal);
    private readonly List<string> _modules = new();

    private ProjectGrammar(Random rng, string root)
    {
        _rng = rng;
        _root = root;
    }

    /// <summary>The files of the project.</summary>
    public IReadOnlyList<string> Sources => _files.Select(f => f.Text.ToString()).ToList();

    /// <summary>Models that must get a generated file (partial, not file-local, no generated-name conflict).</summary>
    public int GeneratedModels { get; private set; }

    /// <summary>Models declared without 'partial': each must get SAM0001.</summary>
    public int NonPartialModels { get; private set; }

    /// <summary>File-local models: each must get SAM0018.</summary>
    public int FileLocalModels { get; private set; }

    /// <summary>Models that reach a parameter below the depth limit: each must get SAM0019.</summary>
    public int TooDeepModels { get; private set; }

    /// <summary>A project of a few programs, each under its own root namespace.</summary>
    public static ProjectGrammar Generate(Random rng, string root, int programs)
    {
        var g = new ProjectGrammar(rng, root);
        for (int p = 0; p < programs; p++)
        {
            g.Program(root + "P" + p);
        }

        return g;
    }

    private bool Chance(double p) => _rng.NextDouble() < p;

    private T Pick<T>(IReadOnlyList<T> items) => items[_rng.Next(items.Count)];

    private StringBuilder NewFile(bool autoGenerated)
    {
        var sb = new StringBuilder();
        if (autoGenerated)
        {
            sb.Append(Chance(0.5) ? "// <auto-generated/>\n" : "// <autogenerated>\n// Produced by a tool.\n// </autogenerated>\n");

            // Generated code is nullable-oblivious unless it says otherwise (CS8669).
            sb.Append("#nullable enable\n");
        }

        sb.Append("using System.Collections.Generic;\nusing Sam;\n\n");
        _files.Add(($"{_root}File{_files.Count}.cs", sb));
        return sb;
    }

    private void Program(string ns)
    {
        StringBuilder shared = NewFile(autoGenerated: Chance(0.2));
        shared.Append($"namespace {ns}\n{{\n");
        shared.Append("    public static class K { public const double Rho = 0.05; public const long Steps = 1000; public const int Interval = 2; public const bool Flag = true; }\n");

        // Modules: each holds parameters and may hold other modules, itself included (cycles).
        int moduleCount = _rng.Next(0, 5);
        var modules = new List<string>();
        for (int i = 0; i < moduleCount; i++)
        {
            string name = UniqueType(ns, Pick(s_moduleNames), 0);
            modules.Add(ns + "." + name);
        }

        for (int i = 0; i < modules.Count; i++)
        {
            string name = modules[i].Substring(ns.Length + 1);
            shared.Append($"    public class {name}\n    {{\n");
            Members(shared, name, null, modules, deepChain: null, isModel: false, "        ");
            shared.Append("    }\n");
        }

        // A deep chain D0 → D1 → … (linear: the walk and the generated code stay linear in its length).
        string? chain = null;
        bool chainTooDeep = false;
        if (Chance(0.15))
        {
            int length = _rng.Next(5, 40);
            for (int i = 0; i < length; i++)
            {
                string next = i + 1 < length ? $"public Deep{i + 1} Next = new(); " : "";
                shared.Append($"    public class Deep{i} {{ public Parameter P{i} = Parameter.Zeros(\"p\", 1); {next}}}\n");
            }

            chain = ns + ".Deep0";

            // A model member of type Deep0 is level 1, so Deep{k} is level k + 1: parameters beyond level 32 exist when length > 32.
            chainTooDeep = length > MemberWalkerLimit;
        }

        // A generic module, used with type arguments of either nullability (Gen<string?>, Gen<string>, Gen<T>): the walk
        // method's parameter type must carry them, or passing one is a nullability warning in generated code.
        if (Chance(0.3))
        {
            string gen = UniqueType(ns, "Gen", 1);
            shared.Append($"    public class {gen}<T> {{ public Parameter W = Parameter.Zeros(\"g\", 1); public T? Value; }}\n");
            _generic = ns + "." + gen;
        }
        else
        {
            _generic = null;
        }

        // A branching module graph: every level holds two of the next (one of them sometimes in a list), so the paths
        // double per level while the declarations grow by one line: the generated code must follow the declarations.
        if (Chance(0.25))
        {
            int levels = _rng.Next(3, 10);
            string tree = UniqueType(ns, "Tree", 0);
            for (int l = 0; l < levels; l++)
            {
                string name = l == 0 ? tree : tree + "L" + l;
                string next = tree + "L" + (l + 1);
                string body = l + 1 < levels
                    ? $"public {next} Left = new(); public {(Chance(0.3) ? $"List<{next}> Right = [new()];" : $"{next} Right = new();")}"
                    : "public Parameter W = Parameter.Zeros(\"t\", 1);";
                shared.Append($"    public sealed class {name} {{ {body} }}\n");
            }

            modules.Add(ns + "." + tree);
        }

        shared.Append("}\n");

        int models = _rng.Next(1, 4);
        for (int m = 0; m < models; m++)
        {
            Model(ns + Pick(s_namespaces), modules, chain, chainTooDeep);
        }
    }

    private string? _generic;

    private const int MemberWalkerLimit = 32;

    private void Model(string ns, List<string> modules, string? chain, bool chainTooDeep)
    {
        ns = FreeNamespace(ns);
        bool fileLocal = Chance(0.1);
        bool partial = !Chance(0.1);
        bool split = partial && !fileLocal && Chance(0.25);
        bool generic = Chance(0.2);
        bool nested = !fileLocal && Chance(0.15);
        string name = fileLocal ? UniqueType(ns, "FileNet", 0) : UniqueType(ns, Pick(s_modelNames), generic ? 1 : 0);
        string? typeParameter = generic ? Pick(new[] { "T", "@int", "TCallbackState", "TVisitor" }) : null;
        string typeParameters = generic ? "<" + typeParameter + ">" : "";
        string modifiers = fileLocal ? "file " : "public ";
        string keyword = Chance(0.1) ? "record" : "class";

        StringBuilder file = NewFile(autoGenerated: Chance(0.25));
        file.Append($"namespace {ns}\n{{\n");
        string indent = "    ";
        if (nested)
        {
            file.Append($"    public {(partial ? "partial " : "")}class Outer{name.TrimStart('@')}Container\n    {{\n");
            indent = "        ";
        }

        file.Append(indent).Append(Attributes()).Append('\n');
        file.Append($"{indent}{modifiers}{(partial ? "partial " : "")}{keyword} {name}{typeParameters}\n{indent}{{\n");
        bool conflict = Members(file, name, typeParameter, modules, chain, isModel: true, indent + "    ");
        file.Append(indent).Append("}\n");
        if (nested)
        {
            file.Append("    }\n");
        }

        file.Append("}\n");

        if (split)
        {
            // The other half: no attribute, more members, maybe in a generated file.
            StringBuilder other = NewFile(autoGenerated: Chance(0.5));
            other.Append($"namespace {ns}\n{{\n");
            string otherIndent = "    ";
            if (nested)
            {
                other.Append($"    public partial class Outer{name.TrimStart('@')}Container\n    {{\n");
                otherIndent = "        ";
            }

            other.Append($"{otherIndent}{modifiers}partial {keyword} {name}{typeParameters}\n{otherIndent}{{\n");
            other.Append($"{otherIndent}    public Parameter Split{_files.Count} {{ get; }} = Parameter.Zeros(\"s\", 1);\n");
            other.Append(otherIndent).Append("}\n");
            if (nested)
            {
                other.Append("    }\n");
            }

            other.Append("}\n");
        }

        NonPartialModels += partial ? 0 : 1;
        FileLocalModels += fileLocal ? 1 : 0;
        GeneratedModels += partial && !fileLocal && !conflict ? 1 : 0;

        if (chainTooDeep && _lastMembersUsedChain)
        {
            TooDeepModels++;
        }
    }

    private bool _lastMembersUsedChain;

    // Members of a model or module; true when one is named like a generated member (SAM0005: nothing generated).
    private bool Members(StringBuilder sb, string typeName, string? typeParameter, List<string> modules, string? deepChain, bool isModel, string indent)
    {
        var names = new HashSet<string>(StringComparer.Ordinal) { typeName.TrimStart('@'), typeParameter?.TrimStart('@') ?? "" };
        string Name(string preferred)
        {
            string n = preferred;
            for (int i = 1; !names.Add(n.TrimStart('@')); i++)
            {
                n = preferred.TrimStart('@') + i;
            }

            return n;
        }

        bool conflict = false;
        _lastMembersUsedChain = false;
        int count = _rng.Next(0, 5);
        for (int i = 0; i < count; i++)
        {
            string attribute = Chance(0.1) ? Pick(new[] { "[SamIgnore] ", "[Frozen] ", "[ExcludeFromPerturbation] " }) : "";
            string name = Name(Pick(s_memberNames));
            int kind = _rng.Next(0, 6);
            string field = Initializer();
            switch (kind)
            {
                case 0 or 1:
                    sb.Append($"{indent}{attribute}public Parameter {name}{field}Parameter.Zeros(\"x\", 1);\n");
                    break;
                case 2:
                    sb.Append($"{indent}{attribute}public {Pick(new[] { "Parameter[]", "List<Parameter>", "IReadOnlyList<Parameter>", "Parameter?[]" })} {name}{field}[Parameter.Zeros(\"x\", 1)];\n");
                    break;
                case 3 when modules.Count > 0:
                    sb.Append($"{indent}{attribute}public global::{Pick(modules)}? {name}{field}null;\n");
                    break;
                case 4 when modules.Count > 0:
                    sb.Append($"{indent}{attribute}public {(Chance(0.5) ? "List<global::" + Pick(modules) + ">" : "global::" + Pick(modules) + "[]")} {name}{field}[];\n");
                    break;
                default:
                    sb.Append($"{indent}public int {name}{field}{_rng.Next(0, 3)};\n");
                    break;
            }
        }

        if (deepChain is not null && Chance(0.7))
        {
            sb.Append($"{indent}public global::{deepChain} {Name("Deep")}{Initializer()}new();\n");
            _lastMembersUsedChain = true;
        }

        if (isModel && Chance(0.05))
        {
            // A member named like a generated one: SAM0005, and the generator leaves the class alone.
            sb.Append($"{indent}public void {Sam.Generators.Parsing.GeneratedMemberNames.Perturb}() {{ }}\n");
            conflict = true;
        }

        if (isModel && Chance(0.03))
        {
            // A name in the walk methods' reserved range (__samWalk + a module type's name): SAM0005 too.
            sb.Append($"{indent}private static void {Sam.Generators.Parsing.GeneratedMemberNames.WalkMethodPrefix}{Pick(s_moduleNames).TrimStart('@')}() {{ }}\n");
            conflict = true;
        }

        if (isModel && Chance(0.2))
        {
            // A private module type nested in the model: only the model's own code can name it.
            names.Add("Part");
            sb.Append($"{indent}private sealed class Part {{ public Parameter W = Parameter.Zeros(\"n\", 1); }}\n");
            sb.Append($"{indent}private Part {Name("Inner")} = new();\n");
        }

        if (isModel && _generic is not null && Chance(0.6))
        {
            string argument = typeParameter is not null && Chance(0.4) ? typeParameter : Pick(new[] { "string?", "string", "int", "List<string?>" });
            sb.Append($"{indent}public global::{_generic}<{argument}> {Name("Generic")}{Initializer()}new();\n");
            if (Chance(0.5))
            {
                sb.Append($"{indent}public global::{_generic}<{(argument == "string?" ? "string" : "string?")}>[] {Name("Generics")}{Initializer()}[];\n");
            }
        }

        return conflict;

        string Initializer() => Chance(0.5) ? " { get; } = " : " = ";
    }

    private string UniqueType(string ns, string preferred, int arity)
    {
        string name = preferred;
        for (int i = 1; _namespaceNames.Contains(FullName(ns, name)) || !_typeKeys.Add(ns + "." + name + "`" + arity); i++)
        {
            name = preferred.TrimStart('@') + i;
        }

        _typeNames.Add(FullName(ns, name));
        return name;
    }

    // The namespace with every segment that names an existing type renamed (no random draw: the projects before the
    // first such collision stay as they were), all its prefixes recorded as namespaces.
    private string FreeNamespace(string ns)
    {
        string[] segments = ns.Split('.');
        string prefix = segments[0];
        _namespaceNames.Add(FullName(prefix, null));
        for (int i = 1; i < segments.Length; i++)
        {
            while (_typeNames.Contains(FullName(prefix, segments[i])))
            {
                segments[i] = segments[i].TrimStart('@') + "Ns";
            }

            prefix += "." + segments[i];
            _namespaceNames.Add(FullName(prefix, null));
        }

        return prefix;
    }

    private static string FullName(string ns, string? name) => (name is null ? ns : ns + "." + name).Replace("@", "", StringComparison.Ordinal);

    private string Attributes()
    {
        var sb = new StringBuilder("[SharpnessAware");
        Arguments(sb, s_samArguments, _rng.Next(0, 5), null);
        sb.Append(']');
        switch (_rng.Next(0, 4))
        {
            case 0:
                sb.Append("[Sgd");
                Arguments(sb, s_sgdArguments, _rng.Next(0, 4), null);
                sb.Append(']');
                break;
            case 1:
                sb.Append("[AdamW");
                Arguments(sb, s_adamArguments, _rng.Next(0, 4), null);
                sb.Append(']');
                break;
        }

        if (Chance(0.3))
        {
            sb.Append("[RhoSchedule");
            Arguments(sb, s_scheduleArguments, _rng.Next(0, 3), Pick(s_scheduleKinds));
            sb.Append(']');
        }

        if (Chance(0.3))
        {
            sb.Append("[LearningRateSchedule");
            Arguments(sb, s_scheduleArguments, _rng.Next(0, 3), Pick(s_scheduleKinds));
            sb.Append(']');
        }

        return sb.ToString();
    }

    private void Arguments(StringBuilder sb, (string Name, string[] Values)[] pool, int count, string? positional)
    {
        var chosen = pool.OrderBy(_ => _rng.Next()).Take(count).Select(a => a.Name + " = " + Pick(a.Values)).ToList();
        if (positional is not null)
        {
            chosen.Insert(0, positional);
        }

        if (chosen.Count > 0)
        {
            sb.Append('(').Append(string.Join(", ", chosen)).Append(')');
        }
    }
}
