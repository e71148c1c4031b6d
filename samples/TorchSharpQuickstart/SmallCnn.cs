using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace TorchSharpQuickstart;

/// <summary>Two conv–BatchNorm–ReLU–pool blocks in nn.Sequential and a linear head: 12×12 → 4 classes.</summary>
internal static class SmallCnn
{
    public static Sequential Create(int seed)
    {
        torch.manual_seed(seed);
        return Sequential(
            ("block1", Sequential(("conv", Conv2d(1, 8, 3, padding: 1, bias: false)), ("bn", BatchNorm2d(8)), ("relu", ReLU()), ("pool", MaxPool2d(2)))),
            ("block2", Sequential(("conv", Conv2d(8, 16, 3, padding: 1, bias: false)), ("bn", BatchNorm2d(16)), ("relu", ReLU()), ("pool", MaxPool2d(2)))),
            ("flatten", Flatten()),
            ("head", Linear(16 * 3 * 3, Bars.Classes)));
    }
}
