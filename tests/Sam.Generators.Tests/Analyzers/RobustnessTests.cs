using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Diagnostics;
using Sam.Generators.Emit;
using Sam.Generators.Model;
using Sam.Generators.Parsing;
using Sam.Generators.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Sam.Generators.Tests.Analyzers;

/// <summary>
/// Malformed input never reaches the compiler as an exception: the attribute list and class header are
/// truncated at every character, and FsCheck mutates tokens of the seeds (delete, duplicate, swap, replace a
/// literal with NaN/∞/negative/huge values or an undefined enum). For each variant: the parser and emitter
/// (called directly, so the safety nets in generator and analyzer cannot hide a bug) do not throw, the
/// generator reports no exception and no CS8785, the analyzers raise no AD0001, and only catalogued SAM ids appear.
/// </summary>
public class RobustnessTests(ITestOutputHelper output)
{
    private const string Seed = """
        using System.Collections.Generic;
        using Sam;

        namespace N;

        public class Base { public Parameter B0 { get; } = Parameter.Zeros("b", 1); }

        [SharpnessAware(Rho = 0.2, Normalize = true, Variant = SamVariant.Asam, AsamEta = 0.01, Interval = 2, BaseOptimizerFraction = 0.1, TotalSteps = 1000, Noise = GradientNoise.Stochastic, Landscape = LossLandscape.Nonconvex, Expect = ExpectedGuarantee.Minimizer, Smoothness = 2.5)]
        [Sgd(LearningRate = 0.1, Momentum = 0.9, Dampening = 0, Nesterov = true, WeightDecay = 5e-4)]
        [RhoSchedule(ScheduleKind.Polynomial, Exponent = 0.3, WarmupSteps = 10)]
        [LearningRateSchedule(ScheduleKind.Cosine, TotalSteps = 1000, Floor = 0)]
        public sealed partial class M : Base
        {
            public Parameter W { get; } = Parameter.Zeros("w", 2);
            public List<Parameter> Layers { get; } = new();
            public Dictionary<int, Parameter> Map { get; } = new();
        }
        """;

    private const string SecondSeed = """
        using Sam;

        namespace N;

        [SharpnessAware(Rho = 0.5, Normalize = false, Smoothness = 4, BaseOptimizerSteps = 100, Expect = ExpectedGuarantee.StationaryPoint)]
        [AdamW(LearningRate = 1e-3, Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8)]
        [RhoSchedule(ScheduleKind.Step, StepSize = 100, Gamma = 0.5)]
        [LearningRateSchedule(ScheduleKind.Polynomial, Exponent = 0.7)]
        public partial record R { public Parameter W { get; } = Parameter.Zeros("w", 1); }
        """;

    private static readonly string[] s_replacements =
    [
        "double.NaN", "double.PositiveInfinity", "double.NegativeInfinity", "-1", "0", "-0.0", "1e308", "-1e-308",
        "long.MaxValue", "long.MinValue", "int.MinValue", "(SamVariant)99", "(ScheduleKind)(-3)", "(GradientNoise)5",
        "true", "null", "\"x\"", "typeof(int)", "new[] { 1 }", "Rho", "nameof(M)", "1.0f", "0.5m", "ScheduleKind.Step",
    ];

    private static readonly ImmutableHashSet<string> s_catalogued = DiagnosticDescriptors.All.Select(d => d.Id).ToImmutableHashSet();

    [Fact]
    public async Task Truncating_the_attributes_and_class_header_at_every_character_never_crashes()
    {
        var variants = new List<string>();
        foreach (string seed in new[] { Seed, SecondSeed })
        {
            int start = seed.IndexOf("[SharpnessAware", StringComparison.Ordinal);
            int end = seed.IndexOf('{', seed.IndexOf(" class ", start, StringComparison.Ordinal) is > 0 and var c ? c : seed.IndexOf(" record ", start, StringComparison.Ordinal)) + 1;
            string body = seed.Substring(end);
            for (int i = start; i <= end; i++)
            {
                variants.Add(seed.Substring(0, i));                     // the file ends mid-declaration
                variants.Add(seed.Substring(0, i) + "\n{" + body);      // the header is cut, a body follows
            }
        }

        int checkedCount = await CheckAll(variants);
        Assert.True(checkedCount > 1000, $"only {checkedCount} variants");
    }

