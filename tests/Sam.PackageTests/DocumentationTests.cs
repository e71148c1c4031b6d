using System;
using System.IO;
using System.Linq;
using System.Reflection;
using Sam.PackageTests.Infrastructure;
using Xunit;

namespace Sam.PackageTests;

/// <summary>The docs keep up with the code: every attribute option has a row in docs/attributes.md.</summary>
public class DocumentationTests
{
    [Fact]
    public void Every_attribute_and_option_is_in_the_attribute_reference()
    {
        string reference = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "attributes.md"));
        Type[] attributes = typeof(Parameter).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "Sam" && typeof(Attribute).IsAssignableFrom(t))
            .ToArray();
        Assert.NotEmpty(attributes);

        var missing = attributes
            .Where(t => !t.IsAbstract && !reference.Contains("[" + t.Name[..^"Attribute".Length], StringComparison.Ordinal))
            .Select(t => t.Name)
            .Concat(attributes
                .SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
                .Where(p => p.SetMethod is { IsPublic: true } && !reference.Contains("| `" + p.Name + "` |", StringComparison.Ordinal))
                .Select(p => p.DeclaringType!.Name + "." + p.Name))
            .ToArray();
        Assert.True(missing.Length == 0, "docs/attributes.md lacks: " + string.Join(", ", missing));
    }
}
