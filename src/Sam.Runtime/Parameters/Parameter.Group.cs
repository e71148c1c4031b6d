namespace Sam;

public sealed partial class Parameter
{
    /// <summary>
    /// The parameter group whose learning rate and weight decay this parameter steps with (as a <c>torch.optim</c>
    /// param group); null, the default, uses the base optimizer's. Read at every step, so it can be changed between
    /// steps. With <see cref="SamSettings.PerturbWeightDecay"/> the group's weight decay is also the one added to
    /// the perturbation direction.
    /// </summary>
    public ParameterGroup? Group { get; set; }
}
