using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.TorchTests;

/// <summary>
/// Every variant and option on a TorchSharp module against the span backend on the same numbers: the same initial
/// weights, and gradients from one deterministic function of the weights (g = 0.5·(w − c) − 0.3·sin w + 0.05·part),
/// fed to the module through autograd as the gradient of Σ w·G, which is G exactly. Same engine, same kernels: the
/// weights, the telemetry and the whole saved optimizer state must be bit-identical.
/// </summary>
public sealed class VariantParityTests
{
    public VariantParityTests() => Models.SingleThreaded();

    private const int Steps = 7;

    public static TheoryData<string> Cases =>
    [
        "sam", "usam", "asam", "asam-biases", "vasso", "friendly", "gsam", "gcsam", "periodic", "switching",
        "m-sharpness", "schedules", "clipping", "perturb-weight-decay", "adamw", "groups", "excluded",
    ];

    private static (SamSettings Settings, BaseOptimizer Optimizer) Config(string name) => name switch
    {
        "sam" => (new SamSettings { Rho = 0.05 }, Momentum()),
        "usam" => (new SamSettings { Rho = 0.05, Normalize = false }, Momentum()),
        "asam" => (new SamSettings { Rho = 0.5, Variant = SamVariant.Asam }, Momentum()),
        "asam-biases" => (new SamSettings { Rho = 0.5, Variant = SamVariant.Asam, AsamScaleBiases = true }, Momentum()),
        "vasso" => (new SamSettings { Rho = 0.05, Variant = SamVariant.Vasso, VassoTheta = 0.4 }, Momentum()),
        "friendly" => (new SamSettings { Rho = 0.05, Variant = SamVariant.FriendlySam }, Momentum()),
        "gsam" => (new SamSettings { Rho = 0.05, Variant = SamVariant.Gsam, GsamAlpha = 0.3 }, Momentum()),
        "gcsam" => (new SamSettings { Rho = 0.05, Variant = SamVariant.Gcsam }, Momentum()),
        "periodic" => (new SamSettings { Rho = 0.05, Interval = 3 }, Momentum()),
        "switching" => (new SamSettings { Rho = 0.05, BaseOptimizerSteps = 3 }, Momentum()),
        "schedules" => (new SamSettings { Rho = 0.1, RhoSchedule = Schedule.Cosine(Steps), LearningRateSchedule = Schedule.StepDecay(2, 0.5, warmupSteps: 1) }, Momentum()),
        "clipping" => (new SamSettings { Rho = 0.05, MaxGradientNorm = 0.1 }, Momentum()),
        "perturb-weight-decay" => (new SamSettings { Rho = 0.05, PerturbWeightDecay = true }, new Sgd(0.05, 0.9, weightDecay: 0.05)),
        "adamw" => (new SamSettings { Rho = 0.05, Variant = SamVariant.Vasso }, new AdamW(0.01, weightDecay: 0.1)),
        "groups" => (new SamSettings { Rho = 0.05, PerturbWeightDecay = true }, new Sgd(0.05, 0.9, weightDecay: 0.05, decoupledWeightDecay: true)),
        _ => (new SamSettings { Rho = 0.05 }, Momentum()),
    };

    private static Sgd Momentum() => new(0.05, 0.9, weightDecay: 5e-3, nesterov: true);

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_torchsharp_module_steps_bit_identically_to_the_span_backend(string name)
    {
        using nn.Module<Tensor, Tensor> module = Models.Mlp(21);
        var options = name switch
        {
            "groups" => new TorchSamOptions().Group("*.bias", learningRate: 0.02, weightDecay: 0),
            "excluded" => new TorchSamOptions().Exclude("fc2.*"),
            _ => null,
        };
        (SamSettings settings, BaseOptimizer torchBase) = Config(name);
        using var torchSam = new TorchSamOptimizer(module, settings, torchBase, options);

        // The span twin: the same names, shapes and initial weights.
        var span = new List<Parameter>();
        var perturbed = new HashSet<Parameter>();
        foreach ((string n, TorchParameter p) in module.named_parameters())
        {
            int[] shape = Array.ConvertAll(p.shape, d => (int)d);
            var q = new Parameter(n, p.data<float>().ToArray(), shape);
            if (name == "groups" && n.EndsWith(".bias", StringComparison.Ordinal))
            {
                q.Group = new ParameterGroup(learningRate: 0.02, weightDecay: 0);
            }

            if (!(name == "excluded" && n.StartsWith("fc2.", StringComparison.Ordinal)))
            {
                perturbed.Add(q);
            }

            span.Add(q);
        }

        var spanSam = new SamOptimizer(span, Config(name).Settings, Config(name).Optimizer, perturbed.Contains);

        for (int step = 0; step < Steps; step++)
        {
            if (name == "m-sharpness")
            {
                torchSam.MSharpnessStep(2, module, 0, static (m, _, part) => TorchGradients(m, part));
                spanSam.MSharpnessStep(2, span, static (ps, part) => SpanGradients(ps, part));
            }
            else
            {
                torchSam.SharpnessAwareStep(() => TorchGradients(module, 0));
                spanSam.SharpnessAwareStep(() => SpanGradients(span, 0));
            }

            Assert.Equal(spanSam.LastStep, torchSam.LastStep);
        }

        foreach (Parameter q in span)
        {
            float[] actual = module.get_parameter(q.Name)!.data<float>().ToArray();
            Assert.True(actual.AsSpan().SequenceEqual(q.TrainedValue), $"{name}: '{q.Name}' differs from the span backend");
        }

        Assert.Equal(Saved(spanSam.SaveState), Saved(torchSam.SaveState));
        Assert.Equal(spanSam.StepCount, torchSam.StepCount);
    }

    private static byte[] Saved(Action<Stream> save)
    {
        using var stream = new MemoryStream();
        save(stream);
        return stream.ToArray();
    }

    private static float Gradient(float w, int i, int part) => (0.5f * (w - (0.1f * ((i % 7) - 3)))) - (0.3f * MathF.Sin(w)) + (0.05f * part);

    private static float TorchGradients(nn.Module module, int part)
    {
        using DisposeScope scope = NewDisposeScope();
        Tensor total = zeros(1);
        foreach ((string _, TorchParameter p) in module.named_parameters())
        {
            float[] w = p.data<float>().ToArray();
            var g = new float[w.Length];
            for (int i = 0; i < w.Length; i++)
            {
                g[i] = Gradient(w[i], i, part);
            }

            total = total + (p * tensor(g).reshape(p.shape)).sum();
        }

        total.backward();
        return 0;
    }

    private static float SpanGradients(IReadOnlyList<Parameter> parameters, int part)
    {
        foreach (Parameter p in parameters)
        {
            ReadOnlySpan<float> w = p.Value;
            Span<float> g = p.Gradient;
            for (int i = 0; i < w.Length; i++)
            {
                g[i] += Gradient(w[i], i, part);
            }
        }

        return 0;
    }
}
