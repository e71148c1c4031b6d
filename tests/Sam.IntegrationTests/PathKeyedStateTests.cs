using System;
using System.IO;
using Sam.Runtime.Tests;
using Xunit;

namespace Sam.IntegrationTests;

/// <summary>A layer whose weight and bias are named like every other layer's, as most hand-written models do.</summary>
public sealed class SameNamedLayer(int seed)
{
    public Parameter W { get; } = Parameter.Uniform("w", new Random(seed), -1f, 1f, 6);

    public Parameter B { get; } = Parameter.Uniform("b", new Random(seed + 100), -1f, 1f, 2);
}

[SharpnessAware(Rho = 0.1)]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public sealed partial class SameNamedNet(int seed)
{
    public SameNamedLayer[] Layers { get; } = [new(seed), new(seed + 1), new(seed + 2)];

    public Parameter[] All => [Layers[0].W, Layers[0].B, Layers[1].W, Layers[1].B, Layers[2].W, Layers[2].B];
}

/// <summary>Optimizer state is keyed by member path, so parameters that share a name save, load and resume exactly.</summary>
public class PathKeyedStateTests
{
    [Fact]
    public void Parameters_with_the_same_name_save_and_resume_their_momentum_by_member_path()
    {
        var loss = new TestLoss([6, 2, 6, 2, 6, 2], 4);
        var net = new SameNamedNet(1);
        for (int i = 0; i < 5; i++)
        {
            net.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.All));
        }

        var checkpoint = new MemoryStream();
        SamCheckpoint.Save(checkpoint, net, net.Optimizer);
        for (int i = 0; i < 5; i++)
        {
            net.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.All));
        }

        var resumed = new SameNamedNet(99);
        checkpoint.Position = 0;
        SamCheckpoint.Load(checkpoint, resumed, resumed.Optimizer);
        for (int i = 0; i < 5; i++)
        {
            resumed.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.All));
        }

        Assert.Empty(resumed.Optimizer.UnboundStatePaths);
        for (int i = 0; i < net.All.Length; i++)
        {
            Assert.Equal(net.All[i].TrainedValue.ToArray(), resumed.All[i].TrainedValue.ToArray());
        }
    }

    [Fact]
    public void Loaded_state_waits_under_each_member_path_until_a_step_reaches_it()
    {
        var loss = new TestLoss([6, 2, 6, 2, 6, 2], 4);
        var net = new SameNamedNet(1);
        net.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.All));
        var state = new MemoryStream();
        net.Optimizer.SaveState(state);

        var fresh = new SameNamedNet(1);
        state.Position = 0;
        fresh.Optimizer.LoadState(state);
        Assert.Equal(["Layers[0].B", "Layers[0].W", "Layers[1].B", "Layers[1].W", "Layers[2].B", "Layers[2].W"], [.. System.Linq.Enumerable.Order(fresh.Optimizer.UnboundStatePaths, StringComparer.Ordinal)]);
    }
}
