using System;
using System.Collections.Generic;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Sam;

/// <summary>
/// Data-parallel SAM over MPI: the <see cref="IGradientReducer"/> a <see cref="SamOptimizer"/> calls before each phase
/// reads gradients. Each call packs every parameter's gradient into one contiguous buffer, followed by one status slot
/// per rank, sums it over the ranks (<see cref="MpiCommunicator.SumToAll(Span{float})"/>: bit-identical on every
/// rank), checks the statuses, and writes the mean back. Allocation-free after the first call.
/// </summary>
/// <remarks>
/// A rank whose gradient holds NaN or ±∞ marks its status slot instead of throwing on its own, so every rank learns of
/// it in the same reduction and throws <see cref="DataParallelStepException"/> before anything is written: the
/// weights and the optimizer state stay as they were on every rank. Every reduction has the same shape whatever the
/// phase, so a rank that failed elsewhere (its loss code threw) can join the reduction its peers wait at with
/// <see cref="ReportFailure"/>; <see cref="RunStep{TState, TResult}"/> does that for you.
/// </remarks>
public sealed class MpiGradientReducer : IGradientReducer
{
    private const float Ok = 0, NonFiniteGradient = 1, ExceptionOnRank = 2;

    private float[] _buffer = Array.Empty<float>();
    private int _gradientLength = -1;
    private bool _agreedFailure;

    /// <summary>Creates the reducer; attach it with <see cref="SamOptimizer.GradientReducer"/> or use <see cref="Attach"/>.</summary>
    /// <param name="communicator">The ranks that train together.</param>
    /// <param name="mode">Which gradients are combined.</param>
    public MpiGradientReducer(MpiCommunicator communicator, DataParallelMode mode)
    {
        ArgumentNullException.ThrowIfNull(communicator);
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown data-parallel mode.");
        }

