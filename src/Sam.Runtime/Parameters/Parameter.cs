using System;
using System.Collections.Generic;

namespace Sam;

/// <summary>
/// A trainable float32 tensor owned by the user's model: its values, its gradient, a name and a shape.
/// </summary>
/// <remarks>
/// <para>
/// A parameter is double-buffered for SAM: <c>Perturb</c> writes <c>w + e</c> into a second buffer and makes it
/// the visible <see cref="Value"/>; <c>Restore</c> flips back without copying. The step then writes the new trained
/// weights into the free second buffer (with the check of g′ and of the results in the same pass) and flips again
/// only when every result is finite, so a SAM + momentum-SGD step moves 36 bytes per parameter and a failed step
/// changes nothing (see docs/benchmarks.md). The second buffer is allocated on first use and reused afterwards.
/// </para>
/// <para>
/// Always read values through <see cref="Value"/> when computing the forward pass: it returns the perturbed
/// weights between <c>Perturb</c> and <c>Restore</c>. Gradients accumulate: the backward pass adds into
/// <see cref="Gradient"/>, and the generated <c>ZeroGradients()</c> clears them.
/// </para>
/// </remarks>
public sealed partial class Parameter
{
    private readonly ParameterStorage _storage;
    private readonly int[] _shape;
    private bool _perturbed;

    /// <summary>Creates a zero-initialised parameter.</summary>
    /// <param name="name">A name used in error messages, telemetry and checkpoints.</param>
    /// <param name="shape">The dimensions; every one must be positive.</param>
    public Parameter(string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        _shape = (int[])shape.Clone();
        _storage = new ArrayParameterStorage(ShapeLength(_shape, nameof(shape)));
    }

    /// <summary>Creates a parameter over memory the caller owns: no copy, the optimizer writes the weights in place.</summary>
    /// <param name="name">A name used in error messages, telemetry and checkpoints.</param>
    /// <param name="weights">The weights; their count must equal the product of <paramref name="shape"/>.</param>
    /// <param name="gradient">The gradient buffer the backward pass accumulates into, as long as <paramref name="weights"/>.</param>
    /// <param name="shape">The dimensions; every one must be positive.</param>
    public Parameter(string name, Memory<float> weights, Memory<float> gradient, params int[] shape)
        : this(name, new MemoryParameterStorage(weights, gradient), shape)
    {
    }

    /// <summary>Creates a parameter over a storage of the caller's (a backend's tensors, for instance).</summary>
    /// <param name="name">A name used in error messages, telemetry and checkpoints.</param>
    /// <param name="storage">Where the weights, gradient and perturbed weights live.</param>
    /// <param name="shape">The dimensions; their product must equal the storage's length.</param>
    public Parameter(string name, ParameterStorage storage, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        _shape = (int[])shape.Clone();
        int length = ShapeLength(_shape, nameof(shape));
        if (length != storage.Length)
        {
            throw new ArgumentException(
                $"Parameter '{name}' has shape [{string.Join(", ", shape)}] ({length} elements) but its storage holds {storage.Length}.",
                nameof(storage));
        }

        _storage = storage;
    }