    [Fact]
    public async Task FsCheck_token_mutations_of_the_seeds_never_crash()
    {
        var variants = new List<string>();
        ulong seedValue = 20261122;
        foreach (string seed in new[] { Seed, SecondSeed })
        {
            SyntaxToken[] tokens = CSharpSyntaxTree.ParseText(seed).GetRoot().DescendantTokens().ToArray();
            Gen<string> mutation =
                from count in Gen.Choose(1, 3)
                from edits in Gen.ListOf(Edit(tokens.Length), count)
                select Apply(tokens, edits);
            variants.AddRange(mutation.Sample(450, new Rnd(seedValue++), 10));
        }

        int checkedCount = await CheckAll(variants);
        Assert.True(checkedCount >= 900, $"only {checkedCount} variants");
    }

    /// <summary>
    /// Whole projects from <see cref="ProjectGrammar"/> (random attribute values, deep and cyclic module graphs, split
    /// partials, keyword and case-colliding names and namespaces, file-local models, files marked generated, branching
    /// module trees, generic and nested module types): a fixed
    /// set, <see cref="SweepProjects"/> projects from a fixed seed (each one compilation of two programs), whatever the
    /// machine's speed. The generator never throws and never reports CS8785, the analyzers never crash (AD0001) and
    /// report only catalogued ids and no internal error (SAM0017), every diagnostic is local to the file it is reported
    /// for (the IDE's per-file analysis sees it, not only a build); every partial, non-file-local model without a name
    /// conflict gets its file, every non-partial one SAM0001, every file-local one SAM0018, every model reaching below
    /// the depth limit SAM0019; the generated code is linear in the input; and the output compiles whenever the input
    /// does, without a warning in generated code.
    /// </summary>
    [Fact]
    public async Task Grammar_generated_projects_never_crash_get_their_diagnostics_and_compile()
    {
        var rng = new Random(20261129);
        var stopwatch = Stopwatch.StartNew();
        var failures = new List<string>();
        int models = 0, tooDeep = 0;
        for (int i = 0; i < SweepProjects && failures.Count == 0; i++)
        {
            ProjectGrammar project = ProjectGrammar.Generate(rng, "R" + i, programs: 2);
            await CheckProject(project, "project " + i, failures);
            models += project.GeneratedModels;
            tooDeep += project.TooDeepModels;
        }

        output.WriteLine($"{SweepProjects} projects ({models} generated models, {tooDeep} reaching below the depth limit) in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, string.Join("\n\n", failures.Take(3)));
    }

    // The sweep is bounded by its project count, not by a clock (a timed test fails on a busy machine). About 15 s on an idle 2-core machine (22 s at a load average of 9 on 2 cores), most of it Roslyn's and the JIT's
    // warm-up: the first projects cost ten times the later ones. The set holds project 22, the first whose model reaches
    // below the depth limit through a chain declared in another file (SAM0019 was non-local, lost to per-file analysis),
    // and project 55, the first whose model namespace (R55P0.@event) was also a type's name (the grammar's CS0101).
    private const int SweepProjects = 60;

    // Diagnostics the grammar's own names provoke by design, in the user's declarations and in their generated partial
    // declarations alike: a type name of lower-case ASCII only (@class) is CS8981.
    private static readonly string[] s_grammarWarnings = ["CS8981"];

    private static async Task CheckProject(ProjectGrammar project, string label, List<string> failures)
    {
        CSharpCompilation compilation = CompilationFactory.Create(project.Sources, []);
        string Dump() => label + "\n--- sources ---\n" + string.Join("\n=====\n", project.Sources);
        // Errors, and warnings in generated code (every warning is an error in the test compilations; a user's project
        // with TreatWarningsAsErrors must not fail on our output). The user's own warnings are the grammar's business.
        var userTrees = compilation.SyntaxTrees.ToHashSet();
        List<string> Errors(Compilation c) => c.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && !s_grammarWarnings.Contains(d.Id)
                && (!d.IsWarningAsError || (d.Location.SourceTree is { } tree && !userTrees.Contains(tree))))
            .Select(d => d.ToString())
            .ToList();

        List<string> inputErrors = Errors(compilation);
        if (inputErrors.Count > 0)
        {
            failures.Add("the grammar produced invalid C#:\n" + string.Join("\n", inputErrors.Take(5)) + "\n" + Dump());
            return;
        }

        GeneratorDriver driver = GeneratorRunner.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null || generatorDiagnostics.Any(d => d.Id is "CS8785" or "SAM0017"))
        {
            failures.Add($"generator: {result.Exception}{string.Join("\n", generatorDiagnostics)}\n{Dump()}");
            return;
        }

