namespace Sam.Benchmarks;

/// <summary>
/// The model whose generated members are timed: its layout is a parameter array, so the generated step walks
/// the same tensors SamOptimizer gets. Hyper-parameters match torch_sam_step.py (ρ 0.05, SGD lr 0.01,
/// momentum 0.9, weight decay 5e-4).
/// </summary>
[SharpnessAware(Rho = 0.05)]
[Sgd(LearningRate = 0.01, Momentum = 0.9, WeightDecay = 5e-4)]
public sealed partial class BenchModel
{
    public BenchModel(Parameter[] layers) => Layers = layers;

    public Parameter[] Layers { get; }
}
