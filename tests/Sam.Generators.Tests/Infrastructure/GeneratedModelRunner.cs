using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Xunit;

namespace Sam.Generators.Tests.Infrastructure;

/// <summary>
/// Runs a generated model's walk: emits the generator's output compilation, loads it into a collectible context
/// (Sam.Runtime comes from the test's own context, so its types are shared), creates the model with its
/// parameterless constructor and returns the member paths <c>VisitParameters</c> reports, formatted as checkpoints
/// key them ("Blocks[2].W").
/// </summary>
public static class GeneratedModelRunner
{
    public static IReadOnlyList<string> Paths(Compilation output, string modelType, params (string Name, byte[] Image)[] libraries)
    {
        using var stream = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        var context = new AssemblyLoadContext("generated-model", isCollectible: true);
        context.Resolving += (ctx, name) => libraries.Where(l => l.Name == name.Name).Select(l => ctx.LoadFromStream(new MemoryStream(l.Image))).FirstOrDefault();
        try
        {
            stream.Position = 0;
            Type type = context.LoadFromStream(stream).GetType(modelType, throwOnError: true)!;
            var model = (ISamParameterSource)Activator.CreateInstance(type)!;
            var first = new Collect { Paths = new List<string>() };
            model.VisitParameters(ref first);

            // The second walk reads every path from the nodes the first one built: the same strings.
            var second = new Collect { Paths = new List<string>() };
            model.VisitParameters(ref second);
            Assert.Equal(first.Paths, second.Paths);
            return first.Paths;
        }
        finally
        {
            context.Unload();
        }
    }

    private struct Collect : ISamParameterVisitor
    {
        public List<string> Paths;

        public readonly void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed) =>
            Paths.Add(SamCheckpoint.FormatPath(memberPath, indices) + (perturbed ? "" : " (not perturbed)"));
    }
}
