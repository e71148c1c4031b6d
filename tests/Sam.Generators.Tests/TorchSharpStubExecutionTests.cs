using System;
using System.IO;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// Runs the generated TorchSharp backend on the stub's flat float tensors: SAM steps on a quadratic loss with
/// hand-computed gradients, compared with a plain-array SAM + torch.optim.SGD written here; a frozen parameter
/// (null gradient) is skipped; the running statistics are frozen for the perturbed pass; NaN gradients throw,
/// naming the parameter, and leave the weights as they were. This checks the generated control flow and update
/// rules; the real TorchSharp test (<see cref="RealTorchSharpTests"/>) checks the calls against libtorch.
/// </summary>
public class TorchSharpStubExecutionTests
{
    private const double Tolerance = 1e-5;

    private const string Driver = """
        using System;
        using System.Collections.Generic;
        using System.Linq;
        using TorchSharp;
        using TorchSharp.Modules;
        using Sam;
        using Parameter = TorchSharp.Modules.Parameter;
        using static TorchSharp.torch;

        namespace StubRun
        {
            public abstract class QuadraticNet : nn.Module<Tensor, Tensor>
            {
                // Protected: TorchSharp registers fields found by GetType().GetFields(), which omits a base's private ones.
                protected readonly Linear fc;
                protected readonly BatchNorm1d norm;
                protected readonly Parameter frozen;

                protected QuadraticNet(string name)
                    : base(name)
                {
                    fc = nn.Linear(3, 2);
                    norm = nn.BatchNorm1d(2);
                    frozen = nn.Parameter(torch.tensor(new float[] { 1f, 2f }), requires_grad: false);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => x;
            }

            [SharpnessAware(Rho = 0.05)]
            [Sgd(LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.0005)]
            public partial class MomentumNet : QuadraticNet { public MomentumNet() : base("MomentumNet") { } }

            [SharpnessAware(Rho = 0.1, Normalize = false)]
            [Sgd(LearningRate = 0.05, Momentum = 0.8, Nesterov = true, WeightDecay = 0.01, DecoupledWeightDecay = true)]
            public partial class NesterovNet : QuadraticNet { public NesterovNet() : base("NesterovNet") { } }

            [SharpnessAware(Rho = 0.05)]
            [Sgd(LearningRate = 0.1, Momentum = 0.9, Dampening = 0.1)]
            public partial class DampenedNet : QuadraticNet { public DampenedNet() : base("DampenedNet") { } }

            [SharpnessAware(Rho = 0.2)]
            [Sgd(LearningRate = 0.3)]
            public partial class PlainNet : QuadraticNet { public PlainNet() : base("PlainNet") { } }

            [SharpnessAware(Rho = 0.05)]
            [AdamW(LearningRate = 0.01, WeightDecay = 0.01, Amsgrad = true)]
            public partial class AdamNet : QuadraticNet { public AdamNet() : base("AdamNet") { } }

            [SharpnessAware(Rho = 0.05, Interval = 2, MaxGradientNorm = 0.5)]
            [Sgd(LearningRate = 0.1, Momentum = 0.9)]
            public partial class PeriodicNet : QuadraticNet { public PeriodicNet() : base("PeriodicNet") { } }

            [SharpnessAware(Rho = 0.05, PerturbWeightDecay = true)]
            [Sgd(LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.01)]
            public partial class PerturbDecayNet : QuadraticNet { public PerturbDecayNet() : base("PerturbDecayNet") { } }

            public sealed record Config(double Rho, bool Normalize, double LearningRate, double Momentum, double Dampening, double WeightDecay, bool Nesterov, bool Decoupled, bool Adam = false, bool Amsgrad = false, int Interval = 1, double MaxGradientNorm = 0, bool PerturbDecay = false);

            public static class Driver
            {
                // L = Σ ½·c_i·(w_i − t_i)² over every parameter but the frozen one; the forward pass also bumps the
                // running mean, as a batch norm in training mode would.
                public static float LossAndGradients(nn.Module model)
                {
                    double loss = 0;
                    foreach (var (name, p) in model.named_parameters())
                    {
                        if (name == "frozen")
                        {
                            continue;
                        }

                        float[] w = p.data<float>().ToArray();
                        float[] g = Gradient(name, w, out double l);
                        loss += l;
                        Tensor gt = torch.tensor(g);
                        if (p.grad is null)
                        {
                            p.grad = gt;
                        }
                        else
                        {
                            p.grad.add_(gt, 1.0);
                        }
                    }

                    foreach (var (name, b) in model.named_buffers())
                    {
                        if (name.EndsWith("running_mean", StringComparison.Ordinal))
                        {
                            b.add_(1.0);
                        }
                    }

                    return (float)loss;
                }

                public static float[] Gradient(string name, float[] w, out double loss)
                {
                    var g = new float[w.Length];
                    loss = 0;
                    for (int i = 0; i < w.Length; i++)
                    {
                        double c = 1 + 0.5 * (i % 3);
                        double t = 0.3 * Math.Sin(i + name.Length);
                        double d = w[i] - t;
                        loss += 0.5 * c * d * d;
                        g[i] = (float)(c * d);
                    }

                    return g;
                }

                public static double[] Momentum(int steps) => Run(new MomentumNet(), m => m.SharpnessAwareStep(Driver.LossAndGradients), m => m.Optimizer, new Config(0.05, true, 0.1, 0.9, 0, 0.0005, false, false), steps);

                public static double[] Nesterov(int steps) => Run(new NesterovNet(), m => m.SharpnessAwareStep(Driver.LossAndGradients), m => m.Optimizer, new Config(0.1, false, 0.05, 0.8, 0, 0.01, true, true), steps);

                public static double[] Dampened(int steps) => Run(new DampenedNet(), m => m.SharpnessAwareStep(Driver.LossAndGradients), m => m.Optimizer, new Config(0.05, true, 0.1, 0.9, 0.1, 0, false, false), steps);

                // The manual protocol: Perturb / FreezeRunningStatistics / RestoreAndStep.
                public static double[] Manual(int steps) => Run(new PlainNet(), m =>
                {
                    m.ZeroGradients();
                    LossAndGradients(m);
                    m.Perturb();
                    m.ZeroGradients();
                    using (m.FreezeRunningStatistics())
                    {
                        LossAndGradients(m);
                    }

                    m.RestoreAndStep();
                }, m => m.Optimizer, new Config(0.2, true, 0.3, 0, 0, 0, false, false), steps);

                public static double[] Adam(int steps) => Run(new AdamNet(), m => m.SharpnessAwareStep(Driver.LossAndGradients), m => m.Optimizer, new Config(0.05, true, 0.01, 0, 0, 0.01, false, true, Adam: true, Amsgrad: true), steps);

                // SAM every second step (a base step between, the callback called once) and gradient clipping.
                public static double[] Periodic(int steps) => Run(new PeriodicNet(), m => m.SharpnessAwareStep(Driver.LossAndGradients), m => m.Optimizer, new Config(0.05, true, 0.1, 0.9, 0, 0, false, false, Interval: 2, MaxGradientNorm: 0.5), steps);

                // Weight decay in the perturbation: e = ρ·(g + λw)/‖g + λw‖.
                public static double[] PerturbDecay(int steps) => Run(new PerturbDecayNet(), m => m.SharpnessAwareStep(Driver.LossAndGradients), m => m.Optimizer, new Config(0.05, true, 0.1, 0.9, 0, 0.01, false, false, PerturbDecay: true), steps);

                // Optimizer.ResetState() midway: the momentum buffers start again from d, as a fresh torch.optim.SGD.
                public static double[] ResetMidway(int steps) => Run(new MomentumNet(), m => m.SharpnessAwareStep(Driver.LossAndGradients), m => m.Optimizer, new Config(0.05, true, 0.1, 0.9, 0, 0.0005, false, false), steps, resetAt: 2);

                // [max |generated − reference|, step count, running mean, frozen unchanged (1/0)]
                private static double[] Run<TModel>(TModel model, Action<TModel> samStep, Func<TModel, SamOptimizer> engine, Config c, int steps, int resetAt = -1)
                    where TModel : nn.Module
                {
                    var names = new List<string>();
                    var w = new List<float[]>();
                    foreach (var (name, p) in model.named_parameters())
                    {
                        if (name != "frozen")
                        {
                            names.Add(name);
                            w.Add(p.data<float>().ToArray());
                        }
                    }

                    var buffers = new float[w.Count][];
                    var adam = new AdamState[w.Count];
                    for (int step = 0; step < steps; step++)
                    {
                        if (step == resetAt)
                        {
                            engine(model).ResetState();
                            Array.Clear(buffers);
                            Array.Clear(adam);
                        }

                        samStep(model);
                        ReferenceStep(names, w, buffers, adam, c, samStep: step % c.Interval == 0);
                    }

                    double max = 0;
                    double frozenUnchanged = 0;
                    foreach (var (name, p) in model.named_parameters())
                    {
                        float[] actual = p.data<float>().ToArray();
                        if (name == "frozen")
                        {
                            frozenUnchanged = actual[0] == 1f && actual[1] == 2f ? 1 : 0;
                            continue;
                        }

                        float[] expected = w[names.IndexOf(name)];
                        for (int i = 0; i < actual.Length; i++)
                        {
                            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
                        }
                    }

                    double runningMean = model.named_buffers().First(b => b.name == "norm.running_mean").buffer.data<float>().ToArray()[0];
                    return new[] { max, engine(model).StepCount, runningMean, frozenUnchanged };
                }

                // SAM (Foret et al.) with e = ρ·g/‖g‖ (0 for a zero gradient; ρ·g unnormalized), an exact restore, and
                // torch.optim.SGD (momentum buffer = d on its first step; SGDW decay when decoupled).
                private static void ReferenceStep(List<string> names, List<float[]> w, float[][] buffers, AdamState[] adam, Config c, bool samStep)
                {
                    var g = new float[w.Count][];
                    var direction = new float[w.Count][];
                    double sumOfSquares = 0;
                    for (int k = 0; k < w.Count; k++)
                    {
                        g[k] = Gradient(names[k], w[k], out _);
                        direction[k] = c.PerturbDecay ? g[k].Select((v, i) => (float)(v + c.WeightDecay * w[k][i])).ToArray() : g[k];
                        foreach (float v in direction[k]) { sumOfSquares += (double)v * v; }
                    }

                    double norm = Math.Sqrt(sumOfSquares);
                    float scale = (float)(c.Normalize ? (norm > 0 ? c.Rho / norm : 0) : c.Rho);
                    var gp = new float[w.Count][];
                    for (int k = 0; k < w.Count; k++)
                    {
                        var perturbed = new float[w[k].Length];
                        for (int i = 0; i < perturbed.Length; i++) { perturbed[i] = (float)(w[k][i] + (double)scale * direction[k][i]); }
                        gp[k] = samStep ? Gradient(names[k], perturbed, out _) : g[k];
                    }

                    if (c.MaxGradientNorm > 0)
                    {
                        // clip_grad_norm_ on the gradient the base step uses: min(1, max/(‖g′‖ + 1e-6)).
                        double stepSumOfSquares = 0;
                        foreach (float[] gk in gp) { foreach (float v in gk) { stepSumOfSquares += (double)v * v; } }
                        double clip = c.MaxGradientNorm / (Math.Sqrt(stepSumOfSquares) + 1e-6);
                        float factor = (float)(clip < 1 ? clip : 1);
                        for (int k = 0; k < gp.Length; k++) { gp[k] = gp[k].Select(v => (float)(v * (double)factor)).ToArray(); }
                    }

                    for (int k = 0; k < w.Count; k++)
                    {
                        float[] p = w[k];
                        if (c.Adam)
                        {
                            AdamStep(p, gp[k], adam[k] ??= new AdamState(p.Length), c);
                            continue;
                        }

                        float[] d = new float[p.Length];
                        for (int i = 0; i < p.Length; i++)
                        {
                            d[i] = c.Decoupled || c.WeightDecay == 0 ? gp[k][i] : (float)(gp[k][i] + c.WeightDecay * p[i]);
                            if (c.Decoupled && c.WeightDecay != 0) { p[i] = (float)(p[i] * (1 - c.LearningRate * c.WeightDecay)); }
                        }

                        if (c.Momentum != 0)
                        {
                            bool first = buffers[k] is null;
                            float[] buf = buffers[k] ??= new float[p.Length];
                            for (int i = 0; i < p.Length; i++)
                            {
                                buf[i] = first ? d[i] : (float)((float)(buf[i] * c.Momentum) + (1 - c.Dampening) * d[i]);
                                d[i] = c.Nesterov ? (float)(d[i] + c.Momentum * buf[i]) : buf[i];
                            }
                        }

                        for (int i = 0; i < p.Length; i++) { p[i] = (float)(p[i] - c.LearningRate * d[i]); }
                    }
                }

                public sealed class AdamState(int n)
                {
                    public long T;
                    public float[] M = new float[n], V = new float[n], VMax = new float[n];
                }

                // torch.optim.AdamW (β = 0.9, 0.999, ε = 1e-8): decoupled decay, bias-corrected moments, AMSGrad.
                private static void AdamStep(float[] p, float[] g, AdamState s, Config c)
                {
                    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
                    s.T++;
                    double bc1 = 1 - Math.Pow(b1, s.T), bc2Sqrt = Math.Sqrt(1 - Math.Pow(b2, s.T));
                    for (int i = 0; i < p.Length; i++)
                    {
                        p[i] = (float)(p[i] * (1 - c.LearningRate * c.WeightDecay));
                        s.M[i] = (float)(b1 * s.M[i] + (1 - b1) * g[i]);
                        s.V[i] = (float)(b2 * s.V[i] + (1 - b2) * g[i] * g[i]);
                        s.VMax[i] = Math.Max(s.VMax[i], s.V[i]);
                        double denominator = Math.Sqrt(c.Amsgrad ? s.VMax[i] : s.V[i]) / bc2Sqrt + eps;
                        p[i] = (float)(p[i] - c.LearningRate / bc1 * s.M[i] / denominator);
                    }
                }

                // [NonFinite thrown naming fc.bias at element 1 (1/0), weights unchanged (1/0), not perturbed (1/0),
                //  after a NaN step gradient: weights back at the trained point (1/0), step count unchanged (1/0)]
                public static double[] NonFinite()
                {
                    var model = new MomentumNet();
                    float[] before = Flatten(model);
                    model.ZeroGradients();
                    LossAndGradients(model);
                    Tensor bias = model.named_parameters().First(p => p.name == "fc.bias").parameter;
                    bias.grad = torch.tensor(new float[] { 0.5f, float.NaN });
                    double thrown = 0;
                    try
                    {
                        model.Perturb();
                    }
                    catch (NonFiniteGradientException e)
                    {
                        thrown = e.ParameterName == "fc.bias" && e.ElementIndex == 1 ? 1 : 0;
                    }

                    double unchanged = Same(before, Flatten(model)) ? 1 : 0;
                    double notPerturbed = model.Optimizer.IsPerturbed ? 0 : 1;

                    model.ZeroGradients();
                    LossAndGradients(model);
                    model.Perturb();
                    model.ZeroGradients();
                    LossAndGradients(model);
                    bias.grad = torch.tensor(new float[] { float.PositiveInfinity, 0f });
                    double restored = 0;
                    try
                    {
                        model.RestoreAndStep();
                    }
                    catch (NonFiniteGradientException)
                    {
                        restored = Same(before, Flatten(model)) && !model.Optimizer.IsPerturbed ? 1 : 0;
                    }

                    return new[] { thrown, unchanged, notPerturbed, restored, model.Optimizer.StepCount == 0 ? 1 : 0 };
                }

                // [InvalidOperationException when no parameter has a gradient (1/0), not perturbed (1/0)]
                public static double[] NoGradients()
                {
                    var model = new MomentumNet();
                    try
                    {
                        model.Perturb();
                        return new[] { 0d, 0d };
                    }
                    catch (InvalidOperationException e) when (e.Message.Contains("backward pass", StringComparison.Ordinal))
                    {
                        return new[] { 1d, model.Optimizer.IsPerturbed ? 0 : 1d };
                    }
                }

                private static float[] Flatten(nn.Module model) => model.named_parameters().SelectMany(p => p.parameter.data<float>().ToArray()).ToArray();

                private static bool Same(float[] a, float[] b) => a.SequenceEqual(b);
            }
        }
        """;

