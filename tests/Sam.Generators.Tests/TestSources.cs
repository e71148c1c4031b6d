namespace Sam.Generators.Tests;

/// <summary>Model sources shared by several tests.</summary>
public static class TestSources
{
    public const string Dense = """
        using Sam;

        namespace Demo;

        public sealed class Dense
        {
            public Dense(int inputs, int outputs)
            {
                W = Parameter.Zeros("w", outputs, inputs);
                B = Parameter.Zeros("b", outputs);
            }

            public Parameter W { get; }

            [ExcludeFromPerturbation]
            public Parameter B { get; }
        }
        """;

    public const string Mlp = """
        using System.Collections.Generic;
        using Sam;

        namespace Demo;

        [SharpnessAware(Rho = 0.05, Normalize = true)]
        [Sgd(LearningRate = 0.1, Momentum = 0.9, WeightDecay = 5e-4)]
        public partial class Mlp
        {
            public Parameter W1 { get; } = Parameter.Zeros("w1", 4, 3);
            public Parameter B1 { get; } = Parameter.Zeros("b1", 4);
            public Dense Head { get; } = new Dense(4, 2);
            public Dense[] Blocks { get; } = [new Dense(4, 4)];
            public List<Parameter> Extra { get; } = new();
            public Dense? Optional { get; set; }
            [Frozen] public Parameter Embedding { get; } = Parameter.Zeros("emb", 10);

            public float LossAndGradients() => 0f;
        }
        """;
}
