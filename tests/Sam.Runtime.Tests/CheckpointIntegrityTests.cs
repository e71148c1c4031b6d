using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>Checkpoint guarantees other than corruption: deterministic bytes, atomic file replacement, old versions, very large tensors.</summary>
public class CheckpointIntegrityTests
{
    [Fact]
    public void The_same_state_saves_to_the_same_bytes_whatever_the_binding_order_or_a_reload()
    {
        // ρ = 0 and an element-wise loss: the state of each parameter does not depend on the order parameters are visited.
        Parameter[] a = Fresh();
        var first = new SamOptimizer(a, new SamSettings { Rho = 0 }, new Sgd(0.05, 0.9));
        for (int i = 0; i < 3; i++)
        {
            first.SharpnessAwareStep(a, Separable);
        }

        byte[] saved = CheckpointFuzzTests.Save(first);

        // Another engine meets the parameters in another order, after a reload.
        Parameter[] b = Fresh();
        Parameter[] reordered = [b[2], b[0], b[1]];
        var second = new SamOptimizer(reordered, new SamSettings { Rho = 0 }, new Sgd(0.05, 0.9));
        SamCheckpoint.Load(new MemoryStream(saved), second, second);
        Assert.Equal(saved, CheckpointFuzzTests.Save(second)); // loaded, nothing bound yet

        first.SharpnessAwareStep(a, Separable);
        second.SharpnessAwareStep(reordered, Separable); // binds in the order c, a, b
        Assert.Empty(second.UnboundStatePaths);
        Assert.Equal(CheckpointFuzzTests.Save(first), CheckpointFuzzTests.Save(second));

        static Parameter[] Fresh()
        {
            var r = new Random(9);
            return [Parameter.Uniform("a", r, -1, 1, 3, 2), Parameter.Uniform("b", r, -1, 1, 4), Parameter.Uniform("c", r, -1, 1, 5)];
        }

        static float Separable(Parameter[] ps)
        {
            foreach (Parameter p in ps)
            {
                Span<float> g = p.Gradient;
                ReadOnlySpan<float> w = p.Value;
                for (int i = 0; i < g.Length; i++)
                {
                    g[i] += w[i] - 0.25f;
                }
            }

            return 0;
        }
    }

    [Fact]
    public void A_version_1_checkpoint_is_refused_naming_its_version()
    {
        (SamOptimizer target, _) = CheckpointFuzzTests.Trained("sam-sgd-momentum", seed: 6, steps: 1);
        byte[] before = CheckpointFuzzTests.Save(target);
        foreach (string magic in (string[])["SAMW", "SAMS"])
        {
            byte[] old = [.. System.Text.Encoding.ASCII.GetBytes(magic), 1, 0, 0, 0, 0, 0, 0, 0];
            string message = magic == "SAMW"
                ? Assert.Throws<InvalidDataException>(() => SamCheckpoint.LoadWeights(new MemoryStream(old), target)).Message
                : Assert.Throws<InvalidDataException>(() => target.LoadState(new MemoryStream(old))).Message;
            Assert.Contains("version 1", message);
            Assert.Contains("checksums", message);
        }

        Assert.Equal(before, CheckpointFuzzTests.Save(target));
    }

