using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam;

/// <summary>
/// Sharpness-Aware Minimization for a TorchSharp module: the runtime's <see cref="SamOptimizer"/> (the same engine,
/// variants, base optimizers and fused kernels as the span backend) running on the parameters' own memory.
/// </summary>
/// <remarks>
/// <para>
/// Every trainable parameter (requires_grad) becomes a <see cref="Parameter"/> named by its
/// <c>named_parameters()</c> name. The kernels read and write the tensors' memory directly; the perturbed weights
/// live in a second storage per parameter and perturb/restore re-seat the parameter (<c>set_</c>) rather than copy.
/// A warm step allocates no managed memory and creates no TorchSharp tensor.
/// </para>
/// <para>
/// Supported for now: contiguous float32 CPU parameters and gradients (anything else throws
/// <see cref="NotSupportedException"/> naming the tensor at construction). The optimizer holds the memory it
/// captured: after <c>module.to(...)</c> the next call throws <see cref="InvalidOperationException"/> asking for a new
/// optimizer. Between <see cref="Perturb"/> and the restore, the module shows the perturbed weights; run only the
/// forward and backward pass there. Dispose the optimizer to free the second storages (it restores first).
/// </para>
/// </remarks>
public sealed class TorchSamOptimizer : IDisposable
{
    // Every call into the runtime's SamOptimizer is in this file: the algorithm is the runtime's, this class adds
    // the tensors' memory, the running statistics and the module-moved checks.
    private readonly SamOptimizer _sam;
    private readonly TorchParameterStorage[] _storages;
    private readonly RunningStatistics? _statistics;
    private bool _disposed;

    /// <summary>Creates SAM over every trainable parameter of <paramref name="module"/>, including its normalization layers' running statistics.</summary>
    /// <param name="module">The model; its trainable parameters must be contiguous float32 CPU tensors.</param>
    /// <param name="settings">The SAM hyper-parameters (ρ, variant, schedules, …).</param>
    /// <param name="optimizer">The base optimizer (<see cref="Sgd"/>, <see cref="AdamW"/>).</param>
    /// <param name="options">Exclusions and running-statistics handling; defaults when null.</param>
    /// <exception cref="NotSupportedException">A trainable parameter or a running-statistics buffer is not a contiguous CPU tensor of the supported type; the message names it.</exception>
    public TorchSamOptimizer(nn.Module module, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options = null)
        : this(NamedParameters(module), settings, optimizer, options, module)
    {
    }

    /// <summary>
    /// Creates SAM over the given named parameters (a part of a model, or parameters gathered by hand). Without
    /// the module, normalization layers cannot be found: their running statistics are then also updated by the
    /// forward pass at the perturbed point.
    /// </summary>
    /// <param name="namedParameters">Names and parameters, as <c>named_parameters()</c> returns them; those without requires_grad are skipped.</param>
    /// <param name="settings">The SAM hyper-parameters.</param>
    /// <param name="optimizer">The base optimizer.</param>
    /// <param name="options">Exclusions; defaults when null.</param>
    /// <exception cref="NotSupportedException">A trainable parameter is not a contiguous float32 CPU tensor; the message names it.</exception>
    public TorchSamOptimizer(IEnumerable<(string name, TorchParameter parameter)> namedParameters, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options = null)
        : this(namedParameters, settings, optimizer, options, module: null)
    {
    }

    private TorchSamOptimizer(IEnumerable<(string name, TorchParameter parameter)> namedParameters, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options, nn.Module? module)
    {
        ArgumentNullException.ThrowIfNull(namedParameters);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new TorchSamOptions();

        var storages = new List<TorchParameterStorage>();
        try
        {
            var seen = new HashSet<IntPtr>();
            foreach ((string name, TorchParameter parameter) in namedParameters)
            {
                if (parameter is null || !parameter.requires_grad || options.Frozen?.Invoke(name) == true)
                {
                    continue; // frozen: neither perturbed nor stepped, as torch.optim skips it
                }

                TorchParameterStorage storage = TorchParameterStorage.Capture(name, parameter);
                if (!seen.Add(storage.TrainedAddress))
                {
                    storage.Dispose(); // a tied weight reached under a second name: perturb and step it once
                    continue;
                }

                storages.Add(storage);
            }

            _storages = [.. storages];
            _statistics = module is not null && options.PreserveRunningStatistics ? RunningStatistics.Capture(module) : null;
        }
        catch
        {
            foreach (TorchParameterStorage s in storages)
            {
                s.Dispose();
            }

            throw;
        }

        var parameters = new Parameter[_storages.Length];
        var names = new string[_storages.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            TorchParameterStorage s = _storages[i];
            parameters[i] = new Parameter(s.Name, s, Shape(s.Tensor));
            names[i] = s.Name;
        }

        ParameterNames = names;
        Func<string, bool>? exclude = options.ExcludeFromPerturbation;
        _sam = new SamOptimizer(parameters, settings, optimizer, exclude is null ? null : p => !exclude(p.Name));

    }

