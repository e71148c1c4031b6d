using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// A fact that needs the real TorchSharp. Without <c>TORCHSHARP_DIR</c> it is reported as skipped, with the
/// reason saying how to enable it, instead of passing silently.
/// </summary>
public sealed class RealTorchSharpFactAttribute : FactAttribute
{
    public RealTorchSharpFactAttribute()
    {
        if (TorchSharpReferences.RealDirectory is null)
        {
            Skip = $"Needs the real TorchSharp: set {TorchSharpReferences.EnvironmentVariable} to a folder holding TorchSharp.dll and the libtorch " +
                "native libraries (LibTorchSharp, torch, c10, ...; e.g. the TorchSharp and libtorch-cpu packages' lib/ and runtimes/<rid>/native/ flattened).";
        }
    }
}

/// <summary>
/// The generated TorchSharp backend compiled against the real TorchSharp.dll and run: a few SAM steps on a tiny
/// linear model compared with a hand-written TorchSharp SAM (same seed, same data). Skipped visibly when
/// TorchSharp is not available (see <see cref="RealTorchSharpFactAttribute"/>).
/// </summary>
public class RealTorchSharpTests
{
    private const double Tolerance = 1e-5;

    // Written against TorchSharp's public API (0.102.5+: Tensor.grad is a property). The reference is the textbook
    // SAM of Foret et al. with e = ρ·g/‖g‖ (0 for a zero gradient, as Sam.SamOptimizer), the gradient at w + e, an exact
    // restore, and torch.optim.SGD's momentum/weight-decay update.
    private const string Driver = """
        using System;
        using System.Linq;
        using TorchSharp;
        using TorchSharp.Modules;
        using Sam;
        using Parameter = TorchSharp.Modules.Parameter;
        using static TorchSharp.torch;

        namespace RealTorch
        {
            [SharpnessAware(Rho = 0.05)]
            [Sgd(LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.0005)]
            public partial class TinyNet : nn.Module<Tensor, Tensor>
            {
                private readonly Linear fc1;
                private readonly Linear fc2;

                public TinyNet()
                    : base("TinyNet")
                {
                    fc1 = nn.Linear(3, 4);
                    fc2 = nn.Linear(4, 2);
                    RegisterComponents();
                }

                public override Tensor forward(Tensor x) => fc2.forward(fc1.forward(x).tanh());
            }

            public static class Driver
            {
                private const double Rho = 0.05, LearningRate = 0.1, Momentum = 0.9, WeightDecay = 0.0005;

                public static double[] Run(int steps)
                {
                    torch.random.manual_seed(7);
                    Tensor x = torch.randn(new long[] { 16, 3 });
                    Tensor y = torch.randn(new long[] { 16, 2 });
                    torch.random.manual_seed(42);
                    var generated = new TinyNet();
                    torch.random.manual_seed(42);
                    var reference = new TinyNet();

                    Parameter[] p = reference.parameters().ToArray();
                    var buffers = new Tensor?[p.Length];
                    double lastLoss = 0;
                    for (int step = 0; step < steps; step++)
                    {
                        lastLoss = generated.SharpnessAwareStep((x, y), static (m, batch) =>
                        {
                            Tensor loss = (m.forward(batch.x) - batch.y).pow((Scalar)2.0).mean();
                            loss.backward();
                            return loss.item<float>();
                        });
                        ReferenceStep(reference, p, buffers, x, y);
                    }

                    double maxDifference = 0;
                    Parameter[] q = generated.parameters().ToArray();
                    for (int i = 0; i < p.Length; i++)
                    {
                        maxDifference = Math.Max(maxDifference, (p[i] - q[i]).abs().max().item<float>());
                    }

                    // A NaN gradient must throw, naming the parameter, and leave the weights as they were.
                    float before = q[0].sum().item<float>();
                    string failure = "";
                    try
                    {
                        generated.ZeroGradients();
                        Tensor nanLoss = generated.forward(x).mul((Scalar)double.NaN).sum();
                        nanLoss.backward();
                        generated.Perturb();
                    }
                    catch (NonFiniteGradientException e)
                    {
                        failure = e.ParameterName;
                    }

                    float after = q[0].sum().item<float>();
                    return new[] { maxDifference, generated.Optimizer.StepCount, lastLoss, failure == "fc1.weight" ? 1 : 0, before == after ? 1 : 0 };
                }

                private static void ReferenceStep(TinyNet net, Parameter[] p, Tensor?[] buffers, Tensor x, Tensor y)
                {
                    foreach (Parameter t in p) { t.grad?.zero_(); }
                    (net.forward(x) - y).pow((Scalar)2.0).mean().backward();
                    var saved = new Tensor[p.Length];
                    using (torch.no_grad())
                    {
                        double sumOfSquares = p.Sum(t => (double)t.grad!.pow((Scalar)2.0).sum().item<float>());
                        double norm = Math.Sqrt(sumOfSquares);
                        double scale = norm > 0 ? Rho / norm : 0;
                        for (int i = 0; i < p.Length; i++)
                        {
                            saved[i] = p[i].detach().clone();
                            p[i].add_(p[i].grad!, (Scalar)scale);
                        }
                    }

                    foreach (Parameter t in p) { t.grad!.zero_(); }
                    (net.forward(x) - y).pow((Scalar)2.0).mean().backward();
                    using (torch.no_grad())
                    {
                        for (int i = 0; i < p.Length; i++)
                        {
                            p[i].copy_(saved[i]);
                            Tensor d = p[i].grad!.add(p[i], (Scalar)WeightDecay);
                            if (buffers[i] is null)
                            {
                                buffers[i] = d.clone();
                            }
                            else
                            {
                                buffers[i]!.mul_((Scalar)Momentum).add_(d);
                            }

                            p[i].add_(buffers[i]!, (Scalar)(-LearningRate));
                        }
                    }
                }
            }
        }
        """;

