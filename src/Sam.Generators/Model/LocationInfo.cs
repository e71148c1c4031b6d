using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace Sam.Generators.Model;

/// <summary>
/// A source location as plain data: a <see cref="Location"/> holds its syntax tree and would root the whole
/// compilation in the incremental cache (dotnet/runtime#92509).
/// </summary>
internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
{
    public static LocationInfo? From(Location? location) =>
        location is null || !location.IsInSource
            ? null
            : new LocationInfo(location.SourceTree!.FilePath, location.SourceSpan, location.GetLineSpan().Span);

    public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

    public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);
}
