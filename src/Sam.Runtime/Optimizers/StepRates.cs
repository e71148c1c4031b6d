namespace Sam;

/// <summary>
/// The learning rate and weight decay one parameter steps with: the base optimizer's, or its
/// <see cref="ParameterGroup"/>'s. Computed per parameter by the step walk (a few double operations, no allocation).
/// </summary>
/// <param name="LearningRate">η for this parameter at this step (scheduled).</param>
/// <param name="WeightDecay">λ for this parameter.</param>
internal readonly record struct StepRates(double LearningRate, double WeightDecay);
