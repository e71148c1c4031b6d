using System.Collections.Generic;
using Sam.Generators.Model;

namespace Sam.Generators.Emit;

/// <summary>Names for the type parameters of generated generic methods.</summary>
internal static class TypeParameterNames
{
    /// <summary>The callback state's type parameter of SharpnessAwareStep.</summary>
    public static string CallbackState(TypeHierarchy hierarchy) => Free(hierarchy, "TCallbackState");

    /// <summary>The visitor's type parameter of VisitParameters.</summary>
    public static string Visitor(TypeHierarchy hierarchy) => Free(hierarchy, "TVisitor");

    /// <summary>
    /// <paramref name="name"/>, or that name with trailing underscores when the model or a containing type already
    /// declares a type parameter of that name (CS0693, an error under warnings-as-errors).
    /// </summary>
    private static string Free(TypeHierarchy hierarchy, string name)
    {
        var taken = new HashSet<string>();
        foreach (ContainingType t in hierarchy.Types)
        {
            int open = t.NameWithTypeParameters.IndexOf('<');
            if (open < 0)
            {
                continue;
            }

            string list = t.NameWithTypeParameters.Substring(open + 1, t.NameWithTypeParameters.Length - open - 2);
            foreach (string p in list.Split(','))
            {
                taken.Add(p.Trim());
            }
        }

        while (taken.Contains(name))
        {
            name += "_";
        }

        return name;
    }
}