    /// <summary>Creates a parameter with the given initial values (copied).</summary>
    /// <param name="name">A name used in error messages, telemetry and checkpoints.</param>
    /// <param name="values">Initial values; their count must equal the product of <paramref name="shape"/>.</param>
    /// <param name="shape">The dimensions; every one must be positive.</param>
    public Parameter(string name, ReadOnlySpan<float> values, params int[] shape)
        : this(name, shape)
    {
        if (values.Length != _storage.Length)
        {
            throw new ArgumentException(
                $"Parameter '{name}' has shape [{string.Join(", ", shape)}] ({_storage.Length} elements) but {values.Length} values were given.",
                nameof(values));
        }

        values.CopyTo(_storage.Weights);
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The dimensions of the tensor, outermost first.</summary>
    public IReadOnlyList<int> Shape => _shape;

    /// <summary>The number of elements (product of <see cref="Shape"/>).</summary>
    public int Length => _storage.Length;

    /// <summary>Whether <see cref="Value"/> currently shows the SAM-perturbed weights.</summary>
    public bool IsPerturbed => _perturbed;

    /// <summary>The weights the forward pass must use: perturbed between <c>Perturb</c> and <c>Restore</c>, otherwise the trained weights.</summary>
    public Span<float> Value => _perturbed ? _storage.PerturbedWeights : _storage.Weights;

    /// <summary>The trained (unperturbed) weights, whatever the SAM phase.</summary>
    public ReadOnlySpan<float> TrainedValue => _storage.Weights;

    /// <summary>The gradient buffer the backward pass accumulates into.</summary>
    public Span<float> Gradient => _storage.Gradient;

    /// <summary>Sets every gradient element to zero.</summary>
    public void ZeroGradient() => _storage.ClearGradient();

    /// <summary>Overwrites the trained weights, for example when loading a checkpoint.</summary>
    /// <param name="values">Exactly <see cref="Length"/> values.</param>
    /// <exception cref="InvalidOperationException">The parameter is perturbed: restore it first.</exception>
    public void LoadValues(ReadOnlySpan<float> values)
    {
        if (_perturbed)
        {
            throw new InvalidOperationException($"Parameter '{Name}' is perturbed; call Restore() before loading weights.");
        }

        if (values.Length != _storage.Length)
        {
            throw new ArgumentException($"Parameter '{Name}' has {_storage.Length} elements but {values.Length} values were given.", nameof(values));
        }

        values.CopyTo(_storage.Weights);
        _storage.TrainedWeightsWritten();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{string.Join("x", _shape)}]";

    /// <summary>The trained weights, writable: used by the optimizer kernels.</summary>
    internal Span<float> TrainedSpan => _storage.Weights;

    /// <summary>Lets the storage bring its gradient into <see cref="Gradient"/> (the engine's checking passes call it first).</summary>
    internal void LoadGradient() => _storage.LoadGradient();

    /// <summary>The buffer the perturbed weights are written to; allocated once, on first use.</summary>
    internal Span<float> ShadowForWrite() => _storage.PerturbedWeights;

    /// <summary>Where the weights, gradient and second buffer live (the engine's phase jobs read it).</summary>
    internal ParameterStorage Storage => _storage;

    /// <summary>
    /// A step wrote the new trained weights into the second buffer and succeeded: they become the trained weights
    /// (a flip when the storage allows it, else a copy). The parameter must show its trained weights.
    /// </summary>
    internal void CommitSteppedWeights()
    {
        if (!_storage.TrySwapWeights())
        {
            _storage.PerturbedWeights.CopyTo(_storage.Weights);
            if (_restorePending)
            {
                // A storage that deferred the restore but does not flip (against ParameterStorage.TryDeferRestore's
                // contract): the new weights are now the trained ones too, so finishing the restore shows them.
                _storage.ShowTrained();
            }
        }

        _restorePending = false;
        _storage.TrainedWeightsWritten(); // a low-precision copy is rounded from the master
    }

    /// <summary>Makes the perturbed buffer visible. Call only after <see cref="ShadowForWrite"/> was filled.</summary>
    /// <param name="overWeights">True when the engine wrote the perturbation over the weights and saved them in the second buffer (<see cref="ParameterStorage.PerturbsOverWeights"/>).</param>
    internal void ShowPerturbed(bool overWeights = false)
    {
        _perturbed = true;
        if (overWeights)
        {
            _storage.ShowPerturbedOverWeights();
        }
        else
        {
            _storage.ShowPerturbed();
        }
    }

    /// <summary>Makes the trained weights visible again (or finishes a restore deferred to a step that failed).</summary>
    internal void ShowTrained()
    {
        if (_perturbed || _restorePending)
        {
            _perturbed = false;
            _restorePending = false;
            _storage.ShowTrained();
        }
    }

    /// <summary>
    /// The restore before a step in the same call: the storage may leave the perturbation shown until the step commits
    /// (<see cref="CommitSteppedWeights"/>) or fails (<see cref="ShowTrained"/>); see <see cref="ParameterStorage.TryDeferRestore"/>.
    /// </summary>
    internal void ShowTrainedForStep()
    {
        if (!_perturbed)
        {
            return;
        }

        _perturbed = false;
        if (_storage.TryDeferRestore())
        {
            _restorePending = true;
        }
        else
        {
            _storage.ShowTrained();
        }
    }

    // The storage deferred the restore to the step's outcome (ShowTrainedForStep).
    private bool _restorePending;

    /// <summary>The engine pass that last checked this parameter, to catch one parameter reached twice.</summary>
    internal long VisitPass { get; set; }

    /// <summary>The engine that stamped <see cref="VisitPass"/>.</summary>
    internal object? VisitOwner { get; set; }

    /// <summary>Where that pass reached it: the path template (a string literal from generated code) and its indices.</summary>
    private string? _visitPath;
    private int[] _visitIndices = Array.Empty<int>();
    private int _visitDepth;

    /// <summary>Remembers where the current pass reached this parameter, without allocating after the first time.</summary>
    internal void RecordVisit(string memberPath, ReadOnlySpan<int> indices)
    {
        _visitPath = memberPath;
        if (indices.Length > _visitIndices.Length)
        {
            _visitIndices = new int[indices.Length];
        }

        indices.CopyTo(_visitIndices);
        _visitDepth = indices.Length;
    }

    /// <summary>The formatted path of <see cref="RecordVisit"/> ("Blocks[2].W"), for error messages.</summary>
    internal string VisitedPath => _visitPath is null ? "?" : SamCheckpoint.FormatPath(_visitPath, _visitIndices.AsSpan(0, _visitDepth));

    private static int ShapeLength(int[] shape, string paramName)
    {
        if (shape.Length == 0)
        {
            return 1; // a scalar
        }

        long length = 1;
        foreach (int d in shape)
        {
            if (d <= 0)
            {
                throw new ArgumentOutOfRangeException(paramName, $"Every dimension must be positive; got [{string.Join(", ", shape)}].");
            }

            length *= d;
            if (length > Array.MaxLength)
            {
                throw new ArgumentOutOfRangeException(paramName, $"Shape [{string.Join(", ", shape)}] has more elements than one array can hold.");
            }
        }

        return (int)length;
    }
}
