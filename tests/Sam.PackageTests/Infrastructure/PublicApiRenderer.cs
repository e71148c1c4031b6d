using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Sam.PackageTests.Infrastructure;

/// <summary>
/// Renders an assembly's public surface as C#-like text, one type per block, sorted, so that any change to
/// what users can call shows up as a line diff: types (kind, modifiers, base, interfaces, attribute usage),
/// and every public or protected member with its signature, nullability, default values and constants.
/// </summary>
public static class PublicApiRenderer
{
    private const BindingFlags Declared = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<Type, string> s_keywords = new()
    {
        [typeof(void)] = "void", [typeof(bool)] = "bool", [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte",
        [typeof(short)] = "short", [typeof(ushort)] = "ushort", [typeof(int)] = "int", [typeof(uint)] = "uint",
        [typeof(long)] = "long", [typeof(ulong)] = "ulong", [typeof(float)] = "float", [typeof(double)] = "double",
        [typeof(decimal)] = "decimal", [typeof(char)] = "char", [typeof(string)] = "string", [typeof(object)] = "object",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
    };

    public static string Render(Assembly assembly)
    {
        var nullability = new NullabilityInfoContext();
        var sb = new StringBuilder();
        sb.Append("// Public API of ").Append(assembly.GetName().Name).Append(". Regenerate: UPDATE_SNAPSHOTS=1 dotnet test tests/Sam.PackageTests\n");
        foreach (Type type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            sb.Append('\n');
            foreach (string attribute in TypeAttributes(type))
            {
                sb.Append(attribute).Append('\n');
            }

            sb.Append(TypeHeader(type)).Append('\n');
            foreach ((string _, string member) in Members(type, nullability).OrderBy(m => m.SortKey, StringComparer.Ordinal).ThenBy(m => m.Text, StringComparer.Ordinal))
            {
                sb.Append("    ").Append(member).Append('\n');
            }
        }

        return sb.ToString();
    }

    private static string TypeHeader(Type t)
    {
        string kind;
        string modifiers = "";
        if (t.IsEnum)
        {
            kind = "enum";
        }
        else if (t.IsInterface)
        {
            kind = "interface";
        }
        else if (typeof(Delegate).IsAssignableFrom(t))
        {
            MethodInfo invoke = t.GetMethod("Invoke")!;
            return $"public delegate {Name(invoke.ReturnType)} {Name(t)}({Parameters(invoke, new NullabilityInfoContext())});";
        }
        else if (t.IsValueType)
        {
            kind = IsRecord(t) ? "record struct" : "struct";
            modifiers = (t.IsDefined(typeof(IsReadOnlyAttribute)) ? "readonly " : "") + (t.IsByRefLike ? "ref " : "");
        }
        else
        {
            kind = IsRecord(t) ? "record" : "class";
            modifiers = t.IsAbstract && t.IsSealed ? "static " : t.IsAbstract ? "abstract " : t.IsSealed ? "sealed " : "";
        }

        var bases = new List<string>();
        if (t.IsEnum)
        {
            bases.Add(Name(Enum.GetUnderlyingType(t)));
        }
        else if (t.BaseType is { } b && b != typeof(object) && b != typeof(ValueType))
        {
            bases.Add(Name(b));
        }

        if (!t.IsEnum)
        {
            bases.AddRange(t.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).Order(StringComparer.Ordinal));
        }

        return $"public {modifiers}{kind} {Name(t)}{(bases.Count > 0 ? " : " + string.Join(", ", bases) : "")}{Constraints(t.IsGenericTypeDefinition ? t.GetGenericArguments() : [])}";
    }

    private static IEnumerable<string> TypeAttributes(Type t)
    {
        foreach (CustomAttributeData a in t.GetCustomAttributesData().OrderBy(a => a.AttributeType.FullName, StringComparer.Ordinal))
        {
            if (a.AttributeType == typeof(AttributeUsageAttribute) || a.AttributeType == typeof(FlagsAttribute) || a.AttributeType == typeof(ObsoleteAttribute))
            {
                IEnumerable<string> args = a.ConstructorArguments.Select(c => Constant(c.ArgumentType, c.Value))
                    .Concat(a.NamedArguments.Select(n => n.MemberName + " = " + Constant(n.TypedValue.ArgumentType, n.TypedValue.Value)));
                yield return $"[{Name(a.AttributeType)}({string.Join(", ", args)})]";
            }
        }
    }

