using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis.CodeFixes;
using Sam.CodeFixes;
using Sam.Generators.Diagnostics;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// Claims the README and docs/attributes.md make about the code, checked against the code: the option tables'
/// types and defaults, the diagnostic range and the ids with code fixes, and where the generated files go.
/// </summary>
public partial class DocumentedClaimsTests
{
    private static readonly string s_root = FindRoot();

    [Theory]
    [InlineData("SharpnessAware", typeof(SharpnessAwareAttribute))]
    [InlineData("Sgd", typeof(SgdAttribute))]
    [InlineData("AdamW", typeof(AdamWAttribute))]
    [InlineData("RhoSchedule(kind)", typeof(RhoScheduleAttribute))]
    [InlineData("RhoSchedule(kind)", typeof(LearningRateScheduleAttribute))]
    public void The_attribute_reference_states_each_options_type_and_default_as_the_attribute_has_them(string section, Type attribute)
    {
        IReadOnlyList<(string Option, string Type, string Default)> rows = OptionRows(section);
        object instance = CreateWithDefaults(attribute);
        var settable = attribute.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true })
            .Select(p => p.Name)
            .ToHashSet();

        Assert.Equal(settable.OrderBy(n => n, StringComparer.Ordinal), rows.Select(r => r.Option).OrderBy(n => n, StringComparer.Ordinal));
        foreach ((string option, string type, string documented) in rows)
        {
            PropertyInfo property = attribute.GetProperty(option)!;
            Assert.True(type == CSharpName(property.PropertyType), $"{attribute.Name}.{option}: documented type {type}, actual {CSharpName(property.PropertyType)}");
            object? actual = property.GetValue(instance);
            Assert.True(SameValue(documented, actual), $"{attribute.Name}.{option}: documented default {documented}, actual {actual}");
        }
    }

    [Fact]
    public void The_readme_names_the_catalogues_id_range_and_exactly_the_ids_with_code_fixes()
    {
        string readme = File.ReadAllText(Path.Combine(s_root, "README.md"));
        Match line = DiagnosticsLine().Match(readme);
        Assert.True(line.Success, "README.md has no '**Diagnostics** SAMxxxx–SAMyyyy (code fixes for …)' line");

        string[] ids = DiagnosticDescriptors.All.Select(d => d.Id).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(ids[0], line.Groups["first"].Value);
        Assert.Equal(ids[^1], line.Groups["last"].Value);

        string[] documentedFixes = Id().Matches(line.Groups["fixes"].Value).Select(m => m.Value).Order(StringComparer.Ordinal).ToArray();
        string[] fixable = typeof(MakePartialCodeFix).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
            .SelectMany(t => ((CodeFixProvider)Activator.CreateInstance(t)!).FixableDiagnosticIds)
            .Distinct()
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(fixable, documentedFixes);
    }

    [Fact]
    public void The_readme_names_the_folder_the_compiler_writes_generated_files_to()
    {
        // The compiler writes generated files to <EmitCompilerGeneratedFiles folder>/<generator assembly>/<generator type>/.
        string readme = File.ReadAllText(Path.Combine(s_root, "README.md"));
        string folder = $"generated/{typeof(SamGenerator).Assembly.GetName().Name}/{typeof(SamGenerator).FullName}/";
        Assert.Contains(folder, readme, StringComparison.Ordinal);
    }

    // The rows of the option table under "## `[section]`": option, type and default, without backticks.
    private static List<(string Option, string Type, string Default)> OptionRows(string section)
    {
        string[] lines = File.ReadAllLines(Path.Combine(s_root, "docs", "attributes.md"));
        int start = Array.FindIndex(lines, l => l.StartsWith("## `[" + section + "]`", StringComparison.Ordinal));
        Assert.True(start >= 0, $"docs/attributes.md has no section for [{section}]");
        var rows = new List<(string, string, string)>();
        for (int i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            string[] cells = lines[i].Split('|');
            if (cells.Length < 4 || !cells[1].TrimStart().StartsWith('`') || cells[1].Contains("(constructor)", StringComparison.Ordinal))
            {
                continue;
            }

            rows.Add((Unquote(cells[1]), Unquote(cells[2]), Unquote(cells[3])));
        }

        Assert.NotEmpty(rows);
        return rows;
    }

    private static string Unquote(string cell) => cell.Trim().Trim('`');

    private static object CreateWithDefaults(Type attribute)
    {
        ConstructorInfo constructor = attribute.GetConstructors().OrderBy(c => c.GetParameters().Length).First();
        object?[] arguments = constructor.GetParameters().Select(p => p.ParameterType.IsValueType ? Activator.CreateInstance(p.ParameterType) : null).ToArray();
        return constructor.Invoke(arguments);
    }

    private static string CSharpName(Type type) => type == typeof(double) ? "double"
        : type == typeof(bool) ? "bool"
        : type == typeof(int) ? "int"
        : type == typeof(long) ? "long"
        : type.Name;

    private static bool SameValue(string documented, object? actual) => actual switch
    {
        bool b => documented == (b ? "true" : "false"),
        Enum e => documented == e.ToString(),
        IConvertible c => double.TryParse(documented, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)
            && d == c.ToDouble(CultureInfo.InvariantCulture),
        _ => false,
    };

    private static string FindRoot()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "Sam.Dsl.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("Sam.Dsl.sln not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"\*\*Diagnostics\*\* (?<first>SAM\d{4})–(?<last>SAM\d{4}) \(code fixes for (?<fixes>[^)]*)\)")]
    private static partial Regex DiagnosticsLine();

    [GeneratedRegex(@"SAM\d{4}")]
    private static partial Regex Id();
}