    /// <summary>
    /// The runtime optimizer this one drives over the module's tensors: every hyper-parameter, the telemetry and the
    /// state live there (the most used are forwarded below).
    /// </summary>
    public SamOptimizer Core => _sam;

    /// <inheritdoc cref="SamOptimizer.Rho"/>
    public double Rho
    {
        get => _sam.Rho;
        set => _sam.Rho = value;
    }

    /// <inheritdoc cref="SamOptimizer.LearningRate"/>
    public double LearningRate
    {
        get => _sam.LearningRate;
        set => _sam.LearningRate = value;
    }

    /// <inheritdoc cref="SamOptimizer.StepCount"/>
    public long StepCount => _sam.StepCount;

    /// <inheritdoc cref="SamOptimizer.SamStepDue"/>
    public bool SamStepDue => _sam.SamStepDue;

    /// <inheritdoc cref="SamOptimizer.SamStepCount"/>
    public long SamStepCount => _sam.SamStepCount;

    /// <inheritdoc cref="SamOptimizer.LastStep"/>
    public SamStepInfo LastStep => _sam.LastStep;

    /// <summary>The runtime parameters over the module's tensors, in stepping order (named as in <c>named_parameters()</c>).</summary>
    public IReadOnlyList<Parameter> Parameters => _sam.Parameters;

    /// <summary>The names of the parameters trained, in stepping order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    /// <summary>The number of running-statistics buffers kept from the forward pass at the perturbed point (three per normalization layer).</summary>
    public int RunningStatisticsBuffers => _statistics?.Count ?? 0;

    /// <summary>Whether the module currently shows the perturbed weights.</summary>
    public bool IsPerturbed => _sam.IsPerturbed;

    /// <summary>Zeroes every trained parameter's gradient in place (an undefined gradient stays undefined).</summary>
    public void ZeroGradients()
    {
        ThrowIfUnusable();
        _sam.ZeroGradients();
    }

    /// <summary>
    /// Moves the perturbed parameters to w + ρ·g/‖g‖ (for SAM; the variant's rule otherwise), g being the gradients
    /// now held, and saves the running statistics so the next forward pass cannot change them.
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">Already perturbed, or the module was moved or converted.</exception>
    public void Perturb()
    {
        ThrowIfUnusable();
        _sam.Perturb();
        _statistics?.Save();
    }