        if (result.GeneratedSources.Length != project.GeneratedModels)
        {
            failures.Add($"{result.GeneratedSources.Length} generated files for {project.GeneratedModels} generatable models: {string.Join(", ", result.GeneratedSources.Select(s => s.HintName))}\n{Dump()}");
        }

        // Linear output: a model's file is its fixed members (about 6 KB with the doc comments) plus a few lines per
        // member declared. Inlining the walk through sub-modules grew with the number of paths instead (a binary tree
        // of 9 levels: 256 paths, 80 KB for one member of the model).
        int generatedChars = result.GeneratedSources.Sum(g => g.SourceText.Length);
        int inputChars = project.Sources.Sum(text => text.Length);
        if (generatedChars > (10_000 * project.GeneratedModels) + (10 * inputChars))
        {
            failures.Add($"{generatedChars} generated characters for {project.GeneratedModels} models from {inputChars} characters of input\n{Dump()}");
        }

        List<string> outputErrors = Errors(generated);
        if (outputErrors.Count > 0)
        {
            failures.Add("the output does not compile:\n" + string.Join("\n", outputErrors.Take(5)) + "\n" + Dump());
        }

        var exceptions = new ConcurrentQueue<string>();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions([]), (e, analyzer, d) => exceptions.Enqueue($"{analyzer.GetType().Name} threw {e}"), concurrentAnalysis: false, logAnalyzerExecutionTime: false);
        CompilationWithAnalyzers analyzing = generated.WithAnalyzers(AnalyzerRunner.Analyzers, options);
        var diagnostics = new List<Diagnostic>();
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            diagnostics.AddRange(await analyzing.GetAnalyzerSemanticDiagnosticsAsync(generated.GetSemanticModel(tree), filterSpan: null, default));
        }

        // Every diagnostic is local to the file of the model it is about: a symbol action's diagnostic outside the
        // symbol's declarations only shows in a whole-compilation run (a build), never in the IDE's per-file analysis.
        var perFile = diagnostics.Select(d => d.ToString()).ToHashSet();
        foreach (Diagnostic d in await analyzing.GetAnalyzerDiagnosticsAsync())
        {
            if (!perFile.Contains(d.ToString()))
            {
                failures.Add($"reported only by a whole-compilation analysis (non-local, invisible to per-file analysis): {d}\n{Dump()}");
            }
        }

        failures.AddRange(exceptions.Select(e => e + "\n" + Dump()));
        foreach (Diagnostic d in diagnostics.Where(d => d.Id is "AD0001" or "SAM0017" || !s_catalogued.Contains(d.Id)))
        {
            failures.Add($"analyzer reported {d}\n{Dump()}");
        }

        foreach ((string id, int expected) in new[] { ("SAM0001", project.NonPartialModels), ("SAM0018", project.FileLocalModels), ("SAM0019", project.TooDeepModels) })
        {
            int actual = diagnostics.Count(d => d.Id == id);
            if (actual != expected)
            {
                failures.Add($"{actual} {id} for {expected} models:\n{string.Join("\n", diagnostics.Where(d => d.Id == id))}\n{Dump()}");
            }
        }
    }

    private static Gen<(int Op, int Index, string Replacement)> Edit(int tokenCount) =>
        from op in Gen.Choose(0, 3)
        from index in Gen.Choose(0, tokenCount - 1)
        from replacement in Gen.Elements(s_replacements)
        select (op, index, replacement);

    // op 0: delete the token; 1: duplicate it; 2: swap with the next; 3: replace it with a hostile expression.
    private static string Apply(SyntaxToken[] tokens, IEnumerable<(int Op, int Index, string Replacement)> edits)
    {
        string[] texts = tokens.Select(t => t.ToFullString()).ToArray();
        foreach ((int op, int i, string replacement) in edits)
        {
            switch (op)
            {
                case 0: texts[i] = ""; break;
                case 1: texts[i] += texts[i]; break;
                case 2 when i + 1 < texts.Length: (texts[i], texts[i + 1]) = (texts[i + 1], texts[i]); break;
                default: texts[i] = " " + replacement + " "; break;
            }
        }

        return string.Concat(texts);
    }

    // Variants are checked in batches, one file each in one compilation (each in its own namespace so their
    // types do not merge): the analyzer driver's fixed cost per compilation would otherwise dominate.
    private async Task<int> CheckAll(IReadOnlyList<string> variants, int batchSize = 150)
    {
        var stopwatch = Stopwatch.StartNew();
        var failures = new List<string>();
        for (int first = 0; first < variants.Count; first += batchSize)
        {
            string[] batch = variants.Skip(first).Take(batchSize)
                .Select((v, j) => ReplaceFirst(v, "namespace N;", $"namespace N{j};"))
                .ToArray();
            await CheckBatch(batch, failures);
        }

        output.WriteLine($"{variants.Count} variants in {stopwatch.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.Count == 0, $"{failures.Count} failures; first:\n{failures.FirstOrDefault()}");
        return variants.Count;
    }

    private static async Task CheckBatch(string[] batch, List<string> failures)
    {
        Compilation compilation = CompilationFactory.Create(batch, []);
        string SourceOf(SyntaxTree? tree) => tree is not null && tree.FilePath.StartsWith("Source", StringComparison.Ordinal)
            ? batch[int.Parse(tree.FilePath.AsSpan(6, tree.FilePath.Length - 9), provider: System.Globalization.CultureInfo.InvariantCulture)]
            : "(generated or no tree)";

        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            if (ParseAndEmitDirectly(compilation, tree) is { } parserFailure)
            {
                failures.Add(parserFailure + "\n--- source ---\n" + SourceOf(tree));
            }
        }

        GeneratorDriver driver = GeneratorRunner.CreateDriver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation generated, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        if (result.Exception is not null || generatorDiagnostics.Any(d => d.Id == "CS8785"))
        {
            failures.Add($"generator: {result.Exception}{string.Join("\n", generatorDiagnostics)}\n--- batch ---\n{string.Join("\n=====\n", batch)}");
        }

        var exceptions = new ConcurrentQueue<string>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions([]),
            (e, analyzer, d) => exceptions.Enqueue($"{analyzer.GetType().Name} threw {e}\n--- source ---\n{SourceOf(d.Location.SourceTree)}"),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: false);
        // On the variants' own trees only: the analyzers' symbol actions run for every type declared there, and the
        // (large, already checked) generated code is not bound again.
        CompilationWithAnalyzers analyzing = generated.WithAnalyzers(AnalyzerRunner.Analyzers, options);
        var diagnostics = new List<Diagnostic>();
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            diagnostics.AddRange(await analyzing.GetAnalyzerSemanticDiagnosticsAsync(generated.GetSemanticModel(tree), filterSpan: null, default));
        }

        failures.AddRange(exceptions);
        foreach (Diagnostic d in diagnostics.Where(d => d.Id == "AD0001" || !s_catalogued.Contains(d.Id)))
        {
            failures.Add($"analyzer reported {d}\n--- source ---\n{SourceOf(d.Location.SourceTree)}");
        }
    }

    private static string ReplaceFirst(string text, string find, string replacement)
    {
        int i = text.IndexOf(find, StringComparison.Ordinal);
        return i < 0 ? text : text.Substring(0, i) + replacement + text.Substring(i + find.Length);
    }

    // The shared parser and the emitter, without the try/catch the generator and analyzer wrap them in.
    private static string? ParseAndEmitDirectly(Compilation compilation, SyntaxTree tree)
    {
        SemanticModel model = compilation.GetSemanticModel(tree);
        foreach (TypeDeclarationSyntax declaration in tree.GetRoot().DescendantNodes().OfType<TypeDeclarationSyntax>())
        {
            if (model.GetDeclaredSymbol(declaration) is not INamedTypeSymbol type)
            {
                continue;
            }

            foreach (AttributeData attribute in type.GetAttributes().Where(a => a.AttributeClass?.ToDisplayString() == TypeNames.SharpnessAwareAttribute))
            {
                try
                {
                    ParseResult result = ModelParser.Parse(type, attribute, compilation, default);
                    foreach (DiagnosticInfo d in result.Diagnostics)
                    {
                        _ = d.ToDiagnostic();
                    }

                    if (result.Model is not null)
                    {
                        _ = ModelFileEmitter.Emit(result.Model);
                    }
                }
                catch (Exception e)
                {
                    return $"parser/emitter threw on {type.Name}: {e}";
                }
            }
        }

        return null;
    }
}
