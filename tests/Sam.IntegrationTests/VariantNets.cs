using System;
using Sam;

namespace Sam.IntegrationTests;

// One model per SAM variant, compiled by the real generator. They share one base class holding a matrix, an
// excluded bias and a list (the generator visits base-class members first), and each exposes its parameters in
// visiting order for the SamOptimizer twin the tests compare against. Only the attributes and the two calls
// into the generated members, whose callbacks are typed by the model, differ.

/// <summary>The parameters every variant net trains (IVariantNet's Optimizer is generated in each derived class).</summary>
public abstract class VariantNet
{
    [SamIgnore] // an alias of the members below, for the SamOptimizer twin
    private Parameter[]? _all;

    public Parameter W { get; } = Parameter.Uniform("w", new Random(1), -1, 1, 6, 5);

    [ExcludeFromPerturbation]
    public Parameter B { get; } = Parameter.Uniform("b", new Random(2), -1, 1, 6);

    public Parameter[] Layers { get; } = [Parameter.Uniform("l0", new Random(3), -1, 1, 3, 4), Parameter.Uniform("l1", new Random(4), -1, 1, 7)];

    public Parameter[] AllParameters() => _all ??= [W, B, Layers[0], Layers[1]];

    public abstract float Train(Runtime.Tests.TestLoss loss);

    public abstract float TrainParts(Runtime.Tests.TestLoss[] parts);
}

[SharpnessAware(Rho = 0.5, Variant = SamVariant.Asam, AsamEta = 0.02)]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public sealed partial class AsamNet : VariantNet, IVariantNet
{
    public override float Train(Runtime.Tests.TestLoss loss) => SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.AllParameters()));

    public override float TrainParts(Runtime.Tests.TestLoss[] parts) => MSharpnessStep(parts.Length, parts, static (m, l, j) => l[j].Accumulate(m.AllParameters()));
}

// AsamScaleBiases: the rank-1 layer l1 is scaled too (davda54/sam's ASAM), read by the generator.
[SharpnessAware(Rho = 0.5, Variant = SamVariant.Asam, AsamEta = 0.02, AsamScaleBiases = true)]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
public sealed partial class AsamBiasesNet : VariantNet, IVariantNet
{
    public override float Train(Runtime.Tests.TestLoss loss) => SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.AllParameters()));

    public override float TrainParts(Runtime.Tests.TestLoss[] parts) => MSharpnessStep(parts.Length, parts, static (m, l, j) => l[j].Accumulate(m.AllParameters()));
}

[SharpnessAware(Rho = 0.2, Variant = SamVariant.Vasso, VassoTheta = 0.2)]
[AdamW(LearningRate = 0.01)]
public sealed partial class VassoNet : VariantNet, IVariantNet
{
    public override float Train(Runtime.Tests.TestLoss loss) => SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.AllParameters()));

    public override float TrainParts(Runtime.Tests.TestLoss[] parts) => MSharpnessStep(parts.Length, parts, static (m, l, j) => l[j].Accumulate(m.AllParameters()));
}

[SharpnessAware(Rho = 0.2, Variant = SamVariant.FriendlySam, FriendlyLambda = 0.8, FriendlySigma = 0.5, PerturbWeightDecay = true)]
[Sgd(LearningRate = 0.05, WeightDecay = 5e-3)]
public sealed partial class FriendlyNet : VariantNet, IVariantNet
{
    public override float Train(Runtime.Tests.TestLoss loss) => SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.AllParameters()));

    public override float TrainParts(Runtime.Tests.TestLoss[] parts) => MSharpnessStep(parts.Length, parts, static (m, l, j) => l[j].Accumulate(m.AllParameters()));
}

[SharpnessAware(Rho = 0.3, Variant = SamVariant.Gsam, GsamAlpha = 0.3, MaxGradientNorm = 0.5)]
[AdamW(LearningRate = 0.01, Amsgrad = true)]
public sealed partial class GsamNet : VariantNet, IVariantNet
{
    public override float Train(Runtime.Tests.TestLoss loss) => SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.AllParameters()));

    public override float TrainParts(Runtime.Tests.TestLoss[] parts) => MSharpnessStep(parts.Length, parts, static (m, l, j) => l[j].Accumulate(m.AllParameters()));
}

[SharpnessAware(Rho = 0.05, Variant = SamVariant.Gcsam, Normalize = false)]
[Sgd(LearningRate = 0.05, Momentum = 0.9, Nesterov = true)]
public sealed partial class GcsamNet : VariantNet, IVariantNet
{
    public override float Train(Runtime.Tests.TestLoss loss) => SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.AllParameters()));

    public override float TrainParts(Runtime.Tests.TestLoss[] parts) => MSharpnessStep(parts.Length, parts, static (m, l, j) => l[j].Accumulate(m.AllParameters()));
}

[SharpnessAware(Rho = 0.2, Interval = 3, BaseOptimizerSteps = 2)]
[Sgd(LearningRate = 0.05, Momentum = 0.9)]
[RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.5, WarmupSteps = 2)]
[LearningRateSchedule(ScheduleKind.Cosine, TotalSteps = 20, Floor = 0.001, WarmupSteps = 3)]
public sealed partial class PeriodicNet : VariantNet, IVariantNet
{
    public override float Train(Runtime.Tests.TestLoss loss) => SharpnessAwareStep(loss, static (m, l) => l.Accumulate(m.AllParameters()));

    public override float TrainParts(Runtime.Tests.TestLoss[] parts) => MSharpnessStep(parts.Length, parts, static (m, l, j) => l[j].Accumulate(m.AllParameters()));
}