    [Theory]
    [InlineData("Momentum")]
    [InlineData("Nesterov")]
    [InlineData("Dampened")]
    [InlineData("Manual")]
    [InlineData("Adam")]
    [InlineData("Periodic")]
    [InlineData("PerturbDecay")]
    public void Generated_steps_match_the_reference_SAM_over_torch_optim_SGD_and_AdamW(string scenario)
    {
        const int steps = 5;
        double[] result = Invoke<double[]>(scenario, steps);
        Assert.True(result[0] < Tolerance, $"max |generated − reference| = {result[0]}");
        Assert.Equal(steps, result[1]);
        Assert.Equal(steps, result[2]); // one running-statistics update per step: the perturbed pass was frozen
        Assert.Equal(1, result[3]);
    }

    [Fact]
    public void ResetState_restarts_the_momentum_buffers()
    {
        double[] result = Invoke<double[]>("ResetMidway", 5);
        Assert.True(result[0] < Tolerance, $"max |generated − reference| = {result[0]}");
        Assert.Equal(3, result[1]);
    }

    [Fact]
    public void A_non_finite_gradient_throws_naming_the_parameter_and_leaves_the_weights()
    {
        double[] result = Invoke<double[]>("NonFinite");
        Assert.Equal([1d, 1d, 1d, 1d, 1d], result);
    }

    [Fact]
    public void Perturbing_without_any_gradient_throws_instead_of_silently_not_moving()
    {
        Assert.Equal([1d, 1d], Invoke<double[]>("NoGradients"));
    }

    private static T Invoke<T>(string method, params object[] arguments)
    {
        GeneratorResult run = TorchSharpBackendTests.Run(Driver);
        Assert.Empty(CompilationFactory.Errors(run.Output));
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = run.Output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));

        var context = new StubLoadContext(((PortableExecutableReference)TorchSharpReferences.Stub).FilePath!);
        try
        {
            stream.Position = 0;
            Assembly driver = context.LoadFromStream(stream);
            try
            {
                return (T)driver.GetType("StubRun.Driver")!.GetMethod(method)!.Invoke(null, arguments)!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw new InvalidOperationException("The driver threw: " + e.InnerException, e.InnerException);
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Loads the stub as "TorchSharp" next to the compiled driver; everything else from the default context.</summary>
    private sealed class StubLoadContext(string stubPath) : AssemblyLoadContext("TorchSharpStub", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName name) =>
            name.Name == "TorchSharp" ? LoadFromAssemblyPath(stubPath) : null;
    }
}
