using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Applies code fixes the way an IDE does, without the Testing package (dotnet/runtime's RoslynTestUtils shape):
/// an <see cref="AdhocWorkspace"/> project, the analyzers' diagnostics, the fix's <see cref="CodeAction"/>, and its
/// <see cref="ApplyChangesOperation"/>.
/// </summary>
public static class CodeFixRunner
{
    /// <summary>Fixes the first diagnostic with <paramref name="id"/> and returns the new text (LF).</summary>
    public static async Task<string> FixOnceAsync(string source, CodeFixProvider fix, string id)
    {
        using var workspace = new AdhocWorkspace();
        Document document = CreateDocument(workspace, source);
        Diagnostic diagnostic = (await DiagnoseAsync(document)).First(d => d.Id == id);
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, diagnostic, (a, _) => actions.Add(a), CancellationToken.None);
        await fix.RegisterCodeFixesAsync(context);
        CodeAction action = Assert.Single(actions);
        Assert.False(string.IsNullOrEmpty(action.EquivalenceKey));
        Solution solution = await ApplyAsync(action, workspace.CurrentSolution);
        return await TextAsync(solution.GetDocument(document.Id)!);
    }

    /// <summary>Fixes every diagnostic with <paramref name="id"/> in the document at once through the fix's FixAllProvider.</summary>
    public static async Task<string> FixAllAsync(string source, CodeFixProvider fix, string id, string equivalenceKey)
    {
        using var workspace = new AdhocWorkspace();
        Document document = CreateDocument(workspace, source);
        FixAllProvider provider = fix.GetFixAllProvider()!;
        Assert.Contains(FixAllScope.Document, provider.GetSupportedFixAllScopes());
        var context = new FixAllContext(document, fix, FixAllScope.Document, equivalenceKey, [id], new Provider(), CancellationToken.None);
        CodeAction? action = await provider.GetFixAsync(context);
        Assert.NotNull(action);
        Solution solution = await ApplyAsync(action, workspace.CurrentSolution);
        return await TextAsync(solution.GetDocument(document.Id)!);
    }

    /// <summary>The analyzers' diagnostics of a document's project compilation (the generator does not run here).</summary>
    public static async Task<ImmutableArray<Diagnostic>> DiagnoseAsync(Document document)
    {
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        return await compilation.WithAnalyzers(AnalyzerRunner.Analyzers).GetAnalyzerDiagnosticsAsync();
    }

    private static Document CreateDocument(AdhocWorkspace workspace, string source)
    {
        CSharpCompilation template = CompilationFactory.Create();
        ProjectInfo project = ProjectInfo.Create(
            ProjectId.CreateNewId(),
            VersionStamp.Default,
            "TestModels",
            "TestModels",
            LanguageNames.CSharp,
            compilationOptions: template.Options,
            parseOptions: CompilationFactory.ParseOptions,
            metadataReferences: CompilationFactory.References);
        return workspace.AddProject(project).AddDocument("Source0.cs", SourceText.From(source));
    }

    private static async Task<Solution> ApplyAsync(CodeAction action, Solution solution)
    {
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        return Assert.Single(operations.OfType<ApplyChangesOperation>()).ChangedSolution;
    }

    private static async Task<string> TextAsync(Document document) =>
        (await document.GetTextAsync()).ToString().Replace("\r\n", "\n", System.StringComparison.Ordinal);

    private sealed class Provider : FixAllContext.DiagnosticProvider
    {
        public override async Task<IEnumerable<Diagnostic>> GetDocumentDiagnosticsAsync(Document document, CancellationToken cancellationToken)
        {
            SyntaxTree? tree = await document.GetSyntaxTreeAsync(cancellationToken);
            return (await DiagnoseAsync(document)).Where(d => d.Location.SourceTree == tree);
        }

        public override async Task<IEnumerable<Diagnostic>> GetProjectDiagnosticsAsync(Project project, CancellationToken cancellationToken) =>
            await GetAllDiagnosticsAsync(project, cancellationToken);

        public override async Task<IEnumerable<Diagnostic>> GetAllDiagnosticsAsync(Project project, CancellationToken cancellationToken)
        {
            Compilation compilation = (await project.GetCompilationAsync(cancellationToken))!;
            return await compilation.WithAnalyzers(AnalyzerRunner.Analyzers).GetAnalyzerDiagnosticsAsync(cancellationToken);
        }
    }
}
