using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Sam.Generators.Diagnostics;
using Sam.Generators.Tests.Infrastructure;
using Xunit;

namespace Sam.Generators.Tests;

/// <summary>
/// Issue 14, items 1–6, and issue 10's "errors never vanish": the generator never throws into the compiler, never
/// drops a parameter or a model without a diagnostic, and writes code that compiles whatever the names.
/// </summary>
public class CompileTimeReliabilityTests
{
    // Attributes that keep the theory analyzer quiet, so the assertions below see only what they test.
    private const string Quiet = "[SharpnessAware(Rho = 0.05, Noise = GradientNoise.Deterministic, Landscape = LossLandscape.Convex), Sgd(LearningRate = 0.1)]";

    // ---- 1. Hint names that differ only by letter case ----------------------------------------------------------

    [Fact]
    public void Models_whose_names_differ_only_by_case_each_get_their_code()
    {
        string[] models =
        [
            $$"""namespace N { {{Quiet}} public partial class Net { public Parameter W = Parameter.Zeros("w", 2); } }""",
            $$"""namespace N { {{Quiet}} public partial class NET { public Parameter W = Parameter.Zeros("w", 2); } }""",
            $$"""namespace N { {{Quiet}} public partial class nET<T> { public Parameter W = Parameter.Zeros("w", 2); } }""",
            $$"""namespace N { {{Quiet}} public partial class Net<T> { public Parameter W = Parameter.Zeros("w", 2); } }""",
            $$"""namespace A.net { {{Quiet}} public partial class M { public Parameter W = Parameter.Zeros("w", 2); } }""",
            $$"""namespace a.Net { {{Quiet}} public partial class M { public Parameter W = Parameter.Zeros("w", 2); } }""",
        ];
        const string Use = """
            public static class Use
            {
                public static void All()
                {
                    new N.Net().Perturb(); new N.NET().Perturb(); new N.nET<int>().Perturb(); new N.Net<int>().Perturb();
                    new A.net.M().Perturb(); new a.Net.M().Perturb();
                }
            }
            """;

        GeneratorResult result = GeneratorRunner.Run([.. models.Select(m => "using Sam;\n" + m), Use]);
        Assert.All(result.RunResult.Results, r => Assert.Null(r.Exception));
        Assert.DoesNotContain(result.GeneratorDiagnostics, d => d.Id == "CS8785");
        Assert.Equal(6, result.Sources.Count);
        Assert.Equal(6, result.Sources.Keys.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Empty(CompilationFactory.Errors(result.Output));

        // Deterministic: the same names whatever order the models are declared in.
        GeneratorResult reordered = GeneratorRunner.Run([Use, .. models.Reverse().Select(m => "using Sam;\n" + m)]);
        Assert.Equal(result.Sources.Keys.OrderBy(k => k, StringComparer.Ordinal), reordered.Sources.Keys.OrderBy(k => k, StringComparer.Ordinal));
        Assert.Contains("N.Net_Cc.Sam.g.cs", result.Sources.Keys);

        // Names that collide with nothing keep the plain metadata-name hint.
        Assert.Equal(["Demo.Mlp.Sam.g.cs"], GeneratorRunner.Run(TestSources.Mlp, TestSources.Dense).Sources.Keys);
    }

    [Fact]
    public void Hint_names_are_ascii_one_to_one_and_unique_ignoring_case()
    {
        string[] names = ["N.Net", "N.NET", "N.nET", "N.net", "N.Net`1", "N.Net_1", "N.A+B", "N.A_B", "N.Été", "N.été", "N.\u0130", "N.i", "N.I"];
        string[] hints = [.. names.Select(Sam.Generators.Parsing.HintNames.For)];
        Assert.All(hints, h => Assert.True(h.All(c => c < 128), h));
        Assert.Equal(names.Length, hints.Distinct(StringComparer.Ordinal).Count());
        Assert.DoesNotContain(hints, h => h.Contains("_C", StringComparison.OrdinalIgnoreCase));

        Sam.Generators.Model.EquatableArray<string> collisions = Sam.Generators.Parsing.HintNames.Collisions([.. hints]);
        string[] resolved = [.. hints.Select(h => Sam.Generators.Parsing.HintNames.Resolve(h, collisions))];
        Assert.Equal(names.Length, resolved.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Equal("N.A_NB.Sam.g.cs", resolved[6]);
        Assert.Equal("N.NET_Cf.Sam.g.cs", resolved[1]);
    }

    // ---- 2. Deep sub-module trees: reported, and never a truncated walk cached --------------------------------------

    [Fact]
    public async Task A_parameter_below_the_depth_limit_is_reported_and_a_type_first_reached_at_the_limit_is_walked_fully_elsewhere()
    {
        // Root.A reaches X 32 levels down (C0 … C30, then X), where X.Y would be level 33; Root.B reaches X at level 1.
        var sb = new StringBuilder("using Sam;\nnamespace N;\n");
        sb.Append(Quiet).Append("\npublic partial class Root { public C0 A = new(); public X B = new(); }\n");
        for (int i = 0; i <= 30; i++)
        {
            string next = i == 30 ? "X" : "C" + (i + 1);
            sb.Append($"public class C{i} {{ public Parameter P{i} = Parameter.Zeros(\"p\", 1); public {next} Next = new(); }}\n");
        }

        sb.Append("public class X { public Parameter W = Parameter.Zeros(\"w\", 1); public Y Y = new(); }\n");
        sb.Append("public class Y { public Parameter V = Parameter.Zeros(\"v\", 1); }\n");

        GeneratorResult result = GeneratorRunner.Run(sb.ToString());
        Assert.Single(result.Sources.Values);
        Assert.Empty(CompilationFactory.Errors(result.Output));
        IReadOnlyList<string> paths = GeneratedModelRunner.Paths(result.Output, "N.Root");
        Assert.Contains("B.Y.V", paths);
        Assert.Contains("B.W", paths);
        Assert.Contains("A." + string.Concat(Enumerable.Repeat("Next.", 31)) + "W", paths);
        Assert.DoesNotContain("A." + string.Concat(Enumerable.Repeat("Next.", 31)) + "Y.V", paths);

        ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(result.Output);
        Diagnostic deep = Assert.Single(diagnostics, d => d.Id == "SAM0019");
        Assert.Contains("Member 'Y' of 'X' is a sub-module 33 levels below 'Root'", deep.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        Assert.Equal("Y", deep.Location.SourceTree!.GetText().ToString(deep.Location.SourceSpan));
    }

    [Fact]
    public async Task Diagnostics_about_members_declared_in_other_files_are_reported_in_the_models_own_file()
    {
        // The grammar sweep's project 22: the chain Deep0 … Deep34 in one file, the model in another. The analyzer
        // reports from the model's symbol action, and a diagnostic outside the files declaring the symbol is non-local:
        // the IDE's per-file analysis (GetAnalyzerSemanticDiagnosticsAsync on the model's file) never shows it, which is
        // how the sweep lost SAM0019. Same for a sub-module's protected parameter (SAM0007) and for a base class's
        // unsupported member (SAM0003) declared in another file.
        var other = new StringBuilder("using System.Collections.Generic;\nusing Sam;\nnamespace R22P1;\n");
        for (int i = 0; i < 35; i++)
        {
            string next = i + 1 < 35 ? $"public Deep{i + 1} Next = new(); " : "";
            other.Append($"public class Deep{i} {{ public Parameter P{i} = Parameter.Zeros(\"p\", 1); {next}}}\n");
        }

        other.Append("public class Block { public int Weight = 0; }\n");
        other.Append("public class Guarded { public Parameter W = Parameter.Zeros(\"w\", 1); protected Parameter Hidden { get; } = Parameter.Zeros(\"h\", 1); }\n");
        other.Append("public class HoldsChain { public Deep0 Inherited { get; } = new(); public Dictionary<string, Parameter> Map { get; } = new(); }\n");
        string model = $$"""
            using Sam;
            namespace R22P1.Microsoft.Contoso.Ml
            {
                {{Quiet}}
                public partial class @event
                {
                    [SamIgnore] public Parameter @int { get; } = Parameter.Zeros("x", 1);
                    public Parameter W { get; } = Parameter.Zeros("x", 1);
                    public global::R22P1.Block[] @out { get; } = [];
                    public global::R22P1.Deep0 Deep { get; } = new();
                    public global::R22P1.Guarded Guard { get; } = new();
                }

                {{Quiet}}
                public partial class Derived : global::R22P1.HoldsChain { public Parameter W { get; } = Parameter.Zeros("x", 1); }
            }
            """;

        GeneratorResult result = GeneratorRunner.Run(other.ToString(), model);
        Assert.Empty(CompilationFactory.Errors(result.Output));
        SyntaxTree modelTree = result.Output.SyntaxTrees.Single(t => t.FilePath == "Source1.cs");
        CompilationWithAnalyzers analyzing = result.Output.WithAnalyzers(AnalyzerRunner.Analyzers, new AnalyzerOptions([]));
        ImmutableArray<Diagnostic> perFile = await analyzing.GetAnalyzerSemanticDiagnosticsAsync(result.Output.GetSemanticModel(modelTree), filterSpan: null, default);
        string At(Diagnostic d) => d.Id + " " + (d.Location.SourceTree == modelTree ? modelTree.GetText().ToString(d.Location.SourceSpan) : d.Location.ToString());
        string[] found = [.. perFile.Where(d => d.Id is "SAM0003" or "SAM0007" or "SAM0019").Select(At).OrderBy(s => s, StringComparer.Ordinal)];

        // On the model's member the far one is reached through (the message names the far one), or, when that is
        // inherited from a base declared elsewhere, on the model's name.
        Assert.Equal(["SAM0003 Derived", "SAM0007 Guard", "SAM0019 Deep", "SAM0019 Derived"], found);
        Assert.Contains(perFile, d => d.Id == "SAM0019" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("Member 'Next' of 'Deep31' is a sub-module 33 levels below 'event'", StringComparison.Ordinal));

        // Nothing else in a whole-compilation run (a build): every diagnostic is local to its model's file.
        Assert.Equal(found, (await analyzing.GetAnalyzerDiagnosticsAsync()).Where(d => d.Id is "SAM0003" or "SAM0007" or "SAM0019").Select(At).OrderBy(s => s, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_deep_chain_without_parameters_below_the_limit_is_not_reported()
    {
        var sb = new StringBuilder("using Sam;\nnamespace N;\n");
        sb.Append(Quiet).Append("\npublic partial class Root { public Parameter W = Parameter.Zeros(\"w\", 1); public C0 A = new(); }\n");
        for (int i = 0; i <= 40; i++)
        {
            string member = i <= 20 ? $"public Parameter P{i} = Parameter.Zeros(\"p\", 1); " : "";
            sb.Append($"public class C{i} {{ {member}public C{i + 1}? Next; }}\n");
        }

        sb.Append("public class C41 { public int Value; }\n");
        GeneratorResult result = GeneratorRunner.Run(sb.ToString());
        Assert.Empty(CompilationFactory.Errors(result.Output));
        Assert.DoesNotContain(await AnalyzerRunner.RunAsync(result.Output), d => d.Id == "SAM0019");
    }

    [Fact]
    public async Task A_parameter_in_a_deeply_nested_unsupported_generic_shape_is_reported()
    {
        string nested = string.Concat(Enumerable.Repeat("List<", 12)) + "Parameter" + new string('>', 12);
        GeneratorResult result = GeneratorRunner.Run($$"""
            using System.Collections.Generic;
            using Sam;
            namespace N;
            {{Quiet}} public partial class Net { public Parameter W = Parameter.Zeros("w", 2); public {{nested}} Deep = new(); }
            """);
        Diagnostic unsupported = Assert.Single(await AnalyzerRunner.RunAsync(result.Output), d => d.Id == "SAM0003");
        Assert.Equal("Deep", unsupported.Location.SourceTree!.GetText().ToString(unsupported.Location.SourceSpan));
    }

    [Fact]
    public Task Members_named_in_the_walks_reserved_range_are_reported() => AnalyzerRunner.VerifyAsync("""
        using Sam;
        [SharpnessAware]
        public partial class Model
        {
            public Parameter W { get; } = Parameter.Zeros("w", 1);
            private static readonly object {|SAM0005:__samPaths|} = new();
            private static void {|SAM0005:__samWalkBlock|}() { }
        }
        """);

    // ---- 3. Framework-ness by assembly, not by namespace ------------------------------------------------------------

    [Fact]
    public async Task Types_in_System_and_Microsoft_namespaces_of_the_project_or_of_a_library_using_Sam_are_walked()
    {
        var library = CompileLibrary("Contoso.Layers", """
            using Sam;
            namespace Microsoft.Contoso.Layers;
            public class Dense { public Parameter W { get; } = Parameter.Zeros("w", 2); public Parameter B { get; } = Parameter.Zeros("b", 2); }
            """);
        string source = $$"""
            using Sam;
            namespace System.Contoso
            {
                public class Block { public Parameter U = Parameter.Zeros("u", 2); }
            }
            namespace Microsoft.Contoso.Ml
            {
                public class Base { public Parameter Inherited = Parameter.Zeros("i", 2); }
                {{Quiet}}
                public partial class Net : Base
                {
                    public Parameter W = Parameter.Zeros("w", 2);
                    public global::System.Contoso.Block Block = new();
                    public Microsoft.Contoso.Layers.Dense Head { get; } = new();
                }
            }
            """;
        GeneratorResult result = GeneratorRunner.Run(CompilationFactory.Create([source], [library.Reference]));
        Assert.Single(result.Sources.Values);
        Assert.Empty(CompilationFactory.Errors(result.Output));
        Assert.Equal(["Inherited", "W", "Block.U", "Head.W", "Head.B"], GeneratedModelRunner.Paths(result.Output, "Microsoft.Contoso.Ml.Net", ("Contoso.Layers", library.Image)));
        Assert.DoesNotContain(await AnalyzerRunner.RunAsync(result.Output), d => d.Id.StartsWith("SAM00", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_model_in_a_System_namespace_is_generated_and_analyzed()
    {
        string source = """
            using Sam;
            namespace System.Contoso.Ml;
            [SharpnessAware(Rho = -1)]
            public partial class Net { public Parameter W = Parameter.Zeros("w", 2); }
            """;
        GeneratorResult result = GeneratorRunner.Run(source);
        Assert.Contains("\"W\"", Assert.Single(result.Sources.Values), StringComparison.Ordinal);
        ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(result.Output);
        Assert.Contains(diagnostics, d => d.Id == "SAM0004");
        Assert.DoesNotContain(diagnostics, d => d.Id == "SAM0002");
    }

    // ---- 4. Keywords as names --------------------------------------------------------------------------------------

    [Theory]
    [InlineData("KeywordClass", """
        namespace N;
        {Quiet} public partial class @class { public Parameter @int = Parameter.Zeros("w", 2); public @struct @object = new(); }
        public class @struct { public Parameter @base = Parameter.Zeros("b", 2); public Parameter[] @params = []; }
        """)]
    [InlineData("KeywordTypeParameter", """
        namespace N;
        {Quiet} public partial class Net<@int, @string> where @int : class { public Parameter W = Parameter.Zeros("w", 2); public @int? Tag; }
        """)]
    [InlineData("KeywordContainersAndNamespace", """
        namespace @event.@namespace
        {
            public partial class @static<@in>
            {
                {Quiet} public partial record @object { public Parameter @this = Parameter.Zeros("w", 2); }
            }
        }
        """)]
    public void Names_that_are_keywords_produce_code_that_compiles(string name, string body)
    {
        string source = "using Sam;\n" + body.Replace("{Quiet}", Quiet, StringComparison.Ordinal);
        GeneratorResult result = GeneratorRunner.Run(source);
        Assert.All(result.RunResult.Results, r => Assert.Null(r.Exception));
        string generated = Assert.Single(result.Sources.Values);

        // CS8981 (a type name of lower-case ASCII only) is the user's own declaration's warning, not the generator's.
        var errors = result.Output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error && d.Id != "CS8981")
            .Select(d => d.ToString())
            .ToList();
        Assert.True(errors.Count == 0, name + ":\n" + string.Join("\n", errors) + "\n" + generated);
    }

    [Fact]
    public void A_keyword_member_keeps_its_plain_name_in_paths()
    {
        GeneratorResult result = GeneratorRunner.Run($$"""
            using Sam;
            namespace N;
            {{Quiet}} public partial class Net { public Parameter @class = Parameter.Zeros("w", 2); }
            """);
        string generated = Assert.Single(result.Sources.Values);
        Assert.Contains("this.@class, \"class\"", generated, StringComparison.Ordinal);
    }

    // ---- 5. File-local models, models in generated files ------------------------------------------------------------

    [Theory]
    [InlineData("// <auto-generated/>\n")]
    [InlineData("// <autogenerated />\n")]
    [InlineData("")]
    public async Task Models_in_files_marked_generated_get_their_diagnostics(string header)
    {
        string source = header + """
            using Sam;
            namespace N;
            [SharpnessAware(Rho = -1)]
            public partial class Invalid { public Parameter W = Parameter.Zeros("w", 2); }
            [SharpnessAware]
            public class NotPartial { public Parameter W = Parameter.Zeros("w", 2); }
            """;
        GeneratorResult result = GeneratorRunner.Run(source);
        ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(result.Output);
        Assert.Contains(diagnostics, d => d.Id == "SAM0004" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).StartsWith("Rho = -1", StringComparison.Ordinal));
        Assert.Contains(diagnostics, d => d.Id == "SAM0001");
    }

    [Fact]
    public async Task A_file_local_model_is_reported_and_not_generated()
    {
        string source = """
            using Sam;
            namespace N;
            [SharpnessAware(Rho = 0.05)]
            file partial class {|SAM0018:Net|} { public Parameter W = Parameter.Zeros("w", 2); }
            file partial class Outer
            {
                [SharpnessAware(Rho = 0.05)]
                public partial class {|SAM0018:Inner|} { public Parameter W = Parameter.Zeros("w", 2); }
            }
            file static class Use { public static Net Make() => new(); }
            """;
        (string plain, _) = Markup.Parse(source);
        GeneratorResult result = GeneratorRunner.Run(plain);
        Assert.Empty(result.Sources);
        Assert.Empty(CompilationFactory.Errors(result.Output));
        ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(result.Output);
        Assert.Equal(2, diagnostics.Count(d => d.Id == "SAM0018"));
        Assert.Contains(diagnostics, d => d.Id == "SAM0018" && d.GetMessage(System.Globalization.CultureInfo.InvariantCulture).Contains("on its containing type 'Outer'", StringComparison.Ordinal));
        await AnalyzerRunner.VerifyAsync(source.Replace("[SharpnessAware(Rho = 0.05)]", Quiet, StringComparison.Ordinal));
    }

    // ---- 6. Values that overflow single precision -------------------------------------------------------------------

    [Theory]
    [InlineData("[SharpnessAware(PerturbWeightDecay = true), Sgd(WeightDecay = {|SAM0004:double.MaxValue|})]")]
    [InlineData("[SharpnessAware, Sgd(LearningRate = 1e20, WeightDecay = {|SAM0004:1e20|})]")]
    [InlineData("[SharpnessAware, Sgd(LearningRate = {|SAM0004:1e39|})]")]
    [InlineData("[SharpnessAware, Sgd(LearningRate = {|SAM0004:1e-50|})]")]
    [InlineData("[SharpnessAware(Rho = {|SAM0004:1e300|}), Sgd]")]
    [InlineData("[SharpnessAware, AdamW(Epsilon = {|SAM0004:1e-46|}, WeightDecay = {|SAM0004:4e38|})]")]
    [InlineData("[SharpnessAware(Variant = SamVariant.Asam, AsamEta = {|SAM0004:1e-300|})]")]
    public async Task Values_that_overflow_or_vanish_in_single_precision_are_rejected_at_build_time(string attributes)
    {
        string marked = Sam.Generators.Tests.Analyzers.Models.With(attributes);
        (string source, IReadOnlyList<ExpectedDiagnostic> expected) = Markup.Parse(marked);
        GeneratorResult result = GeneratorRunner.Run(source);
        ImmutableArray<Diagnostic> diagnostics = await AnalyzerRunner.RunAsync(result.Output);
        Assert.Equal(
            expected.Select(e => (e.Id, e.Span)).OrderBy(e => e.Span.Start),
            diagnostics.Where(d => d.Id == "SAM0004").Select(d => (d.Id, d.Location.SourceSpan)).OrderBy(e => e.SourceSpan.Start));
    }

    [Fact]
    public async Task Large_but_representable_values_are_accepted()
    {
        string source = Sam.Generators.Tests.Analyzers.Models.With("[SharpnessAware(Rho = 3e38, PerturbWeightDecay = true), Sgd(LearningRate = 1e-40, WeightDecay = 1e38)]");
        GeneratorResult result = GeneratorRunner.Run(source);
        Assert.DoesNotContain(await AnalyzerRunner.RunAsync(result.Output), d => d.Id == "SAM0004");
    }

    // ---- 7. Internal errors are reported, not swallowed -------------------------------------------------------------

    [Fact]
    public async Task A_parser_failure_is_SAM0017_from_the_generator_and_the_analyzer_and_the_other_models_still_generate()
    {
        string source = $$"""
            using Sam;
            namespace N;
            {{Quiet}} public partial class Broken { public Parameter W = Parameter.Zeros("w", 2); }
            {{Quiet}} public partial class Fine { public Parameter W = Parameter.Zeros("w", 2); }
            """;
        using (InternalErrors.InjectFailures((stage, type) => stage == InternalErrors.ParseStage && type == "Broken" ? new InvalidCastException("injected\nfailure") : null))
        {
            GeneratorResult result = GeneratorRunner.Run(source);
            Assert.All(result.RunResult.Results, r => Assert.Null(r.Exception));
            Assert.Equal(["N.Fine.Sam.g.cs"], result.Sources.Keys);
            Diagnostic fromGenerator = Assert.Single(result.GeneratorDiagnostics);
            Assert.Equal("SAM0017", fromGenerator.Id);
            Assert.Equal(DiagnosticSeverity.Error, fromGenerator.Severity);
            string message = fromGenerator.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Contains("The Sam.Dsl generator failed on 'N.Broken' with System.InvalidCastException: injected failure;", message, StringComparison.Ordinal);
            Assert.Contains("please file an issue", message, StringComparison.Ordinal);
            Assert.Equal("Broken", source.Substring(fromGenerator.Location.SourceSpan.Start, fromGenerator.Location.SourceSpan.Length));

            ImmutableArray<Diagnostic> analyzed = await AnalyzerRunner.RunAsync(result.Output);
            Diagnostic fromAnalyzer = Assert.Single(analyzed, d => d.Id == "SAM0017");
            Assert.Contains("The Sam.Dsl analyzer failed on 'N.Broken'", fromAnalyzer.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
            Assert.Equal("Broken", fromAnalyzer.Location.SourceTree!.GetText().ToString(fromAnalyzer.Location.SourceSpan));
        }

        // The hook is scoped: without it the same source generates both.
        Assert.Equal(2, GeneratorRunner.Run(source).Sources.Count);
    }

    [Fact]
    public void An_emitter_failure_is_SAM0017_and_the_compiler_keeps_going()
    {
        string source = $$"""
            using Sam;
            namespace N;
            {{Quiet}} public partial class Broken { public Parameter W = Parameter.Zeros("w", 2); }
            {{Quiet}} public partial class Fine { public Parameter W = Parameter.Zeros("w", 2); }
            """;
        using IDisposable _ = InternalErrors.InjectFailures((stage, type) => stage == InternalErrors.EmitStage && type == "Broken" ? new IndexOutOfRangeException("boom") : null);
        GeneratorResult result = GeneratorRunner.Run(source);
        Assert.All(result.RunResult.Results, r => Assert.Null(r.Exception));
        Assert.Equal(["N.Fine.Sam.g.cs"], result.Sources.Keys);
        Diagnostic error = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal("SAM0017", error.Id);
        Assert.Contains("generator failed on 'Broken' with System.IndexOutOfRangeException: boom", error.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
    }

    private static (MetadataReference Reference, byte[] Image) CompileLibrary(string name, string source)
    {
        CSharpCompilation library = CompilationFactory.Create([source], [], name);
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = library.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return (MetadataReference.CreateFromImage(stream.ToArray()), stream.ToArray());
    }
}