    /// <summary>Shows the trained weights again without stepping, and restores the running statistics.</summary>
    public void Restore()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sam.Restore();
        _statistics?.Restore();
    }

    /// <summary>
    /// Restores the trained weights and takes the base optimizer's step with the gradients now held (those at the
    /// perturbed point), in one pass per parameter; restores the running statistics.
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; the weights were restored and not stepped.</exception>
    public void RestoreAndStep()
    {
        ThrowIfUnusable();
        try
        {
            _sam.RestoreAndStep();
        }
        finally
        {
            _statistics?.Restore();
        }
    }

    /// <summary>The base optimizer's step alone with the gradients held (warm-up, or ρ-free steps).</summary>
    /// <exception cref="InvalidOperationException">The weights are perturbed, or the module was moved or converted.</exception>
    public void BaseStep()
    {
        ThrowIfUnusable();
        _sam.BaseStep();
    }

    /// <summary>
    /// One whole SAM step: zero the gradients, run <paramref name="closure"/> (forward + backward, returning the
    /// loss) at the trained weights, perturb, zero, run it at the perturbed point, restore and step. On the steps
    /// where <see cref="SamStepDue"/> is false (periodic SAM, switching) the closure runs once and the base
    /// optimizer steps.
    /// </summary>
    /// <param name="closure">Computes the loss and calls backward(); returns the loss.</param>
    /// <returns>The loss at the trained weights.</returns>
    public float SharpnessAwareStep(Func<float> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        return SharpnessAwareStep(closure, static f => f());
    }

    /// <summary>
    /// <see cref="SharpnessAwareStep(Func{float})"/> with a state argument, so a static lambda allocates nothing
    /// per step.
    /// </summary>
    /// <typeparam name="TState">The closure's state (the model and a batch, say).</typeparam>
    /// <param name="state">Passed to the closure.</param>
    /// <param name="closure">Computes the loss and calls backward(); returns the loss.</param>
    /// <returns>The loss at the trained weights.</returns>
    public float SharpnessAwareStep<TState>(TState state, Func<TState, float> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        return SharpnessAwareStep(closure, state, static (f, s) => f(s));
    }

    /// <summary>
    /// <see cref="SharpnessAwareStep(Func{float})"/> whose closure receives a model and a state: what a generated
    /// module's <c>SharpnessAwareStep</c> calls with itself as <paramref name="model"/>.
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TState">The closure's state.</typeparam>
    /// <param name="model">Passed to the closure.</param>
    /// <param name="state">Passed to the closure.</param>
    /// <param name="closure">Computes the loss and calls backward(); returns the loss.</param>
    /// <returns>The loss at the trained weights.</returns>
    public float SharpnessAwareStep<TModel, TState>(TModel model, TState state, Func<TModel, TState, float> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        ThrowIfUnusable();
        try
        {
            return _sam.SharpnessAwareStep(this, (Model: model, State: state, Closure: closure), static (owner, s) => owner.Evaluate(s.Model, s.State, s.Closure));
        }
        finally
        {
            _statistics?.Restore();
        }
    }

    /// <summary>
    /// One m-sharpness step (the runtime's <see cref="SamOptimizer.MSharpnessStep{TModel, TState}"/>) over the module:
    /// each part's forward pass at its perturbed point leaves the running statistics as they were.
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TState">The closure's state.</typeparam>
    /// <param name="parts">m ≥ 1.</param>
    /// <param name="model">Passed to the closure.</param>
    /// <param name="state">Passed to the closure.</param>
    /// <param name="closure">Computes part j's loss and calls backward(); returns the loss.</param>
    /// <returns>The mean of the parts' losses at the trained weights.</returns>
    public float MSharpnessStep<TModel, TState>(int parts, TModel model, TState state, Func<TModel, TState, int, float> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        ThrowIfUnusable();
        try
        {
            return _sam.MSharpnessStep(parts, this, (Model: model, State: state, Closure: closure), static (owner, s, part) => owner.Evaluate(s.Model, s.State, part, s.Closure));
        }
        finally
        {
            _statistics?.Restore();
        }
    }

    /// <summary>
    /// Writes the optimizer state (step count, SGD momentum, Adam moments, variant buffers), identified by
    /// parameter name. The weights and running statistics are the module's: save them with TorchSharp's
    /// <c>module.save</c>. A resumed run (module.load + <see cref="LoadState"/>) continues bit-identically.
    /// </summary>
    /// <param name="stream">A writable stream; left open.</param>
    public void SaveState(Stream stream)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sam.SaveState(stream);
    }

    /// <summary>Reads state written by <see cref="SaveState"/>; each parameter's state attaches when a step first reaches it.</summary>
    /// <param name="stream">A readable stream positioned at the record; left open.</param>
    public void LoadState(Stream stream)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _sam.LoadState(stream);
    }

    /// <summary>Restores the trained weights if perturbed, then frees the second storages and aliases.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        if (_sam.IsPerturbed)
        {
            _sam.Restore();
        }

        _statistics?.Restore();
        foreach (TorchParameterStorage s in _storages)
        {
            s.Dispose();
        }

        _disposed = true;
    }

    // The closure at the perturbed point must not move the running statistics (Perturb saved them when called by
    // hand; inside SharpnessAwareStep the runtime perturbs, so they are saved here, before that forward pass).
    private float Evaluate<TModel, TState>(TModel model, TState state, Func<TModel, TState, float> closure)
    {
        SaveStatisticsIfPerturbed();
        return closure(model, state);
    }

    private float Evaluate<TModel, TState>(TModel model, TState state, int part, Func<TModel, TState, int, float> closure)
    {
        // m-sharpness: a part at the trained weights after another part's perturbed pass sees the statistics as
        // the last unperturbed pass left them.
        if (!_sam.IsPerturbed)
        {
            _statistics?.Restore();
        }

        SaveStatisticsIfPerturbed();
        return closure(model, state, part);
    }

    private void SaveStatisticsIfPerturbed()
    {
        if (_sam.IsPerturbed)
        {
            _statistics?.Save();
        }
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        foreach (TorchParameterStorage s in _storages)
        {
            s.ThrowIfMoved();
        }

        _statistics?.ThrowIfMoved();
    }

    private static IEnumerable<(string name, TorchParameter parameter)> NamedParameters(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.named_parameters();
    }

    private static int[] Shape(Tensor tensor)
    {
        long[] shape = tensor.shape;
        var result = new int[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            result[i] = checked((int)shape[i]);
        }

        return result;
    }
}
