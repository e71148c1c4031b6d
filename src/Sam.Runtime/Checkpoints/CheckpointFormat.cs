using System;
using System.Buffers.Binary;
using System.IO;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text;

namespace Sam;

/// <summary>
/// The binary layout shared by weight (<c>SAMW</c>) and optimizer-state (<c>SAMS</c>) checkpoints, version 3.
/// </summary>
/// <remarks>
/// <para>
/// Everything is little-endian. A record is a 4-byte magic, an int32 version, header fields, then entries; strings
/// are an int32 byte count (0 … <see cref="MaxStringBytes"/>) and strict UTF-8; float arrays are raw IEEE-754.
/// At fixed points the writer emits a <em>check</em>: 8 bytes holding the CRC-64 of every byte of the record
/// before it, from the magic on (earlier checks included). A reader verifies each check as it reaches it, so
/// the fields in front of a check (lengths and shapes above all) are trusted before anything is allocated from
/// them, and the last check covers the whole record. A reader never reads past its own record, so weights and
/// state can follow each other in one stream. docs/reliability.md gives the full layout.
/// </para>
/// <para>
/// Why CRC-64 (<see cref="Crc64"/>, ECMA-182) rather than XxHash3: the threat is a failing disk, a truncated copy
/// or a flipped bit, not an adversary. A CRC gives a <em>guarantee</em> for exactly those errors — every
/// single-bit flip, every odd number of flipped bits and every burst of up to 64 bits is detected, whatever the
/// record's length — where a hash only makes a miss unlikely (2⁻⁶⁴). Both are far faster than any disk
/// (System.IO.Hashing vectorises CRC-64 with carry-less multiplication), and 64 bits keep the chance of missing
/// an arbitrary corruption at 2⁻⁶⁴ too. Neither is a defence against deliberate forgery; the length limits
/// below (checked against the model before allocating, and bounded reads) keep a forged file from costing more
/// memory than its own size.
/// </para>
/// </remarks>
internal static class CheckpointFormat
{
    /// <summary>
    /// The version this runtime writes and reads. Version 1 (no checksums) is refused; version 3 added the engine's
    /// scalar state (SAM-step count, AE-SAM's averages, LookSAM's ‖g_v‖²) to the optimizer-state header.
    /// </summary>
    public const int Version = 3;

    /// <summary>The longest string (path, name) in bytes; longer ones are refused on save and treated as corrupt on load.</summary>
    public const int MaxStringBytes = 1 << 16;

    /// <summary>The highest tensor rank a weight record may hold.</summary>
    public const int MaxRank = 64;

    /// <summary>Floats written, read and hashed per slice: byte counts of whole tensors never go through an int.</summary>
    public const int FloatChunk = 1 << 16;

    /// <summary>
    /// Floats allocated up front for an array whose length the model does not confirm; past it the array grows as
    /// data actually arrives, so a forged length on a short stream costs at most about twice the stream's size.
    /// </summary>
    public const int UnconfirmedInitialFloats = 1 << 16;
}

/// <summary>Writes a checkpoint record, keeping the running CRC-64 the checks hold.</summary>
internal sealed class CheckpointWriter
{
    private readonly Stream _stream;
    private readonly Crc64 _crc = new();
    private byte[]? _swap;

    public CheckpointWriter(Stream stream, string magic)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        Span<byte> m = stackalloc byte[4];
        Encoding.ASCII.GetBytes(magic, m);
        Write(m);
        WriteInt32(CheckpointFormat.Version);
    }

    public void WriteByte(byte value) => Write([value]);

    public void WriteInt32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, value);
        Write(b);
    }

    public void WriteInt64(long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(b, value);
        Write(b);
    }

    /// <summary>Checks a string before anything is written (callers validate all strings first).</summary>
    public static void ValidateString(string value, string what)
    {
        if (Encoding.UTF8.GetByteCount(value) > CheckpointFormat.MaxStringBytes)
        {
            throw new InvalidOperationException($"A checkpoint holds strings of at most {CheckpointFormat.MaxStringBytes} UTF-8 bytes; {what} is longer.");
        }
    }

    public void WriteString(string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        WriteInt32(bytes.Length);
        Write(bytes);
    }

    /// <summary>Writes floats in slices, so a tensor of any length (even ≥ 2²⁹ elements, ≥ 2 GiB) is written whole.</summary>
    public void WriteFloats(ReadOnlySpan<float> values)
    {
        while (!values.IsEmpty)
        {
            ReadOnlySpan<float> slice = values[..Math.Min(values.Length, CheckpointFormat.FloatChunk)];
            if (BitConverter.IsLittleEndian)
            {
                Write(MemoryMarshal.AsBytes(slice));
            }
            else
            {
                _swap ??= new byte[CheckpointFormat.FloatChunk * sizeof(float)];
                Span<int> swapped = MemoryMarshal.Cast<byte, int>(_swap.AsSpan(0, slice.Length * sizeof(float)));
                BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<float, int>(slice), swapped);
                Write(MemoryMarshal.AsBytes(swapped));
            }

            values = values[slice.Length..];
        }
    }

    /// <summary>Writes a check: the CRC-64 of every byte of the record so far.</summary>
    public void WriteCheck()
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, _crc.GetCurrentHashAsUInt64());
        Write(b);
    }

    public void Flush() => _stream.Flush();

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _crc.Append(bytes);
        _stream.Write(bytes);
    }
}

