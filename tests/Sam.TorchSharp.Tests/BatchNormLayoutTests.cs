using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sam.TorchTests;

/// <summary>
/// BatchNorm wherever it sits (the module itself, inside nn.Sequential, in a user module's field, nested user
/// modules inside Sequential, a generated module), through every way of stepping: the running statistics after a
/// SAM step are those of the one forward pass at the trained weights (the perturbed pass's update is discarded).
/// </summary>
public sealed class BatchNormLayoutTests
{
    public BatchNormLayoutTests() => Models.SingleThreaded();

    public static TheoryData<string, string> Layouts()
    {
        var data = new TheoryData<string, string>();
        foreach (string layout in new[] { "batchnorm-itself", "sequential", "user-field", "nested-in-sequential", "generated" })
        {
            foreach (string api in new[] { "SharpnessAwareStep", "first_step/second_step", "step(closure)" })
            {
                data.Add(layout, api);
            }
        }

        return data;
    }

    private static Module<Tensor, Tensor> Build(string layout, int seed)
    {
        torch.manual_seed(seed);
        return layout switch
        {
            "batchnorm-itself" => BatchNorm1d(Models.Classes),
            "sequential" => Sequential(("fc", Linear(16, 8)), ("bn", BatchNorm1d(8)), ("relu", ReLU()), ("out", Linear(8, Models.Classes))),
            "user-field" => new Block(16, Models.Classes),
            "nested-in-sequential" => Sequential(("block", new Block(16, 8)), ("relu", ReLU()), ("head", Sequential(("bn", BatchNorm1d(8)), ("out", Linear(8, Models.Classes))))),
            "generated" => new GeneratedNet(seed),
            _ => throw new ArgumentOutOfRangeException(nameof(layout)),
        };
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Running_statistics_are_updated_once_per_SAM_step_from_the_trained_weights(string layout, string api)
    {
        using Module<Tensor, Tensor> model = Build(layout, 3), twin = Build(layout, 3);
        (Tensor X, Tensor Y)[] batches = Models.Batches(4, 3, images: false);
        if (layout == "batchnorm-itself")
        {
            batches = [.. batches.Select(b => (b.X[.., ..Models.Classes].contiguous(), b.Y))];
        }

        TorchSamOptimizer sam = layout == "generated"
            ? ((GeneratedNet)model).Optimizer
            : new TorchSamOptimizer(model, new SamSettings { Rho = 0.5 }, new Sgd(0.1, 0.9));
        Assert.True(sam.RunningStatisticsBuffers >= 3);

        for (int i = 0; i < batches.Length; i++)
        {
            (Tensor x, Tensor y) = batches[i];
            if (i == 0)
            {
                Models.LossAndGradients(twin, x, y); // one pass at the same trained weights
            }

            switch (api)
            {
                case "SharpnessAwareStep":
                    sam.SharpnessAwareStep(() => Models.LossAndGradients(model, x, y));
                    break;
                case "first_step/second_step":
                    sam.zero_grad();
                    Models.LossAndGradients(model, x, y);
                    sam.first_step(zero_grad: true);
                    Models.LossAndGradients(model, x, y);
                    sam.second_step();
                    break;
                default:
                    sam.step(() =>
                    {
                        Tensor loss = functional.cross_entropy(model.call(x), y);
                        loss.backward();
                        return loss;
                    }).Dispose();
                    break;
            }

            if (i == 0)
            {
                Dictionary<string, float[]> ours = Tensors.State(model), once = Tensors.State(twin);
                string[] statistics = [.. once.Keys.Where(n => n.Contains("running_", StringComparison.Ordinal))];
                Assert.NotEmpty(statistics);
                foreach (string name in statistics)
                {
                    Assert.True(once[name].AsSpan().SequenceEqual(ours[name]), $"{layout}, {api}: {name} is not the trained-weights pass's");
                }
            }
        }

        foreach ((string name, float[] count) in Tensors.State(model).Where(kv => kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)))
        {
            Assert.True(count[0] == batches.Length, $"{layout}, {api}: {name} = {count[0]} after {batches.Length} steps");
        }

        if (layout != "generated")
        {
            sam.Dispose();
        }
    }

    private sealed class Block : Module<Tensor, Tensor>
    {
        private readonly Linear fc;
        private readonly BatchNorm1d bn;

        public Block(int inputs, int outputs)
            : base(nameof(Block))
        {
            fc = Linear(inputs, outputs);
            bn = BatchNorm1d(outputs);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => bn.call(fc.call(input));
    }
}
