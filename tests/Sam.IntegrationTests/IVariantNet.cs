using Sam.Runtime.Tests;

namespace Sam.IntegrationTests;

/// <summary>What the variant tests need from a generated model.</summary>
public interface IVariantNet
{
    /// <summary>The generated engine.</summary>
    SamOptimizer Optimizer { get; }

    /// <summary>W, B, Layers[0], Layers[1]: the generator's visiting order.</summary>
    Parameter[] AllParameters();

    /// <summary>One generated SharpnessAwareStep on the test loss.</summary>
    float Train(TestLoss loss);

    /// <summary>One generated MSharpnessStep, part j on <c>parts[j]</c>.</summary>
    float TrainParts(TestLoss[] parts);
}