    [Fact]
    public void Saving_to_a_path_replaces_the_file_atomically_and_a_failed_save_leaves_the_previous_file()
    {
        string directory = Path.Combine(Path.GetTempPath(), "sam-ckpt-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        try
        {
            string path = Path.Combine(directory, "run.ckpt");
            var storage = new FailingStorage(6);
            Parameter[] ps = [Parameter.Uniform("a", new Random(1), -1, 1, 2, 3), new Parameter("b", storage, 6)];
            var sam = new SamOptimizer(ps, new SamSettings { Rho = 0.1 }, new Sgd(0.05, 0.9));
            var loss = new TestLoss([6, 6], 3);
            sam.SharpnessAwareStep(ps, loss.Accumulate);

            SamCheckpoint.Save(path, sam, sam);
            byte[] first = File.ReadAllBytes(path);
            Assert.Equal(CheckpointFuzzTests.Save(sam), first);

            // The disk fails in the middle of writing the weights: the previous file stays, whole, and no temporary file is left.
            sam.SharpnessAwareStep(ps, loss.Accumulate);
            storage.Fail = true;
            Assert.Throws<IOException>(() => SamCheckpoint.Save(path, sam, sam));
            storage.Fail = false;
            Assert.Equal(first, File.ReadAllBytes(path));
            Assert.Equal(["run.ckpt"], Directory.GetFiles(directory).Select(Path.GetFileName));

            // A save refused before writing (perturbed weights) does not touch the file either.
            sam.ZeroGradients();
            loss.Accumulate(ps);
            sam.Perturb();
            Assert.Throws<InvalidOperationException>(() => SamCheckpoint.Save(path, sam, sam));
            sam.Restore();
            Assert.Equal(first, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(directory));

            // A successful save replaces it, and the file loads into a fresh model and engine.
            SamCheckpoint.Save(path, sam, sam);
            Parameter[] fresh = [new Parameter("a", 2, 3), new Parameter("b", 6)];
            var resumed = new SamOptimizer(fresh, new SamSettings { Rho = 0.1 }, new Sgd(0.05, 0.9));
            SamCheckpoint.Load(path, resumed, resumed);
            Assert.Equal(File.ReadAllBytes(path), CheckpointFuzzTests.Save(resumed));
            Assert.Single(Directory.GetFiles(directory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_state_length_other_than_the_parameters_is_refused_by_the_combined_load_naming_it()
    {
        (SamOptimizer source, _) = CheckpointFuzzTests.Trained("sam-sgd-momentum", seed: 7, steps: 2);
        var state = new MemoryStream();
        source.SaveState(state);

        Parameter[] other = [new Parameter("p0", 3, 4), new Parameter("p1", 6), new Parameter("p2", 2, 2, 2)];
        var target = new SamOptimizer(other, new SamSettings { Rho = 0.1 }, new Sgd(0.05, 0.9));
        var weights = new MemoryStream();
        SamCheckpoint.SaveWeights(weights, target);
        byte[] checkpoint = [.. weights.ToArray(), .. state.ToArray()];
        string message = Assert.Throws<InvalidOperationException>(() => SamCheckpoint.Load(new MemoryStream(checkpoint), target, target)).Message;
        Assert.Contains("'p1'", message);
        Assert.Contains("5 elements", message);
        Assert.Equal(0, target.StepCount);
    }

    /// <summary>Stands in for a failing disk: reading the weights throws once armed.</summary>
    private sealed class FailingStorage(int length) : ParameterStorage(length)
    {
        private readonly float[] _weights = new float[length];
        private readonly float[] _gradient = new float[length];
        private readonly float[] _perturbed = new float[length];

        public bool Fail { get; set; }

        public override Span<float> Weights => Fail ? throw new IOException("No space left on device (simulated).") : _weights;

        public override Span<float> Gradient => _gradient;

        public override Span<float> PerturbedWeights => _perturbed;
    }
}

/// <summary>A parameter of 2^29 floats (2 GiB): its byte count overflows an int, so it must be written and read in slices.</summary>
[Collection(LargeMemoryCollection.Name)]
public class LargeCheckpointTests
{
    [Fact]
    public void A_parameter_of_2_pow_29_floats_saves_and_loads()
    {
        const int length = 1 << 29;
        using var source = new NativeStorage(length);
        using var target = new NativeStorage(length);
        int[] marks = [0, 1, (1 << 28) + 3, length - 1];
        foreach (int i in marks)
        {
            source.Weights[i] = i + 0.5f;
        }

        var sparse = new SparseStream();
        SamCheckpoint.SaveWeights(sparse, new SamOptimizer([new Parameter("big", source, length)], new SamSettings(), new Sgd(0.1)));
        Assert.True(sparse.Length > 2L * 1024 * 1024 * 1024);

        sparse.Position = 0;
        SamCheckpoint.LoadWeights(sparse, new SamOptimizer([new Parameter("big", target, length)], new SamSettings(), new Sgd(0.1)));
        Assert.Equal(sparse.Length, sparse.Position);
        Assert.True(source.Weights.SequenceEqual(target.Weights));
        Assert.Equal((1 << 28) + 3.5f, target.Weights[(1 << 28) + 3]);
    }

    /// <summary>Zero-initialised native memory: pages never written cost nothing.</summary>
    private sealed unsafe class NativeStorage : ParameterStorage, IDisposable
    {
        private readonly float* _weights;
        private readonly float* _gradient;

        public NativeStorage(int length)
            : base(length)
        {
            _weights = (float*)NativeMemory.AllocZeroed((nuint)length, sizeof(float));
            _gradient = (float*)NativeMemory.AllocZeroed((nuint)length, sizeof(float));
        }

        public override Span<float> Weights => new(_weights, Length);

        public override Span<float> Gradient => new(_gradient, Length);

        public override Span<float> PerturbedWeights => throw new NotSupportedException();

        public void Dispose()
        {
            NativeMemory.Free(_weights);
            NativeMemory.Free(_gradient);
        }
    }

    /// <summary>A seekable stream that keeps only the 64 KiB pages holding a non-zero byte.</summary>
    private sealed class SparseStream : Stream
    {
        private const int Page = 1 << 16;
        private readonly Dictionary<long, byte[]> _pages = [];
        private long _length;

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get; set; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = (int)Math.Min(buffer.Length, _length - Position);
            for (int done = 0; done < n;)
            {
                int inPage = (int)(Position % Page), take = Math.Min(n - done, Page - inPage);
                Span<byte> to = buffer.Slice(done, take);
                if (_pages.TryGetValue(Position / Page, out byte[]? page))
                {
                    page.AsSpan(inPage, take).CopyTo(to);
                }
                else
                {
                    to.Clear();
                }

                Position += take;
                done += take;
            }

            return n;
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                int inPage = (int)(Position % Page), take = Math.Min(buffer.Length, Page - inPage);
                ReadOnlySpan<byte> from = buffer[..take];
                if (_pages.TryGetValue(Position / Page, out byte[]? page))
                {
                    from.CopyTo(page.AsSpan(inPage));
                }
                else if (from.ContainsAnyExcept((byte)0))
                {
                    page = new byte[Page];
                    from.CopyTo(page.AsSpan(inPage));
                    _pages.Add(Position / Page, page);
                }

                Position += take;
                _length = Math.Max(_length, Position);
                buffer = buffer[take..];
            }
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => Position + offset,
            _ => _length + offset,
        };

        public override void SetLength(long value) => _length = value;
    }
}

/// <summary>Tests that need gigabytes run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LargeMemoryCollection
{
    public const string Name = "LargeMemory";
}
