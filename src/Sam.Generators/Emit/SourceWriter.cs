using System;
using System.Text;

namespace Sam.Generators.Emit;

/// <summary>
/// An indent-aware text builder for generated code. Lines end with "\n" whatever the platform, so the output
/// is byte-for-byte deterministic.
/// </summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _sb = new();
    private int _indent;

    public void Indent() => _indent++;

    public void Unindent()
    {
        if (_indent == 0)
        {
            throw new InvalidOperationException("Unbalanced indentation.");
        }

        _indent--;
    }

    public void Line(string text = "")
    {
        if (text.Length > 0)
        {
            _sb.Append(' ', _indent * 4).Append(text);
        }

        _sb.Append('\n');
    }

    public void Open(string header)
    {
        if (header.Length > 0)
        {
            Line(header);
        }

        Line("{");
        Indent();
    }

    public void Close(string closer = "}")
    {
        Unindent();
        Line(closer);
    }

    public override string ToString()
    {
        if (_indent != 0)
        {
            throw new InvalidOperationException("Generated source ended with open blocks.");
        }

        return _sb.ToString();
    }
}
