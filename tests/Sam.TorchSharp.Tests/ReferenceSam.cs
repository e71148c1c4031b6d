using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.TorchTests;

/// <summary>
/// davda54's SAM (github.com/davda54/sam, sam.py) written in TorchSharp tensor ops, the reference the optimizer is
/// checked against: first_step e = ρ·g/(‖g‖ + 1e-12) over all parameters, p += e (old p kept); second_step p = old
/// p, then the base optimizer's step. Running statistics follow davda54's example: BatchNorm momentum 0 during the
/// second forward pass (disable_running_stats / enable_running_stats).
/// </summary>
internal sealed class ReferenceSam(nn.Module model, optim.Optimizer baseOptimizer, double rho)
{
    private readonly List<(TorchParameter P, Tensor Old)> _saved = [];
    private readonly List<(BatchNorm Bn, double? Momentum)> _momenta = [];

    public void FirstStep()
    {
        using var noGrad = torch.no_grad();
        using DisposeScope scope = NewDisposeScope();
        TorchParameter[] ps = [.. model.parameters().Where(p => p.grad is not null)];
        Tensor norm = stack(ps.Select(p => p.grad!.norm(2.0f)).ToArray()).norm(2.0f);
        Tensor scale = rho / (norm + 1e-12);
        foreach (TorchParameter p in ps)
        {
            _saved.Add((p, p.detach().clone().DetachFromDisposeScope()));
            p.add_(p.grad! * scale.to(p.dtype));
        }
    }

    public void SecondStep()
    {
        using (torch.no_grad())
        {
            foreach ((TorchParameter p, Tensor old) in _saved)
            {
                p.copy_(old);
                old.Dispose();
            }
        }

        _saved.Clear();
        baseOptimizer.step();
    }

    public void DisableRunningStats()
    {
        foreach (nn.Module m in model.modules())
        {
            if (m is BatchNorm bn)
            {
                _momenta.Add((bn, bn.momentum));
                bn.momentum = 0;
            }
        }
    }

    public void EnableRunningStats()
    {
        foreach ((BatchNorm bn, double? momentum) in _momenta)
        {
            bn.momentum = momentum;
        }

        _momenta.Clear();
    }

    /// <summary>One SAM step as davda54's README trains: two closures around first_step and second_step.</summary>
    public void Step(System.Func<float> closure)
    {
        baseOptimizer.zero_grad();
        closure();
        FirstStep();
        baseOptimizer.zero_grad();
        DisableRunningStats();
        closure();
        EnableRunningStats();
        SecondStep();
    }
}
