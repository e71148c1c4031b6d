using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.TorchTests;

/// <summary>The efficient variants run on the TorchSharp backend through the same engine.</summary>
public sealed class EfficientVariantTests
{
    public EfficientVariantTests() => Models.SingleThreaded();

    [Fact]
    public void Looksam_on_tensors_matches_its_algorithm_written_in_tensor_ops_and_counts_its_sam_steps()
    {
        const int Steps = 12, K = 3;
        const double Rho = 0.1, Alpha = 0.7, Lr = 0.05;
        using nn.Module<Tensor, Tensor> ours = Models.Mlp(5), reference = Models.Mlp(5);
        (Tensor X, Tensor Y)[] batches = Models.Batches(9, Steps, images: false);
        using var sam = new TorchSamOptimizer(ours, new SamSettings { Rho = Rho, Variant = SamVariant.LookSam, Interval = K, LookSamAlpha = Alpha }, new Sgd(Lr));
        using optim.Optimizer sgd = optim.SGD(reference.parameters(), Lr);
        TorchParameter[] ps = [.. reference.parameters()];
        Tensor[]? gv = null;
        int calls = 0;
        for (int t = 0; t < Steps; t++)
        {
            (Tensor x, Tensor y) = batches[t];
            sam.SharpnessAwareStep(() => { calls++; return Models.LossAndGradients(ours, x, y); });

            // Liu et al. 2022, Algorithm 1, in tensor ops.
            sgd.zero_grad();
            Models.LossAndGradients(reference, x, y);
            using (torch.no_grad())
            {
                Tensor[] g = [.. ps.Select(p => p.grad!.clone())];
                double gg = g.Sum(v => v.pow(2).sum().ToDouble());
                if (t % K == 0)
                {
                    double scale = Rho / Math.Sqrt(gg);
                    Tensor[] e = [.. g.Select(v => v * scale)];
                    for (int i = 0; i < ps.Length; i++)
                    {
                        ps[i].add_(e[i]);
                    }

                    sgd.zero_grad();
                    using (torch.enable_grad())
                    {
                        Models.LossAndGradients(reference, x, y);
                    }

                    for (int i = 0; i < ps.Length; i++)
                    {
                        ps[i].sub_(e[i]);
                    }

                    double dot = ps.Select((p, i) => (p.grad! * g[i]).sum().ToDouble()).Sum();
                    gv = [.. ps.Select((p, i) => p.grad! - (g[i] * (dot / gg)))];
                }
                else
                {
                    double vv = gv!.Sum(v => v.pow(2).sum().ToDouble());
                    double gain = Alpha * Math.Sqrt(gg / vv);
                    for (int i = 0; i < ps.Length; i++)
                    {
                        ps[i].grad!.add_(gv![i] * gain);
                    }
                }
            }

            sgd.step();
        }

        Dictionary<string, float[]> a = Tensors.State(ours), b = Tensors.State(reference);
        double diff = Tensors.MaxRelativeDifference(a, b, out string worst, _ => true);
        Assert.True(diff <= 1e-5, $"relative difference {diff:E2} at {worst}");
        Assert.Equal(Steps / K, sam.SamStepCount);
        Assert.Equal(Steps + (Steps / K), calls);
        Assert.Equal(Steps / K, sam.LastStep.SamSteps);
    }
}
