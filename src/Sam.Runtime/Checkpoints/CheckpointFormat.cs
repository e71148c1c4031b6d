using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace Sam;

/// <summary>
/// The binary layout shared by optimizer-state and weight checkpoints: a 4-byte magic, an int32 version, then
/// little-endian records (strings length-prefixed UTF-8, float arrays raw IEEE-754). A reader never reads past
/// its own record, so weights and state can follow each other in one stream.
/// </summary>
internal static class CheckpointFormat
{
    public static BinaryWriter Writer(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
    }

    public static BinaryReader Reader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
    }

    public static void WriteHeader(BinaryWriter writer, string magic, int version)
    {
        writer.Write(Encoding.ASCII.GetBytes(magic));
        writer.Write(version);
    }

    /// <summary>Checks the magic and version; anything else is not a file this runtime can read.</summary>
    public static void ReadHeader(BinaryReader reader, string magic, int version, string what)
    {
        Span<byte> found = stackalloc byte[4];
        ReadExactly(reader, found);
        if (!found.SequenceEqual(Encoding.ASCII.GetBytes(magic)))
        {
            throw new InvalidDataException($"Not a Sam.Dsl {what} checkpoint: the stream does not start with '{magic}'.");
        }

        int v = reader.ReadInt32();
        if (v != version)
        {
            throw new InvalidDataException($"Unsupported {what} checkpoint version {v}; this runtime reads version {version}.");
        }
    }

    /// <summary>A count or length read from the file, checked so a corrupt value cannot make us allocate gigabytes.</summary>
    public static int ReadCount(BinaryReader reader, string what, int bytesPerItem)
    {
        int n = reader.ReadInt32();
        if (n < 0 || n > Array.MaxLength)
        {
            throw new InvalidDataException($"Corrupt checkpoint: {what} is {n}.");
        }

        Stream s = reader.BaseStream;
        if (s.CanSeek && (long)n * bytesPerItem > s.Length - s.Position)
        {
            throw new InvalidDataException($"Truncated checkpoint: {what} is {n} but the stream ends sooner.");
        }

        return n;
    }

    public static void WriteFloats(BinaryWriter writer, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            writer.Write(MemoryMarshal.AsBytes(values));
            return;
        }

        foreach (float v in values)
        {
            writer.Write(v);
        }
    }

    public static float[] ReadFloats(BinaryReader reader, int length)
    {
        var values = new float[length];
        ReadExactly(reader, MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian)
        {
            Span<int> bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }

        return values;
    }

    /// <summary>Runs a read, turning the reader's end-of-stream and encoding errors into <see cref="InvalidDataException"/>.</summary>
    public static T Guard<T>(Func<T> read, string what)
    {
        try
        {
            return read();
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Truncated {what} checkpoint: the stream ended in the middle of a record.", e);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Corrupt {what} checkpoint: {e.Message}", e);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"Corrupt {what} checkpoint: a name is not valid UTF-8.", e);
        }
    }

    private static void ReadExactly(BinaryReader reader, Span<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            int n = reader.Read(buffer);
            if (n <= 0)
            {
                throw new EndOfStreamException();
            }

            buffer = buffer[n..];
        }
    }
}
