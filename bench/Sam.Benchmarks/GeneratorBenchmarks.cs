using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Sam.Generators;

namespace Sam.Benchmarks;

/// <summary>
/// The generator on a compilation of 500 annotated model classes (one file each): a first run, a re-run after
/// an unrelated edit (a method body in one file), and a re-run after one class's attribute changed.
/// </summary>
[MemoryDiagnoser]
public class GeneratorBenchmarks
{
    public const int Classes = 500;

    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    private CSharpCompilation _compilation = null!;
    private GeneratorDriver _warm = null!;
    private SyntaxTree _edited = null!;
    private SyntaxTree _bodyEdit = null!;
    private SyntaxTree _attributeEdit = null!;

    [GlobalSetup]
    public void Setup()
    {
        _compilation = CreateCompilation(Classes);
        _warm = CreateDriver().RunGenerators(_compilation);
        _edited = _compilation.SyntaxTrees.First();
        _bodyEdit = CSharpSyntaxTree.ParseText(Source(0).Replace("x * 0.5f", "x * 0.25f", StringComparison.Ordinal), s_parseOptions, _edited.FilePath);
        _attributeEdit = CSharpSyntaxTree.ParseText(Source(0).Replace("Rho = 0.05", "Rho = 0.1", StringComparison.Ordinal), s_parseOptions, _edited.FilePath);
    }

    /// <summary>
    /// The compiler's own share of <see cref="UnrelatedEdit"/>: the edited compilation binds the edited class and
    /// its attributes, without the generator. The generator's cost is the difference.
    /// </summary>
    [Benchmark(Baseline = true)]
    public int BindEditedClassOnly()
    {
        Compilation edited = _compilation.ReplaceSyntaxTree(_edited, _bodyEdit);
        INamedTypeSymbol? type = edited.GetTypeByMetadataName("Models.N0.Model0");
        return type!.GetAttributes().Length + type.GetMembers().Length;
    }

    /// <summary>A build from scratch: a new driver on a new compilation (binding included).</summary>
    [Benchmark]
    public GeneratorDriver FirstRun() =>
        CreateDriver().RunGenerators(CSharpCompilation.Create("Models", _compilation.SyntaxTrees, _compilation.References, _compilation.Options));

    /// <summary>The IDE case: one method body edited; every model should come from the cache.</summary>
    [Benchmark]
    public GeneratorDriver UnrelatedEdit() => _warm.RunGenerators(_compilation.ReplaceSyntaxTree(_edited, _bodyEdit));

    /// <summary>One class's ρ changed: only that class is parsed and emitted again.</summary>
    [Benchmark]
    public GeneratorDriver AttributeEdit() => _warm.RunGenerators(_compilation.ReplaceSyntaxTree(_edited, _attributeEdit));

    public static GeneratorDriver CreateDriver() =>
        CSharpGeneratorDriver.Create(
            [new SamGenerator().AsSourceGenerator()],
            parseOptions: s_parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: false));

    public static CSharpCompilation CreateCompilation(int classes) =>
        CSharpCompilation.Create(
            "Models",
            Enumerable.Range(0, classes).Select(i => CSharpSyntaxTree.ParseText(Source(i), s_parseOptions, $"Model{i}.cs")),
            References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static string Source(int i) => string.Format(CultureInfo.InvariantCulture, """
        using Sam;

        namespace Models.N{0};

        public sealed class Block{0}
        {{
            public Parameter W {{ get; }} = Parameter.Zeros("w", 8, 8);
            public Parameter B {{ get; }} = Parameter.Zeros("b", 8);
        }}

        [SharpnessAware(Rho = 0.05)]
        [Sgd(LearningRate = 0.1, Momentum = 0.9, WeightDecay = 5e-4)]
        public partial class Model{0}
        {{
            public Parameter Embedding {{ get; }} = Parameter.Zeros("e", 16, 8);
            public Block{0} Head {{ get; }} = new();
            public Block{0}[] Blocks {{ get; }} = [new(), new()];
            [ExcludeFromPerturbation]
            public Parameter Bias {{ get; }} = Parameter.Zeros("bias", 8);

            public float Scale(float x) => x * 0.5f;
        }}
        """, i);

    private static ImmutableArray<MetadataReference> References()
    {
        var paths = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "";
        foreach (string path in tpa.Split(Path.PathSeparator))
        {
            string name = Path.GetFileName(path);
            if (name.StartsWith("System.", StringComparison.Ordinal) || name is "mscorlib.dll" or "netstandard.dll")
            {
                paths.Add(path);
            }
        }

        paths.Add(typeof(Parameter).Assembly.Location);
        return [.. paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))];
    }
}
