using System;
using System.Collections.Generic;
using Sam;

namespace Sam.IntegrationTests.Models;

/// <summary>A sub-module: one perturbed weight, one bias kept out of the perturbation.</summary>
public sealed class Block
{
    public Block(string name, int inputs, int outputs, Random random)
    {
        W = Parameter.Uniform(name + ".w", random, -1, 1, outputs, inputs);
        B = Parameter.Uniform(name + ".b", random, -1, 1, outputs);
    }

    public Parameter W { get; }

    [ExcludeFromPerturbation]
    public Parameter B { get; }
}

/// <summary>Every member shape the generator visits: direct, sub-module, arrays, lists, optional, frozen.</summary>
[SharpnessAware(Rho = 0.05, Normalize = true)]
[Sgd(LearningRate = 0.05, Momentum = 0.9, WeightDecay = 5e-3)]
public partial class DeepModel
{
    [SamIgnore] // an alias of parameters reached through the other members
    private readonly Parameter[] _trained;

    public DeepModel(int seed, bool withOptional)
    {
        var r = new Random(seed);
        int width = 3 + r.Next(40);
        Stem = Parameter.Uniform("stem", r, -1, 1, width, 5);
        Head = new Block("head", width, 1 + r.Next(5), r);
        Blocks = new Block[1 + r.Next(3)];
        for (int i = 0; i < Blocks.Length; i++)
        {
            Blocks[i] = new Block("block" + i, width, width, r);
        }

        Extras = [Parameter.Uniform("extra0", r, -1, 1, 17 * 1024 + r.Next(100)), Parameter.Uniform("extra1", r, -1, 1, 1 + r.Next(10))];
        Optional = withOptional ? new Block("optional", 2, 2, r) : null;
        Frozen = Parameter.Uniform("frozen", r, -1, 1, 4);

        var trained = new List<Parameter> { Stem, Head.W, Head.B };
        foreach (Block b in Blocks)
        {
            trained.Add(b.W);
            trained.Add(b.B);
        }

        trained.AddRange(Extras);
        if (Optional is not null)
        {
            trained.Add(Optional.W);
            trained.Add(Optional.B);
        }

        _trained = [.. trained];
    }

    public Parameter Stem { get; }

    public Block Head { get; set; }

    public Block[] Blocks { get; }

    public List<Parameter> Extras { get; }

    public Block? Optional { get; set; }

    [Frozen]
    public Parameter Frozen { get; }

    /// <summary>The trained parameters in the generator's visiting order (for SamOptimizer and the reference).</summary>
    public Parameter[] Trained => _trained;

    /// <summary>Whether each trained parameter is perturbed (biases are not).</summary>
    public bool[] PerturbedMask()
    {
        var mask = new bool[_trained.Length];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = !_trained[i].Name.EndsWith(".b", StringComparison.Ordinal);
        }

        return mask;
    }
}

/// <summary>A generic model nested in a static class.</summary>
public static partial class Outer
{
    [SharpnessAware(Rho = 0.1, Normalize = false)]
    [Sgd(LearningRate = 0.1, Momentum = 0.5, Nesterov = true, DecoupledWeightDecay = true, WeightDecay = 0.01)]
    public partial class GenericModel<T>
        where T : struct
    {
        public T Tag { get; set; }

        public IReadOnlyList<Parameter> Layers { get; init; } = [];
    }
}