    private static IEnumerable<(string SortKey, string Text)> Members(Type t, NullabilityInfoContext nullability)
    {
        if (t.IsEnum)
        {
            foreach (FieldInfo f in t.GetFields(BindingFlags.Public | BindingFlags.Static))
            {
                object value = f.GetRawConstantValue()!;
                yield return (Convert.ToInt64(value, CultureInfo.InvariantCulture).ToString("D20", CultureInfo.InvariantCulture), $"{f.Name} = {Convert.ToString(value, CultureInfo.InvariantCulture)}");
            }

            yield break;
        }

        if (typeof(Delegate).IsAssignableFrom(t))
        {
            yield break;
        }

        foreach (ConstructorInfo c in t.GetConstructors(Declared).Where(c => Visible(c, t)))
        {
            yield return ("0", $"{Access(c)}{(c.IsStatic ? "static " : "")}ctor({Parameters(c, nullability)})");
        }

        foreach (MethodInfo m in t.GetMethods(Declared).Where(m => Visible(m, t) && (!m.IsSpecialName || m.Name.StartsWith("op_", StringComparison.Ordinal)) && !m.Name.Contains('<', StringComparison.Ordinal)))
        {
            string generic = m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(Name)) + ">" : "";
            yield return ("1" + m.Name, $"{Access(m)}{Modifiers(m, t)}{TypeName(m.ReturnType, nullability.Create(m.ReturnParameter))} {m.Name}{generic}({Parameters(m, nullability)}){Constraints(m.IsGenericMethodDefinition ? m.GetGenericArguments() : [])}");
        }

        foreach (PropertyInfo p in t.GetProperties(Declared))
        {
            MethodInfo? get = p.GetMethod is { } g && Visible(g, t) ? g : null;
            MethodInfo? set = p.SetMethod is { } s && Visible(s, t) ? s : null;
            MethodInfo? any = get ?? set;
            if (any is null || p.Name.Contains('<', StringComparison.Ordinal))
            {
                continue;
            }

            ParameterInfo[] index = p.GetIndexParameters();
            string name = index.Length == 0 ? p.Name : $"this[{string.Join(", ", index.Select(i => Parameter(i, nullability)))}]";
            bool init = set is not null && set.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            string accessors = (get is null ? "" : AccessorAccess(get, any) + "get; ") + (set is null ? "" : AccessorAccess(set, any) + (init ? "init; " : "set; "));
            yield return ("1" + p.Name, $"{Access(any)}{Modifiers(any, t)}{TypeName(p.PropertyType, nullability.Create(p))} {name} {{ {accessors}}}");
        }

        foreach (FieldInfo f in t.GetFields(Declared).Where(f => (f.IsPublic || (!t.IsSealed && (f.IsFamily || f.IsFamilyOrAssembly))) && !f.Name.Contains('<', StringComparison.Ordinal)))
        {
            string access = f.IsPublic ? "public " : "protected ";
            string text = f.IsLiteral
                ? $"{access}const {Name(f.FieldType)} {f.Name} = {Constant(f.FieldType, f.GetRawConstantValue())}"
                : $"{access}{(f.IsStatic ? "static " : "")}{(f.IsInitOnly ? "readonly " : "")}{TypeName(f.FieldType, nullability.Create(f))} {f.Name}";
            yield return ("1" + f.Name, text);
        }

