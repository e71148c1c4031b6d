using Sam;

namespace PackageConsumer;

// What a user writes: two attributes on a partial class. The Sam.Dsl generator adds the SAM members.
[SharpnessAware(Rho = 0.05)]
[Sgd(LearningRate = 0.1, Momentum = 0.9)]
public partial class Regression
{
    public Parameter W { get; } = Parameter.Full("w", 0.5f, RegressionLoss.Features);

    [ExcludeFromPerturbation]
    public Parameter B { get; } = Parameter.Zeros("b", 1);

    public float LossAndGradients() => RegressionLoss.Compute(W.Value, B.Value, W.Gradient, B.Gradient);
}