        Communicator = communicator;
        Mode = mode;
    }

    /// <summary>The ranks that train together.</summary>
    public MpiCommunicator Communicator { get; }

    /// <summary>Which gradients are combined.</summary>
    public DataParallelMode Mode { get; }

    /// <summary>
    /// Whether the summed gradient is divided by the number of ranks (true, the default: each rank's loss is the mean
    /// over its shard and the shards are equal, so the result is the mean over the union batch). With unequal shards,
    /// scale each rank's loss by shard size / union batch size and set this to false.
    /// </summary>
    public bool AverageOverRanks { get; set; } = true;

    /// <summary>Reductions made so far (each one reduce to rank 0 and one broadcast).</summary>
    public long Reductions { get; private set; }

    /// <summary>Bytes of payload reduced so far: 4 × (parameters + ranks) per reduction.</summary>
    public long PayloadBytes { get; private set; }

    /// <summary>Creates a reducer and sets it as <paramref name="optimizer"/>'s <see cref="SamOptimizer.GradientReducer"/>.</summary>
    /// <param name="optimizer">The optimizer to make data-parallel.</param>
    /// <param name="communicator">The ranks that train together.</param>
    /// <param name="mode">Which gradients are combined.</param>
    /// <returns>The reducer.</returns>
    public static MpiGradientReducer Attach(SamOptimizer optimizer, MpiCommunicator communicator, DataParallelMode mode)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var reducer = new MpiGradientReducer(communicator, mode);
        reducer.ThrowIfUnsupported(optimizer);
        optimizer.GradientReducer = reducer;
        return reducer;
    }

    /// <inheritdoc/>
    public void Reduce(SamOptimizer optimizer, SamPhase phase)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ThrowIfUnsupported(optimizer);
        if (phase == SamPhase.Perturbation && Mode == DataParallelMode.PerWorkerPerturbation)
        {
            return; // each rank perturbs along its own shard's gradient
        }

        _agreedFailure = false;
        Span<float> gradients = Pack(optimizer);
        float status = AllFinite(gradients) ? Ok : NonFiniteGradient;
        Exchange(status, phase);
        if (AverageOverRanks && Communicator.Size > 1)
        {
            TensorPrimitives.Divide(gradients, Communicator.Size, gradients);
        }

        var unpack = new UnpackVisitor(_buffer);
        optimizer.VisitParameters(ref unpack);
    }

    /// <summary>
    /// Tells the other ranks that this rank's step failed outside a reduction (its loss code threw, or its own
    /// perturbation check failed in per-worker mode): joins the reduction they are waiting at with this rank marked
    /// failed, so they abandon the step too. Does nothing when the failure was already agreed in a reduction.
    /// </summary>
    /// <param name="optimizer">The optimizer whose step failed.</param>
    /// <exception cref="MpiException">The reduction itself failed.</exception>
    public void ReportFailure(SamOptimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (_agreedFailure)
        {
            _agreedFailure = false;
            return;
        }

        Pack(optimizer);
        try
        {
            Exchange(ExceptionOnRank, SamPhase.Step);
        }
        catch (DataParallelStepException)
        {
            // Expected: this rank's own mark. The caller rethrows its original exception.
        }

        _agreedFailure = false;
    }

    /// <summary>
    /// Runs one step (any of the optimizer's step methods, or a TorchSharp optimizer's) so that a failure on this rank
    /// is agreed with the others: if <paramref name="step"/> throws before this rank's reductions are done, the others
    /// are told (<see cref="ReportFailure"/>) and the exception propagates.
    /// </summary>
    /// <typeparam name="TState">The step's state; a ref struct is fine.</typeparam>
    /// <typeparam name="TResult">What the step returns (its loss).</typeparam>
    /// <param name="optimizer">The optimizer the step drives.</param>
    /// <param name="state">Passed to <paramref name="step"/>.</param>
    /// <param name="step">Takes the step, e.g. <c>static s =&gt; s.Optimizer.SharpnessAwareStep(s.Batch, Loss)</c>.</param>
    /// <returns>What the step returned.</returns>
    public TResult RunStep<TState, TResult>(SamOptimizer optimizer, TState state, Func<TState, TResult> step)
        where TState : allows ref struct
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(step);
        _agreedFailure = false;
        try
        {
            return step(state);
        }
        catch
        {
            ReportFailure(optimizer);
            throw;
        }
    }

    /// <summary>One SAM step (<see cref="SamOptimizer.SharpnessAwareStep{TState}(TState, Func{TState, float})"/>) with failures agreed across ranks.</summary>
    /// <typeparam name="TState">The callback's state.</typeparam>
    /// <param name="optimizer">The optimizer.</param>
    /// <param name="state">Passed to the callback (this rank's shard, say).</param>
    /// <param name="lossAndGradients">Computes this rank's loss and adds its gradients.</param>
    /// <returns>This rank's loss at the trained weights.</returns>
    /// <exception cref="DataParallelStepException">A rank failed; the step was abandoned on every rank.</exception>
    public float SharpnessAwareStep<TState>(SamOptimizer optimizer, TState state, Func<TState, float> lossAndGradients)
    {
        ArgumentNullException.ThrowIfNull(lossAndGradients);
        return RunStep(optimizer, (Optimizer: optimizer, State: state, Callback: lossAndGradients), static s => s.Optimizer.SharpnessAwareStep(s.State, s.Callback));
    }

    private void ThrowIfUnsupported(SamOptimizer optimizer)
    {
        // GSAM's step reads the gradient at the trained weights; per worker that gradient differs, so would the weights.
        if (Mode == DataParallelMode.PerWorkerPerturbation && optimizer.Variant == SamVariant.Gsam)
        {
            throw new NotSupportedException("GSAM's step uses the gradient at the trained weights, which per-worker perturbation keeps local: the ranks' weights would drift apart. Use DataParallelMode.SynchronizedPerturbation with GSAM.");
        }
    }

    // Copies every gradient into the contiguous buffer (sized on the first call, or when the parameters change).
    private Span<float> Pack(SamOptimizer optimizer)
    {
        var count = new CountVisitor();
        optimizer.VisitParameters(ref count);
        if (count.Length != _gradientLength)
        {
            // Pinned: MPI may hold the address for the whole call, and the GC never has to move it.
            _buffer = GC.AllocateUninitializedArray<float>(checked((int)count.Length + Communicator.Size), pinned: true);
            _gradientLength = (int)count.Length;
        }

        var pack = new PackVisitor(_buffer);
        optimizer.VisitParameters(ref pack);
        return _buffer.AsSpan(0, _gradientLength);
    }

    // Sums the buffer over the ranks with this rank's status in its slot; throws on every rank if any slot is set.
    private void Exchange(float status, SamPhase phase)
    {
        Span<float> statuses = _buffer.AsSpan(_gradientLength);
        statuses.Clear();
        statuses[Communicator.Rank] = status;
        Communicator.SumToAll(_buffer);
        Reductions++;
        PayloadBytes += (long)_buffer.Length * sizeof(float);
        if (statuses.IndexOfAnyExcept(Ok) >= 0)
        {
            _agreedFailure = true;
            throw Failure(statuses, phase);
        }
    }

    private DataParallelStepException Failure(ReadOnlySpan<float> statuses, SamPhase phase)
    {
        var ranks = new List<int>();
        var reasons = new List<string>();
        for (int r = 0; r < statuses.Length; r++)
        {
            if (statuses[r] != Ok)
            {
                ranks.Add(r);
                reasons.Add($"rank {r}: " + (statuses[r] == NonFiniteGradient ? "its gradient holds NaN or ±∞" : "its step threw"));
            }
        }

        string when = phase == SamPhase.Perturbation ? "before the SAM perturbation" : "before the base step";
        string message = $"The data-parallel step failed on {ranks.Count} of {Communicator.Size} ranks ({string.Join("; ", reasons)}), detected on rank {Communicator.Rank} {when}; " +
            "the step was abandoned on every rank: the weights and the optimizer state are as they were.";
        return new DataParallelStepException(message, ranks, phase);
    }

    // NaN and ±∞ are the only values whose product with 0 is not 0: one vectorized pass, no branch per element.
    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        ReadOnlySpan<Vector<float>> vectors = MemoryMarshal.Cast<float, Vector<float>>(values);
        Vector<float> probe = Vector<float>.Zero;
        foreach (Vector<float> v in vectors)
        {
            probe += v * Vector<float>.Zero;
        }

        float tail = 0;
        for (int i = vectors.Length * Vector<float>.Count; i < values.Length; i++)
        {
            tail += values[i] * 0f;
        }

        return Vector.EqualsAll(probe, probe) && tail == 0;
    }

    private struct CountVisitor : ISamParameterVisitor
    {
        public long Length { get; private set; }

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed) =>
            Length += parameter.Length;
    }

    private struct PackVisitor(float[] buffer) : ISamParameterVisitor
    {
        private int _offset;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            parameter.Gradient.CopyTo(buffer.AsSpan(_offset, parameter.Length));
            _offset += parameter.Length;
        }
    }

    private struct UnpackVisitor(float[] buffer) : ISamParameterVisitor
    {
        private int _offset;

        public void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
        {
            buffer.AsSpan(_offset, parameter.Length).CopyTo(parameter.Gradient);
            _offset += parameter.Length;
        }
    }
}
