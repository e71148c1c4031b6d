using System.Linq;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.Benchmarks;

/// <summary>
/// What a TorchSharp user would otherwise write: davda54's SAM (sam.py) in tensor ops over torch.optim.SGD.
/// first_step: e = ρ·g/(‖g‖ + 1e-12), old p saved, p += e; second_step: p = old p, base step.
/// </summary>
internal sealed class NaiveTorchSam(TorchParameter[] parameters, double rho, optim.Optimizer baseOptimizer)
{
    private readonly Tensor[] _old = [.. parameters.Select(p => p.detach().clone().DetachFromDisposeScope())];

    public void FirstStep()
    {
        using var noGrad = torch.no_grad();
        using DisposeScope scope = NewDisposeScope();
        Tensor norm = stack(parameters.Select(p => p.grad!.norm(2.0f)).ToArray()).norm(2.0f);
        Tensor scale = rho / (norm + 1e-12);
        for (int i = 0; i < parameters.Length; i++)
        {
            _old[i].copy_(parameters[i]);
            parameters[i].add_(parameters[i].grad! * scale);
        }
    }

    public void SecondStep()
    {
        using (torch.no_grad())
        {
            for (int i = 0; i < parameters.Length; i++)
            {
                parameters[i].copy_(_old[i]);
            }
        }

        baseOptimizer.step();
    }
}
