using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sam.Kernels;

namespace Sam;

/// <summary>
/// What the base optimizer and the SAM variant keep for one parameter (momentum, Adam moments, VaSSO's d,
/// Friendly SAM's m, GSAM's gradient at the weights, GCSAM's row means). Created on the parameter's first use
/// and reused; every buffer is allocated on first need, so a plain SAM + SGD model carries none of them. It
/// remembers its parameter so a changed parameter set is detected instead of silently stepping one parameter
/// with another's state.
/// </summary>
internal sealed class ParameterState
{
    public ParameterState(Parameter owner) => Owner = owner;

    public Parameter Owner { get; }

    private AlignedBuffer? _buffer1, _buffer2, _buffer3;

    /// <summary>
    /// First state buffer (SGD momentum, Adam's first moment m), allocated by the optimizer when it needs one. Always
    /// the live state: a step writes its new state into <see cref="Spare1"/> and the two are flipped only when the
    /// whole step succeeded, so checkpoints and readers never see the second buffer.
    /// </summary>
    public AlignedBuffer? Buffer1 => _buffer1;

    /// <summary>Second state buffer (Adam's second moment v); double-buffered like <see cref="Buffer1"/>.</summary>
    public AlignedBuffer? Buffer2 => _buffer2;

    /// <summary>Third state buffer (AMSGrad's running maximum of v); double-buffered like <see cref="Buffer1"/>.</summary>
    public AlignedBuffer? Buffer3 => _buffer3;

    /// <summary>Where the step in progress writes the new <see cref="Buffer1"/> (4 B per element of memory).</summary>
    public AlignedBuffer? Spare1 { get; private set; }

    /// <summary>Where the step in progress writes the new <see cref="Buffer2"/>.</summary>
    public AlignedBuffer? Spare2 { get; private set; }

    /// <summary>Where the step in progress writes the new <see cref="Buffer3"/>.</summary>
    public AlignedBuffer? Spare3 { get; private set; }

    /// <summary>Sets the three state buffers from a loaded checkpoint (copied into the runtime's pinned, aligned buffers).</summary>
    public void LoadBuffers(ReadOnlyMemory<float>? buffer1, ReadOnlyMemory<float>? buffer2, ReadOnlyMemory<float>? buffer3)
    {
        _buffer1 = CopyOf(buffer1, Spare1);
        _buffer2 = CopyOf(buffer2, Spare2);
        _buffer3 = CopyOf(buffer3, Spare3);

        // Opposite an existing spare, so the pair stays half a page apart; else where the weights are.
        AlignedBuffer? CopyOf(ReadOnlyMemory<float>? value, AlignedBuffer? spare) =>
            value is not { } v ? null
            : spare is null ? AlignedBuffer.CopyOf(v.Span, BufferPlace.First, Anchor)
            : AlignedBuffer.CopyOf(v.Span, BufferPlace.Second, spare.Address);
    }

    // The state pairs with its weights within a page (AlignedBuffer): whichever of its two buffers the weights are in
    // now, the state's pair starts at the same two page offsets, half a page apart.
    private unsafe nint Anchor
    {
        get
        {
            Span<float> weights = Owner.TrainedSpan;
            return weights.IsEmpty ? 0 : (nint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(weights));
        }
    }

    /// <summary>
    /// The variant's per-element state: VaSSO's d, Friendly SAM's m or LookSAM's g_v. Pinned (an
    /// <see cref="AlignedBuffer"/>), so the variants' phase jobs hand its address to the helper threads.
    /// </summary>
    public AlignedBuffer? VariantBuffer { get; set; }

    /// <summary>VaSSO's d or Friendly SAM's m as it was before the step in progress, to put back if the step is abandoned.</summary>
    public AlignedBuffer? VariantBackup { get; set; }

    /// <summary>Whether <see cref="VariantBackup"/> holds the value to put back.</summary>
    public bool VariantBackupValid { get; set; }

    /// <summary>
    /// Whether VaSSO's d or Friendly SAM's m has been started by a perturbation (the authors' code starts it with
    /// the first gradient). Checkpointed as the presence of the saved average.
    /// </summary>
    public bool VariantStarted { get; set; }

    /// <summary><see cref="VariantStarted"/> as it was before the step in progress (valid with <see cref="VariantBackupValid"/>).</summary>
    public bool VariantStartedBackup { get; set; }

    /// <summary>GCSAM's scratch: the mean of the perturbation gradient per output unit (first-dimension row).</summary>
    public float[]? RowMeans { get; set; }

    /// <summary>m-sharpness: the running sum of the parts' gradients (scratch, not checkpointed).</summary>
    public float[]? PartSum { get; set; }

    /// <summary>
    /// GSAM's gradient at the trained weights, saved by the perturbation: pinned, so the step job reads it while it
    /// combines it with g′ (StepItem.Other).
    /// </summary>
    public AlignedBuffer? GsamGradient { get; set; }

    /// <summary>GSAM: the perturbation whose gradient <see cref="GsamGradient"/> holds (0 = none).</summary>
    public long GsamPerturbation { get; set; }

    /// <summary>LookSAM's scratch: g at the trained weights on a SAM step, g + α·(‖g‖/‖g_v‖)·g_v between them.</summary>
    public float[]? Scratch { get; set; }

    /// <summary>LookSAM: the perturbation whose g <see cref="Scratch"/> holds (0 = none).</summary>
    public long ScratchPerturbation { get; set; }

    /// <summary>Steps this parameter has taken with this state.</summary>
    public long Steps { get; set; }

    /// <summary>
    /// The output buffers of a step over the state buffers 1..<paramref name="buffers"/>, allocated on the pinned
    /// heap on first need. A buffer that does not exist yet (the state's first step) is started from zeros in its
    /// spare, which then serves as input and output: the kernels read each element before they write it.
    /// </summary>
    public void PrepareSpares(int buffers, int length)
    {
        Spare1 = Ready(_buffer1, Spare1, length);
        if (buffers >= 2)
        {
            Spare2 = Ready(_buffer2, Spare2, length);
        }

        if (buffers >= 3)
        {
            Spare3 = Ready(_buffer3, Spare3, length);
        }

        // The two buffers of a pair start half a page apart (BufferPlace), the first at its weights' page offset: the
        // spare here (opposite the live buffer if there is one), the other in Flip or a load.
        AlignedBuffer Ready(AlignedBuffer? live, AlignedBuffer? spare, int length)
        {
            spare ??= live is null ? AlignedBuffer.Allocate(length, BufferPlace.Second, Anchor) : AlignedBuffer.PartnerOf(live, length);
            if (live is null)
            {
                spare.Span.Clear(); // a failed first step may have left results in it
            }

            return spare;
        }
    }

    /// <summary>
    /// The step succeeded: its outputs become the live state (a flip, no copy). After a state's first step the second
    /// buffer is allocated here, so later steps allocate nothing.
    /// </summary>
    public void Flip(int buffers)
    {
        Flip(ref _buffer1, Spare1!, out AlignedBuffer spare1);
        Spare1 = spare1;
        if (buffers >= 2)
        {
            Flip(ref _buffer2, Spare2!, out AlignedBuffer spare2);
            Spare2 = spare2;
        }

        if (buffers >= 3)
        {
            Flip(ref _buffer3, Spare3!, out AlignedBuffer spare3);
            Spare3 = spare3;
        }

        static void Flip(ref AlignedBuffer? live, AlignedBuffer output, out AlignedBuffer spare)
        {
            spare = live ?? AlignedBuffer.PartnerOf(output, output.Length);
            live = output;
        }
    }
}