    [RealTorchSharpFact]
    public void Generated_SAM_matches_a_hand_written_TorchSharp_SAM_and_rejects_NaN_gradients()
    {
        string dir = TorchSharpReferences.RealDirectory!;
        MetadataReference torchSharp = MetadataReference.CreateFromFile(Path.Combine(dir, "TorchSharp.dll"));
        CSharpCompilation compilation = CompilationFactory.Create([Driver], [torchSharp], assemblyName: "RealTorchSharpDriver")
            .WithOptions(CompilationFactory.Create().Options.WithSpecificDiagnosticOptions(new Dictionary<string, ReportDiagnostic>
            {
                ["CS1591"] = ReportDiagnostic.Suppress,

                // TorchSharp targets an older framework than the test; the compiler unifies its references.
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            }));
        GeneratorResult run = GeneratorRunner.Run(compilation);
        Assert.Empty(CompilationFactory.Errors(run.Output));

        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = run.Output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var context = new TorchSharpLoadContext(dir);
        try
        {
            stream.Position = 0;
            Assembly driver = context.LoadFromStream(stream);
            var result = (double[])driver.GetType("RealTorch.Driver")!.GetMethod("Run")!.Invoke(null, [3])!;
            Assert.True(result[0] < Tolerance, $"max |generated − reference| = {result[0]}");
            Assert.Equal(3, result[1]);
            Assert.True(double.IsFinite(result[2]));
            Assert.Equal(1, result[3]);
            Assert.Equal(1, result[4]);
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Loads TorchSharp and its managed and native dependencies from the TORCHSHARP_DIR folder.</summary>
    private sealed class TorchSharpLoadContext(string directory) : AssemblyLoadContext("RealTorchSharp", isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName name)
        {
            string candidate = Path.Combine(directory, name.Name + ".dll");
            return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
        }

        protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
        {
            foreach (string file in new[] { unmanagedDllName, "lib" + unmanagedDllName + ".so", "lib" + unmanagedDllName + ".dylib", unmanagedDllName + ".dll" })
            {
                string candidate = Path.Combine(directory, file);
                if (File.Exists(candidate))
                {
                    return LoadUnmanagedDllFromPath(candidate);
                }
            }

            return IntPtr.Zero;
        }
    }
}
