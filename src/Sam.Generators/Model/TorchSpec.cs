namespace Sam.Generators.Model;

/// <summary>How the referenced TorchSharp exposes a tensor's gradient.</summary>
internal enum GradientAccess
{
    /// <summary><c>Tensor.grad</c> is a property (TorchSharp 0.102.5 and later).</summary>
    Property,

    /// <summary><c>Tensor.grad()</c> is a method (TorchSharp before 0.102.5).</summary>
    Method,
}

/// <summary>
/// What the TorchSharp backend needs to know about the TorchSharp the user compiles against. The parameters
/// themselves are found at run time (<c>named_parameters()</c>), so this is all the model holds for that backend.
/// </summary>
/// <param name="Gradient">Whether <c>grad</c> is read as a property or called as a method.</param>
internal sealed record TorchSpec(GradientAccess Gradient)
{
    public static TorchSpec Default { get; } = new(GradientAccess.Property);
}