        foreach (EventInfo e in t.GetEvents(Declared).Where(e => e.AddMethod is { } a && Visible(a, t)))
        {
            yield return ("1" + e.Name, $"{Access(e.AddMethod!)}{Modifiers(e.AddMethod!, t)}event {TypeName(e.EventHandlerType!, nullability.Create(e))} {e.Name}");
        }
    }

    private static bool Visible(MethodBase m, Type t) => m.IsPublic || (!t.IsSealed && (m.IsFamily || m.IsFamilyOrAssembly));

    private static string Access(MethodBase m) => m.IsPublic ? "public " : "protected ";

    private static string AccessorAccess(MethodInfo accessor, MethodInfo property) => accessor.IsPublic == property.IsPublic ? "" : Access(accessor);

    private static string Modifiers(MethodInfo m, Type t)
    {
        if (m.IsStatic)
        {
            return "static ";
        }

        if (t.IsInterface)
        {
            return m.IsAbstract ? "" : "virtual ";
        }

        bool isOverride = m.GetBaseDefinition().DeclaringType != m.DeclaringType;
        if (isOverride)
        {
            return m.IsFinal ? "sealed override " : "override ";
        }

        if (m.IsAbstract)
        {
            return "abstract ";
        }

        return m.IsVirtual && !m.IsFinal ? "virtual " : "";
    }

    private static string Parameters(MethodBase m, NullabilityInfoContext nullability) =>
        string.Join(", ", m.GetParameters().Select(p => Parameter(p, nullability)));

    private static string Parameter(ParameterInfo p, NullabilityInfoContext nullability)
    {
        string prefix = p.IsDefined(typeof(ParamArrayAttribute)) ? "params " : "";
        Type type = p.ParameterType;
        if (type.IsByRef)
        {
            prefix += p.IsOut ? "out " : p.IsIn ? "in " : "ref ";
        }

        string text = $"{prefix}{TypeName(type, nullability.Create(p))} {p.Name}";
        if (p.HasDefaultValue)
        {
            text += " = " + Constant(type, p.RawDefaultValue);
        }

        return text;
    }

    private static string Constraints(Type[] genericArguments)
    {
        var sb = new StringBuilder();
        foreach (Type g in genericArguments)
        {
            var parts = new List<string>();
            GenericParameterAttributes a = g.GenericParameterAttributes;
            if (a.HasFlag(GenericParameterAttributes.ReferenceTypeConstraint))
            {
                parts.Add("class");
            }

            if (a.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
            {
                parts.Add("struct");
            }

            parts.AddRange(g.GetGenericParameterConstraints().Where(c => c != typeof(ValueType)).Select(Name).Order(StringComparer.Ordinal));
            if (a.HasFlag(GenericParameterAttributes.DefaultConstructorConstraint) && !a.HasFlag(GenericParameterAttributes.NotNullableValueTypeConstraint))
            {
                parts.Add("new()");
            }

            if (g.IsByRefLike || (a & (GenericParameterAttributes)0x20) != 0)
            {
                parts.Add("allows ref struct");
            }

            if (parts.Count > 0)
            {
                sb.Append(" where ").Append(g.Name).Append(" : ").Append(string.Join(", ", parts));
            }
        }

        return sb.ToString();
    }

    private static string TypeName(Type type, NullabilityInfo? info)
    {
        if (type.IsByRef)
        {
            return TypeName(type.GetElementType()!, info?.ElementType ?? info);
        }

        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!, info?.ElementType) + "[" + new string(',', type.GetArrayRank() - 1) + "]" + Question(type, info);
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        if (type.IsGenericType && !type.IsGenericTypeDefinition)
        {
            Type[] args = type.GetGenericArguments();
            NullabilityInfo[] argInfo = info?.GenericTypeArguments ?? [];
            string definition = BareName(type);
            string rendered = string.Join(", ", args.Select((a, i) => TypeName(a, i < argInfo.Length ? argInfo[i] : null)));
            return $"{definition}<{rendered}>{Question(type, info)}";
        }

        return Name(type) + Question(type, info);
    }

    // An unconstrained type parameter reports "nullable" whatever the source says; only T? with a class
    // constraint is a declared annotation.
    private static string Question(Type type, NullabilityInfo? info) =>
        !type.IsValueType && info is not null
        && (info.ReadState == NullabilityState.Nullable || info.WriteState == NullabilityState.Nullable)
        && (!type.IsGenericParameter || type.GenericParameterAttributes.HasFlag(GenericParameterAttributes.ReferenceTypeConstraint))
            ? "?"
            : "";

    /// <summary>A type's name without nullability: keywords, namespace-qualified, generic arguments in angle brackets.</summary>
    private static string Name(Type type)
    {
        if (s_keywords.TryGetValue(type, out string? keyword))
        {
            return keyword;
        }

        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        if (type.IsByRef || type.IsPointer)
        {
            return Name(type.GetElementType()!) + (type.IsPointer ? "*" : "");
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[" + new string(',', type.GetArrayRank() - 1) + "]";
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        string bare = BareName(type);
        return type.IsGenericType ? $"{bare}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>" : bare;
    }

    private static string BareName(Type type)
    {
        string name = type.Name;
        int tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick >= 0)
        {
            name = name[..tick];
        }

        if (type.IsNested)
        {
            return BareName(type.DeclaringType!) + "." + name;
        }

        return string.IsNullOrEmpty(type.Namespace) ? name : type.Namespace + "." + name;
    }

    private static string Constant(Type type, object? value)
    {
        Type t = type.IsByRef ? type.GetElementType()! : type;
        return value switch
        {
            null => t.IsValueType && Nullable.GetUnderlyingType(t) is null ? "default" : "null",
            string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
            bool b => b ? "true" : "false",
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
            Type typeOf => $"typeof({Name(typeOf)})",
            _ when (Nullable.GetUnderlyingType(t) ?? t) is { IsEnum: true } e => EnumValue(e, value),
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "null",
        };
    }

    // Named members (AttributeTargets.Field | AttributeTargets.Property), or a cast when no name matches.
    private static string EnumValue(Type e, object value)
    {
        string text = Enum.ToObject(e, value).ToString() ?? "";
        return text.Length == 0 || char.IsDigit(text[0]) || text[0] == '-'
            ? $"({Name(e)}){Convert.ToString(value, CultureInfo.InvariantCulture)}"
            : string.Join(" | ", text.Split(", ").Select(n => Name(e) + "." + n));
    }

    private static bool IsRecord(Type t) =>
        t.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.Instance) is not null
        || (t.IsValueType && t.GetMethod("PrintMembers", BindingFlags.NonPublic | BindingFlags.Instance, [typeof(StringBuilder)]) is not null);
}
