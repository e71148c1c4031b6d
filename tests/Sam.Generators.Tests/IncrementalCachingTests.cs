using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

public class IncrementalCachingTests
{
    public static IEnumerable<object[]> TrackingNames =>
        typeof(Sam.Generators.TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => new object[] { (string)f.GetRawConstantValue()! });

    [Fact]
    public void Rerunning_on_an_identical_compilation_caches_every_step()
    {
        CSharpCompilation compilation = CompilationFactory.Create(TestSources.Mlp, TestSources.Dense);
        GeneratorResult first = GeneratorRunner.Run(compilation);
        GeneratorResult second = GeneratorRunner.Run(compilation.Clone(), first.Driver);

        GeneratorRunResult run = second.RunResult.Results.Single();
        foreach (object[] row in TrackingNames)
        {
            string name = (string)row[0];
            Assert.True(run.TrackedSteps.ContainsKey(name), $"step {name} was not tracked");
            foreach (IncrementalGeneratorRunStep step in run.TrackedSteps[name])
            {
                Assert.All(step.Outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{name}: {o.Reason}"));
            }
        }

        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void An_unrelated_new_file_leaves_the_model_cached()
    {
        CSharpCompilation compilation = CompilationFactory.Create(TestSources.Mlp, TestSources.Dense);
        GeneratorResult first = GeneratorRunner.Run(compilation);
        CSharpCompilation edited = compilation.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Demo; public static class Unrelated { public static int X => 1; }", CompilationFactory.ParseOptions, path: "Unrelated.cs"));
        GeneratorRunResult run = GeneratorRunner.Run(edited, first.Driver).RunResult.Results.Single();
        Assert.All(run.TrackedSteps[Sam.Generators.TrackingNames.Models].SelectMany(s => s.Outputs), o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        Assert.All(run.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs), o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
    }

    [Fact]
    public void Pipeline_values_hold_no_compilation_symbol_or_syntax()
    {
        GeneratorRunResult run = GeneratorRunner.Run(TestSources.Mlp, TestSources.Dense).RunResult.Results.Single();
        var ours = TrackingNames.Select(r => (string)r[0]).ToHashSet();
        foreach (IncrementalGeneratorRunStep step in run.TrackedSteps.Where(s => ours.Contains(s.Key)).SelectMany(s => s.Value))
        {
            foreach ((object value, IncrementalStepRunReason _) in step.Outputs)
            {
                AssertNoRoslynObjects(value, new HashSet<object>(ReferenceEqualityComparer.Instance), "output");
            }
        }
    }

    private static void AssertNoRoslynObjects(object? value, HashSet<object> seen, string path)
    {
        if (value is null || value is string || value.GetType().IsPrimitive || value.GetType().IsEnum || !seen.Add(value))
        {
            return;
        }

        Assert.False(value is Compilation or ISymbol or SyntaxNode or SemanticModel or SyntaxTree or Location or AttributeData, $"{path} holds a {value.GetType().Name}");
        if (value is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                AssertNoRoslynObjects(item, seen, $"{path}[{i++}]");
            }
        }

        foreach (FieldInfo f in value.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            AssertNoRoslynObjects(f.GetValue(value), seen, path + "." + f.Name);
        }
    }
}