/// <summary>
/// Reads a checkpoint record, verifying its checks. Every malformed, truncated or corrupt input becomes an
/// <see cref="InvalidDataException"/>; nothing is allocated from a length before the check that covers it.
/// </summary>
internal sealed class CheckpointReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Stream _stream;
    private readonly string _what;
    private readonly Crc64 _crc = new();
    private byte[]? _skip;

    /// <summary>Reads and checks the magic and the version.</summary>
    /// <param name="stream">The stream, positioned at the record.</param>
    /// <param name="magic">The expected 4-character magic.</param>
    /// <param name="what">"weight" or "optimizer-state", for messages.</param>
    public CheckpointReader(Stream stream, string magic, string what)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _what = what;
        Span<byte> found = stackalloc byte[4];
        Read(found);
        Span<byte> expected = stackalloc byte[4];
        Encoding.ASCII.GetBytes(magic, expected);
        if (!found.SequenceEqual(expected))
        {
            throw new InvalidDataException($"Not a Sam.Dsl {what} checkpoint: the stream does not start with '{magic}'.");
        }

        int version = ReadInt32();
        if (version != CheckpointFormat.Version)
        {
            string hint = version == 1
                ? " Version 1 files were written by an earlier Sam.Dsl without checksums, so their integrity cannot be verified; save the checkpoint again with this version."
                : version == 2
                    ? " Version 2 files were written by an earlier Sam.Dsl whose optimizer state lacked the SAM-step count and the efficient variants' state; save the checkpoint again with this version."
                    : string.Empty;
            throw new InvalidDataException($"Unsupported {what} checkpoint version {version}; this runtime reads version {CheckpointFormat.Version}.{hint}");
        }
    }

    public InvalidDataException Corrupt(string detail) => new($"Corrupt {_what} checkpoint: {detail}.");

    public byte ReadByte()
    {
        Span<byte> b = stackalloc byte[1];
        Read(b);
        return b[0];
    }

    public int ReadInt32()
    {
        Span<byte> b = stackalloc byte[4];
        Read(b);
        return BinaryPrimitives.ReadInt32LittleEndian(b);
    }

    public long ReadInt64()
    {
        Span<byte> b = stackalloc byte[8];
        Read(b);
        return BinaryPrimitives.ReadInt64LittleEndian(b);
    }

    /// <summary>Reads a string of at most <see cref="CheckpointFormat.MaxStringBytes"/> bytes.</summary>
    public string ReadString(string what)
    {
        int length = ReadInt32();
        if (length < 0 || length > CheckpointFormat.MaxStringBytes)
        {
            throw Corrupt($"{what} has a length of {length} bytes");
        }

        byte[] bytes = new byte[length];
        Read(bytes);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"Corrupt {_what} checkpoint: {what} is not valid UTF-8.", e);
        }
    }

    /// <summary>Reads a check and compares it with the CRC-64 of everything read so far.</summary>
    /// <param name="covering">What the check covers, for the message ("the header", "the weights of 'W'").</param>
    public void ReadCheck(string covering)
    {
        ulong computed = _crc.GetCurrentHashAsUInt64();
        Span<byte> b = stackalloc byte[8];
        Read(b);
        ulong stored = BinaryPrimitives.ReadUInt64LittleEndian(b);
        if (stored != computed)
        {
            throw new InvalidDataException(
                $"Corrupt {_what} checkpoint: the checksum after {covering} does not match (stored {stored:x16}, computed {computed:x16}); the file is damaged.");
        }
    }

    /// <summary>
    /// Reads <paramref name="length"/> floats. When the model confirms the length (<paramref name="confirmed"/>)
    /// or a seekable stream has been seen to hold them, the array is allocated at once; otherwise it grows as data
    /// arrives, so a forged length on a non-seekable stream cannot allocate much more than the stream holds.
    /// </summary>
    public float[] ReadFloats(int length, bool confirmed, string what)
    {
        ThrowIfShorterThan(length, what);
        bool exact = confirmed || _stream.CanSeek;
        float[] values = new float[exact ? length : Math.Min(length, CheckpointFormat.UnconfirmedInitialFloats)];
        int filled = 0;
        while (filled < length)
        {
            if (filled == values.Length)
            {
                Array.Resize(ref values, (int)Math.Min(length, 2L * values.Length));
            }

            int n = Math.Min(values.Length - filled, CheckpointFormat.FloatChunk);
            Read(MemoryMarshal.AsBytes(values.AsSpan(filled, n)));
            filled += n;
        }

        if (!BitConverter.IsLittleEndian)
        {
            Span<int> bits = MemoryMarshal.Cast<float, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }

        return values;
    }

    /// <summary>Reads and hashes <paramref name="length"/> floats without keeping them (an entry the load will refuse anyway).</summary>
    public void SkipFloats(long length, string what)
    {
        ThrowIfShorterThan(length, what);
        _skip ??= new byte[CheckpointFormat.FloatChunk * sizeof(float)];
        long bytes = length * sizeof(float);
        while (bytes > 0)
        {
            int n = (int)Math.Min(bytes, _skip.Length);
            Read(_skip.AsSpan(0, n));
            bytes -= n;
        }
    }

    private void ThrowIfShorterThan(long floats, string what)
    {
        if (_stream.CanSeek && floats * sizeof(float) > _stream.Length - _stream.Position)
        {
            throw new InvalidDataException($"Truncated {_what} checkpoint: {what} is cut short.");
        }
    }

    private void Read(Span<byte> buffer)
    {
        try
        {
            _stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Truncated {_what} checkpoint: the stream ended in the middle of a record.", e);
        }

        _crc.Append(buffer);
    }
}
