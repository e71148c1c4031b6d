using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sam.TorchTests;

/// <summary>Running statistics after a SAM step are those of the one forward pass at the trained weights.</summary>
public sealed class RunningStatisticsTests
{
    public RunningStatisticsTests() => Models.SingleThreaded();

    [Fact]
    public void BatchNorm_in_a_ModuleList_with_cumulative_momentum_is_updated_once_per_step_from_the_trained_weights()
    {
        // momentum = null (cumulative average): the "momentum 0 in the second pass" trick would still move it.
        using var model = new ListModel(seed: 5);
        using var twin = new ListModel(seed: 5);
        (Tensor x, Tensor y) = Models.Batches(8, 1, images: true)[0];
        using var sam = new TorchSamOptimizer(model, new SamSettings { Rho = 0.5 }, new Sgd(0.1));
        Assert.Equal(3, sam.RunningStatisticsBuffers);

        sam.SharpnessAwareStep(() => Models.LossAndGradients(model, x, y));
        Models.LossAndGradients(twin, x, y); // one pass at the same (trained) weights

        Dictionary<string, float[]> ours = Tensors.State(model), once = Tensors.State(twin);
        foreach (string name in once.Keys.Where(n => n.Contains("running", StringComparison.Ordinal) || n.Contains("num_batches", StringComparison.Ordinal)))
        {
            Assert.Equal(once[name], ours[name]);
        }
    }

    private sealed class ListModel : Module<Tensor, Tensor>
    {
        private readonly ModuleList<Module<Tensor, Tensor>> layers;
        private readonly Linear fc;

        public ListModel(int seed)
            : base(nameof(ListModel))
        {
            torch.manual_seed(seed);
            BatchNorm2d bn = BatchNorm2d(4);
            bn.momentum = null;
            layers = ModuleList<Module<Tensor, Tensor>>(Conv2d(1, 4, 3, padding: 1, bias: false), bn, ReLU());
            fc = Linear(4 * 8 * 8, Models.Classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            Tensor h = input;
            foreach (Module<Tensor, Tensor> layer in layers)
            {
                h = layer.call(h);
            }

            return fc.call(h.flatten(1));
        }
    }
}
