namespace Sam.Generators.Polyfills;

/// <summary>A small hash combiner: netstandard2.0 has no System.HashCode, and a package for it would have to ship with the analyzer.</summary>
internal static class Hash
{
    public static int Combine(int h, int value) => unchecked((h * -1521134295) + value);
}
