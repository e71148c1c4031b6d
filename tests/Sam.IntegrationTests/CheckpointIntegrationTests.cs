using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Sam.IntegrationTests.Models;
using Sam.Runtime.Tests;
using Xunit;

namespace Sam.IntegrationTests;

/// <summary>
/// Checkpoints of generated models: save weights (through the generated VisitParameters) and optimizer state after
/// N steps, continue M steps; a fresh model that loads them and takes the same M steps ends bitwise identical.
/// </summary>
public class CheckpointIntegrationTests
{
    public static TheoryData<string> Models() => new() { "Asam", "Vasso", "Friendly", "Gsam", "Gcsam", "Periodic" };

    [Theory]
    [MemberData(nameof(Models))]
    public void A_resumed_generated_model_is_bitwise_identical_to_the_uninterrupted_one(string name)
    {
        IVariantNet net = Create(name);
        var loss = new TestLoss(net.AllParameters().Select(p => p.Length).ToArray(), 11);
        Train(net, loss, 7);
        var checkpoint = new MemoryStream();
        SamCheckpoint.SaveWeights(checkpoint, (ISamParameterSource)net);
        net.Optimizer.SaveState(checkpoint);
        Train(net, loss, 6);

        IVariantNet resumed = Create(name);
        foreach (Parameter p in resumed.AllParameters())
        {
            p.LoadValues(new float[p.Length]);
        }

        checkpoint.Position = 0;
        SamCheckpoint.LoadWeights(checkpoint, (ISamParameterSource)resumed);
        resumed.Optimizer.LoadState(checkpoint);
        Train(resumed, loss, 6);

        Assert.Equal(net.Optimizer.LastStep, resumed.Optimizer.LastStep);
        AssertBitwiseEqual(net.AllParameters(), resumed.AllParameters());
    }

    [Fact]
    public void A_resumed_deep_model_with_sub_modules_and_collections_is_bitwise_identical()
    {
        var model = new DeepModel(5, withOptional: true);
        var loss = new TestLoss(model.Trained.Select(p => p.Length).ToArray(), 12);
        for (int i = 0; i < 4; i++)
        {
            model.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.Trained));
        }

        var checkpoint = new MemoryStream();
        SamCheckpoint.SaveWeights(checkpoint, model);
        model.Optimizer.SaveState(checkpoint);
        for (int i = 0; i < 4; i++)
        {
            model.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.Trained));
        }

        var resumed = new DeepModel(5, withOptional: true);
        foreach (Parameter p in resumed.Trained)
        {
            p.LoadValues(new float[p.Length]);
        }

        checkpoint.Position = 0;
        SamCheckpoint.LoadWeights(checkpoint, resumed);
        resumed.Optimizer.LoadState(checkpoint);
        for (int i = 0; i < 4; i++)
        {
            resumed.SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.Trained));
        }

        AssertBitwiseEqual(model.Trained, resumed.Trained);
        Assert.Empty(resumed.Optimizer.UnboundStatePaths);

        // The optional block is part of the checkpoint: a model without it is told which path it lacks.
        checkpoint.Position = 0;
        var smaller = new DeepModel(5, withOptional: false);
        Assert.Contains("'Optional.W'", Assert.Throws<InvalidOperationException>(() => SamCheckpoint.LoadWeights(checkpoint, smaller)).Message);
    }

    [Fact]
    public void VisitParameters_gives_every_trained_parameter_with_its_indexed_path_and_allocates_nothing()
    {
        var model = new DeepModel(6, withOptional: true);
        var names = new NameCollector();
        model.VisitParameters(ref names);
        Assert.Equal(model.Trained, names.Parameters);
        Assert.Equal("Stem", names.Paths[0]);
        Assert.Equal("Head.W", names.Paths[1]);
        Assert.Equal("Blocks[0].W", names.Paths[3]);
        Assert.Contains("Extras[1]", names.Paths);
        Assert.Equal("Optional.B", names.Paths[^1]);
        Assert.DoesNotContain(names.Parameters, p => p == model.Frozen);

        var counter = new Counter();
        model.VisitParameters(ref counter);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            model.VisitParameters(ref counter);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(101 * model.Trained.Length, counter.Count);
        Assert.True(counter.Elements > 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Generated_steps_allocate_nothing_after_a_load(string name)
    {
        IVariantNet net = Create(name);
        var loss = new TestLoss(net.AllParameters().Select(p => p.Length).ToArray(), 3);
        Train(net, loss, 3);
        var state = new MemoryStream();
        net.Optimizer.SaveState(state);

        IVariantNet resumed = Create(name);
        state.Position = 0;
        resumed.Optimizer.LoadState(state);
        Assert.Equal(0, AllocationMeter.BytesOverSteps(() => resumed.Train(loss), steps: 50));
    }

    private static IVariantNet Create(string name) => name switch
    {
        "Asam" => new AsamNet(),
        "Vasso" => new VassoNet(),
        "Friendly" => new FriendlyNet(),
        "Gsam" => new GsamNet(),
        "Gcsam" => new GcsamNet(),
        _ => new PeriodicNet(),
    };

    private static void Train(IVariantNet net, TestLoss loss, int steps)
    {
        for (int i = 0; i < steps; i++)
        {
            net.Train(loss);
        }
    }

    private static void AssertBitwiseEqual(Parameter[] expected, Parameter[] actual)
    {
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.True(
                MemoryMarshal.AsBytes(expected[k].TrainedValue).SequenceEqual(MemoryMarshal.AsBytes(actual[k].TrainedValue)),
                $"parameter {expected[k].Name} differs after resuming");
        }
    }

    // A class visitor works too (by ref to the reference).
    private sealed class NameCollector : ISamParameterVisitor
    {
        public List<string> Paths { get; } = [];

        public List<Parameter> Parameters { get; } = [];

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            Paths.Add(SamCheckpoint.FormatPath(memberPath, indices));
            Parameters.Add(parameter);
        }
    }

    private struct Counter : ISamParameterVisitor
    {
        public int Count;
        public long Elements;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            Count++;
            Elements += parameter.Length + indices.Length;
        }
    }
}
