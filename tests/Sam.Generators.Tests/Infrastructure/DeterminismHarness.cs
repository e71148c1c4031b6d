using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Generates a fixed set of models and prints every generated file's bytes, so a test can compare a run in its own
/// process with one in a fresh process (other string hash seeds, another culture, the files in another order).
/// The test assembly is its own child: <c>dotnet Sam.Generators.Tests.dll generate &lt;culture&gt; &lt;order&gt; &lt;output&gt;</c>.
/// </summary>
public static class DeterminismHarness
{
    public const string Command = "generate";

    /// <summary>Models with sub-modules in another file, numbers in every option, generics, nesting and schedules.</summary>
    public static IReadOnlyList<(string Path, string Text)> Files { get; } =
    [
        ("Mlp.cs", TestSources.Mlp),
        ("Dense.cs", TestSources.Dense),
        ("Variants.cs", """
            using Sam;
            namespace Demo.Variants;
            [SharpnessAware(Rho = 0.0123456789, Variant = SamVariant.FriendlySam, FriendlyLambda = 0.875, FriendlySigma = 1.5e-3, MaxGradientNorm = 2.5, TotalSteps = 12345, BaseOptimizerFraction = 0.0625)]
            [AdamW(LearningRate = 3e-4, Beta1 = 0.85, Beta2 = 0.9995, Epsilon = 1e-7, WeightDecay = 0.05, Amsgrad = true)]
            [RhoSchedule(ScheduleKind.Cosine, Floor = 0.001)]
            [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.75, WarmupSteps = 100)]
            public partial class Friendly { public Parameter[] Layers { get; } = [Parameter.Zeros("a", 3), Parameter.Zeros("b", 3)]; }
            """),
        ("Nested.cs", """
            using System.Collections.Generic;
            using Sam;
            namespace Demo.Nested;
            public static partial class Outer<T> where T : class
            {
                [SharpnessAware(Variant = SamVariant.Gsam, GsamAlpha = 0.3, Interval = 3)]
                [Sgd(LearningRate = 0.2, Momentum = 0.95, Dampening = 0.1, WeightDecay = 1e-4, DecoupledWeightDecay = true)]
                public partial class Inner { public List<Parameter> Blocks { get; } = new(); [ExcludeFromPerturbation] public Parameter Scale = Parameter.Zeros("s", 1); }
            }
            [SharpnessAware(Variant = SamVariant.Asam, AsamEta = 0.02, Normalize = false)]
            public partial record Özel(Parameter W);
            """),
    ];

    /// <summary>Runs the generator over <see cref="Files"/> (in the given order) and returns hint name → UTF-8 bytes.</summary>
    public static SortedDictionary<string, byte[]> Generate(bool reversed)
    {
        IEnumerable<(string Path, string Text)> files = reversed ? Files.Reverse() : Files;
        CSharpCompilation compilation = CSharpCompilation.Create(
            "DeterminismModels",
            files.Select(f => CSharpSyntaxTree.ParseText(f.Text, CompilationFactory.ParseOptions, f.Path)),
            CompilationFactory.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        GeneratorResult run = GeneratorRunner.Run(compilation);
        var result = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (GeneratedSourceResult source in run.RunResult.Results.SelectMany(r => r.GeneratedSources))
        {
            result.Add(source.HintName, Encoding.UTF8.GetBytes(source.SourceText.ToString()));
        }

        return result;
    }

    /// <summary>One line per file: hint name, a tab, the bytes in base64.</summary>
    public static string Format(SortedDictionary<string, byte[]> files) =>
        string.Concat(files.Select(f => f.Key + "\t" + Convert.ToBase64String(f.Value) + "\n"));

    /// <summary>The child process: <c>generate &lt;culture&gt; forward|reversed &lt;output file&gt;</c>.</summary>
    public static int Run(string[] args)
    {
        var culture = CultureInfo.GetCultureInfo(args[1]);
        CultureInfo.DefaultThreadCurrentCulture = culture;
        CultureInfo.DefaultThreadCurrentUICulture = culture;
        CultureInfo.CurrentCulture = culture;
        CultureInfo.CurrentUICulture = culture;
        File.WriteAllText(args[3], Format(Generate(reversed: args[2] == "reversed")));
        return 0;
    }
}

/// <summary>
/// The test assembly's entry point (the test SDK's generated one is turned off): the test runner never calls it;
/// the determinism test starts the assembly with <see cref="DeterminismHarness.Command"/> as a child process.
/// </summary>
public static class Program
{
    public static int Main(string[] args) =>
        args.Length == 4 && args[0] == DeterminismHarness.Command ? DeterminismHarness.Run(args) : 2;
}
