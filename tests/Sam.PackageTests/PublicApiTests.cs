using System;
using System.IO;
using Sam.PackageTests.Infrastructure;
using Xunit;

namespace Sam.PackageTests;

/// <summary>
/// The public surface of Sam.Runtime.dll is a deliberate decision: any change to it must come with an
/// updated api/Sam.Runtime.approved.txt in the same commit, so reviewers see the API diff.
/// </summary>
public class PublicApiTests
{
    [Fact]
    public void The_public_API_of_Sam_Runtime_matches_the_approved_baseline()
    {
        string actual = PublicApiRenderer.Render(typeof(Parameter).Assembly);
        string approvedPath = Path.Combine(RepositoryPaths.ApiFolder, "Sam.Runtime.approved.txt");
        string receivedPath = Path.Combine(RepositoryPaths.ApiFolder, "Sam.Runtime.received.txt");
        if (Environment.GetEnvironmentVariable("UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(RepositoryPaths.ApiFolder);
            File.WriteAllText(approvedPath, actual);
            File.Delete(receivedPath);
            return;
        }

        string approved = File.Exists(approvedPath) ? File.ReadAllText(approvedPath).ReplaceLineEndings("\n") : "";
        if (approved == actual)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, actual);
        Assert.Fail(
            $"The public API of Sam.Runtime changed (or {approvedPath} is missing).\n" +
            $"Compare: diff {approvedPath} {receivedPath}\n" +
            "If the change is intended, accept it with UPDATE_SNAPSHOTS=1 dotnet test tests/Sam.PackageTests and commit the baseline.\n" +
            FirstDifference(approved, actual));
    }

    [Fact]
    public void Rendering_is_deterministic()
    {
        Assert.Equal(PublicApiRenderer.Render(typeof(Parameter).Assembly), PublicApiRenderer.Render(typeof(Parameter).Assembly));
    }

    private static string FirstDifference(string approved, string actual)
    {
        string[] a = approved.Split('\n'), b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string left = i < a.Length ? a[i] : "<end>", right = i < b.Length ? b[i] : "<end>";
            if (left != right)
            {
                return $"First difference at line {i + 1}:\n  approved: {left}\n  received: {right}";
            }
        }

        return "";
    }
}
