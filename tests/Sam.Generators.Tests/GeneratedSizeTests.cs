using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// Issue 14: the generated walk is linear in the members declared, not in members × depth. A binary tree of module
/// types (each level holding two of the next) has 2^(levels-1) paths to its parameters; inlining the walk emitted
/// every path (a 13-level tree: 3.4 MB, about a minute to compile), one walk method per sub-module type emits each
/// level once.
/// </summary>
public class GeneratedSizeTests
{
    /// <summary>Net → L1 ×2 → L2 ×2 → … → L(levels-1), which holds one parameter and, inside a list, one more module.</summary>
    public static string BinaryTree(int levels)
    {
        var sb = new StringBuilder("using System.Collections.Generic;\nusing Sam;\nnamespace Tree;\n");
        sb.Append("[SharpnessAware(Rho = 0.05), Sgd(LearningRate = 0.1)]\npublic partial class Net { public L1 Left = new(); public L1 Right = new(); }\n");
        for (int l = 1; l < levels - 1; l++)
        {
            sb.Append($"public sealed class L{l} {{ public L{l + 1} Left = new(); public L{l + 1} Right = new(); }}\n");
        }

        sb.Append($"public sealed class L{levels - 1} {{ public Parameter W = Parameter.Zeros(\"w\", 1); public List<Leaf> Leaves = [new(), new()]; }}\n");
        sb.Append("public sealed class Leaf { [ExcludeFromPerturbation] public Parameter B = Parameter.Zeros(\"b\", 1); }\n");
        return sb.ToString();
    }

    [Fact]
    public void Generated_code_grows_by_a_constant_per_level_of_a_binary_module_tree()
    {
        int[] sizes = [.. Enumerable.Range(8, 4).Select(levels => Assert.Single(GeneratorRunner.Run(BinaryTree(levels)).Sources.Values).Length)];

        // One more level is one more short walk method: the same few hundred bytes each time (the level numbers'
        // digits aside), where inlining doubled the code per level.
        int[] increments = [.. sizes.Zip(sizes.Skip(1), (a, b) => b - a)];
        Assert.All(increments, d => Assert.InRange(d, 1, 1500));
        Assert.True(increments.Max() - increments.Min() <= 16, string.Join(", ", increments));
        Assert.True(sizes[^1] < 20_000, $"an 11-level tree emitted {sizes[^1]} characters");
    }

    [Fact]
    public void A_binary_module_tree_is_walked_through_every_path_with_its_full_member_path()
    {
        GeneratorResult result = GeneratorRunner.Run(BinaryTree(8));
        Assert.Empty(CompilationFactory.Errors(result.Output));
        IReadOnlyList<string> paths = GeneratedModelRunner.Paths(result.Output, "Tree.Net");

        // 2^7 = 128 copies of L7, each with W and two leaves (the leaves' B excluded from the perturbation).
        Assert.Equal(128 * 3, paths.Count);
        Assert.Equal(paths.Count, paths.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("Left.Left.Left.Left.Left.Left.Left.W", paths[0]);
        Assert.Equal("Left.Left.Left.Left.Left.Left.Left.Leaves[1].B (not perturbed)", paths[2]);
        Assert.Equal("Right.Right.Right.Right.Right.Right.Right.Leaves[0].B (not perturbed)", paths[^2]);
        Assert.Contains("Left.Right.Left.Right.Left.Right.Left.W", paths);
    }
}
