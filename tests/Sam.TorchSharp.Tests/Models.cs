using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Sam.TorchTests;

/// <summary>The models the tests train: each built from a seed, so two calls give identical twins.</summary>
internal static class Models
{
    public const int Classes = 3;

    public static Module<Tensor, Tensor> Mlp(int seed)
    {
        torch.manual_seed(seed);
        return Sequential(("fc1", Linear(16, 12)), ("relu", ReLU()), ("fc2", Linear(12, Classes)));
    }

    /// <summary>A CNN whose BatchNorm2d is a field of a user module.</summary>
    public static Module<Tensor, Tensor> CnnWithBatchNormField(int seed)
    {
        torch.manual_seed(seed);
        return new SmallCnn();
    }

    /// <summary>The same layers, BatchNorm2d inside nn.Sequential (what a model written as a script looks like).</summary>
    public static Module<Tensor, Tensor> CnnWithBatchNormInSequential(int seed)
    {
        torch.manual_seed(seed);
        return Sequential(
            ("features", Sequential(
                ("conv", Conv2d(1, 4, 3, padding: 1, bias: false)),
                ("bn", BatchNorm2d(4)),
                ("relu", ReLU()),
                ("pool", MaxPool2d(2)))),
            ("flatten", Flatten()),
            ("fc", Linear(4 * 4 * 4, Classes)));
    }

    /// <summary>
    /// One intra-op thread: the test machine is shared, and the tiny tensors here run fastest on one (libtorch's
    /// default of one thread per core only adds contention when test classes run in parallel).
    /// </summary>
    public static void SingleThreaded() => torch.set_num_threads(1);

    /// <summary>Batches of 8×8 one-channel images (or 16 features) with labels, from a seed.</summary>
    public static (Tensor X, Tensor Y)[] Batches(int seed, int count, bool images, int batchSize = 16)
    {
        torch.manual_seed(seed);
        var batches = new (Tensor, Tensor)[count];
        for (int i = 0; i < count; i++)
        {
            Tensor x = images ? randn(batchSize, 1, 8, 8) : randn(batchSize, 16);
            Tensor y = randint(0, Classes, batchSize, dtype: ScalarType.Int64);
            batches[i] = (x.DetachFromDisposeScope(), y.DetachFromDisposeScope());
        }

        return batches;
    }

    /// <summary>Forward + backward on one batch; returns the loss. Every temporary is disposed.</summary>
    public static float LossAndGradients(Module<Tensor, Tensor> model, Tensor x, Tensor y)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor loss = functional.cross_entropy(model.call(x), y);
        loss.backward();
        return loss.to(ScalarType.Float32).item<float>(); // a float64 or bfloat16 model's loss too
    }

    private sealed class SmallCnn : Module<Tensor, Tensor>
    {
        // No bias before BatchNorm (as in ResNets): BN cancels it, its gradient is rounding noise.
        private readonly Conv2d conv1 = Conv2d(1, 4, 3, padding: 1, bias: false);
        private readonly BatchNorm2d bn1 = BatchNorm2d(4);
        private readonly Linear fc = Linear(4 * 4 * 4, Classes);

        public SmallCnn()
            : base(nameof(SmallCnn)) => RegisterComponents();

        public override Tensor forward(Tensor input)
        {
            Tensor h = functional.max_pool2d(functional.relu(bn1.call(conv1.call(input))), 2);
            return fc.call(h.flatten(1));
        }
    }
}
