using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam;

/// <summary>
/// Sharpness-Aware Minimization for a TorchSharp module: the runtime's <see cref="SamOptimizer"/> (the same engine,
/// variants, base optimizers and fused kernels as the span backend) running on the parameters' own memory (fast
/// path) or on float32 host copies of them (device path). It is a <c>torch.optim.Optimizer</c>: parameter groups
/// that torch's LR schedulers drive, <c>zero_grad()</c>, <c>step(closure)</c>, PyTorch SAM's
/// <c>first_step()</c>/<c>second_step()</c>, and state dictionaries.
/// </summary>
/// <remarks>
/// <para>
/// Every trainable parameter (requires_grad) becomes a <see cref="Parameter"/> named by its
/// <c>named_parameters()</c> name. On a contiguous float32 CPU parameter (the fast path) the kernels read and write
/// the tensor's memory directly; the perturbed weights live in a second storage and perturb/restore re-seat the
/// parameter (<c>set_</c>), or copy for small tensors. Any other float32/float64/bfloat16/float16 parameter (CUDA,
/// non-contiguous, another type) takes the device path: the kernels run on float32 host copies synchronised with
/// the parameter by one <c>copy_</c> per tensor per phase (<see cref="StagedParameterStorage"/>), except contiguous
/// bfloat16/float16 CPU parameters, which have their own fast path: float32 master weights with the conversions fused
/// into the engine's walks (<see cref="HalfParameterStorage"/>; docs/torchsharp.md, "Mixed precision"). A warm step
/// allocates no managed memory and creates no TorchSharp tensor on either path.
/// </para>
/// <para>
/// After <c>module.to(...)</c> the next call re-captures the module's new tensors behind the same parameters, keeping
/// the optimizer state; built from named parameters without the module it throws
/// <see cref="InvalidOperationException"/> asking for a new optimizer instead. Between <see cref="Perturb"/> and the restore, the module shows the perturbed weights; run only the
/// forward and backward pass there. Dispose the optimizer to free the second storages (it restores first).
/// </para>
/// </remarks>
public sealed partial class TorchSamOptimizer : OptimizerHelper
{
    // Every call into the runtime's SamOptimizer is in this file: the algorithm is the runtime's, this class adds
    // the tensors' memory, the running statistics and the module-moved checks. The torch.optim surface
    // (param groups, step(closure), state_dict) is in TorchSamOptimizer.TorchOptim.cs.
    private readonly SamOptimizer _sam;
    private readonly TorchParameterSlot[] _slots;
    private readonly int[] _slotGroups;
    private readonly StepClock _clock = new();
    private readonly DeviceStaging _staging;
    private readonly nn.Module? _module;
    private readonly TorchSamOptions _options;
    private RunningStatistics? _statistics;
    private bool _autogradPaused;
    private bool _disposed;

    /// <summary>Creates SAM over every trainable parameter of <paramref name="module"/>, including its normalization layers' running statistics.</summary>
    /// <param name="module">The model; its trainable parameters must be float32, float64, bfloat16 or float16 tensors.</param>
    /// <param name="settings">The SAM hyper-parameters (ρ, variant, schedules, …).</param>
    /// <param name="optimizer">The base optimizer (<see cref="Sgd"/>, <see cref="AdamW"/>).</param>
    /// <param name="options">Exclusions, selections, parameter groups and running-statistics handling; defaults when null.</param>
    /// <exception cref="NotSupportedException">A trainable parameter is complex, integer or too large; the message names it.</exception>
    public TorchSamOptimizer(nn.Module module, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options = null)
        : this(Entries(NamedParameters(module)), groups: null, settings, optimizer, options, module)
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
    /// <param name="options">Exclusions and name-based selections; defaults when null.</param>
    /// <exception cref="NotSupportedException">A trainable parameter is complex, integer or too large; the message names it.</exception>
    public TorchSamOptimizer(IEnumerable<(string name, TorchParameter parameter)> namedParameters, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options = null)
        : this(Entries(namedParameters), groups: null, settings, optimizer, options, module: null)
    {
    }

    private TorchSamOptimizer(List<Entry> entries, List<ParamGroup>? groups, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options, nn.Module? module)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(optimizer);
        options ??= new TorchSamOptions();
        if (groups is not null && options.GroupRules.Count > 0)
        {
            throw new ArgumentException("Parameter groups were given both as ParamGroups and as TorchSamOptions.Group rules; use one of the two.", nameof(options));
        }

        Dictionary<string, nn.Module>? owners = options.NeedsModules
            ? Owners(module ?? throw new ArgumentException("These TorchSamOptions select by module type (Exclude<T>, PerturbOnly<T>, Group<T>, NoWeightDecayForBiasesAndNorms): create the optimizer from the module (new TorchSamOptimizer(module, ...)).", nameof(options)))
            : null;
        groups ??= DefaultGroups(options);

        _staging = new DeviceStaging(_clock);
        _module = module;
        _options = options;

        var storages = new List<TorchTensorStorage>();
        var kept = new List<(TorchTensorStorage Storage, int Group, bool Perturbed)>();
        try
        {
            var seen = new HashSet<IntPtr>();
            foreach (Entry e in entries)
            {
                if (e.Parameter is null || !e.Parameter.requires_grad || options.Frozen?.Invoke(e.Name) == true)
                {
                    continue; // frozen: neither perturbed nor stepped, as torch.optim skips it
                }

                TorchTensorStorage storage = TorchTensorStorage.Capture(e.Name, e.Parameter, _staging, _options);
                if (!seen.Add(storage.Identity))
                {
                    storage.Dispose(); // a tied weight reached under a second name: perturb and step it once
                    continue;
                }

                storages.Add(storage);
                nn.Module? owner = owners is not null && owners.TryGetValue(e.Name, out nn.Module? m) ? m : null;
                int group = e.Group >= 0 ? e.Group : 1 + options.GroupOf(e.Name, owner);
                kept.Add((storage, group, options.IsPerturbed(e.Name, owner)));
            }

            _slots = new TorchParameterSlot[storages.Count];
            for (int i = 0; i < _slots.Length; i++)
            {
                _slots[i] = new TorchParameterSlot(storages[i]);
            }

            _staging.Track(storages);
            _statistics = module is not null && options.PreserveRunningStatistics ? RunningStatistics.Capture(module, options.ForceDevicePath) : null;
        }
        catch
        {
            foreach (TorchTensorStorage s in storages)
            {
                s.Dispose();
            }

            _staging.Dispose();
            throw;
        }

        var parameters = new Parameter[kept.Count];
        var names = new string[kept.Count];
        _slotGroups = new int[kept.Count];
        var perturbed = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        var members = new List<TorchParameter>[groups.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            members[g] = [];
            groups[g].Bind(g == 0 ? "default" : $"group {g}", optimizer);
        }

        for (int i = 0; i < parameters.Length; i++)
        {
            (TorchTensorStorage s, int group, bool perturb) = kept[i];
            parameters[i] = new Parameter(s.Name, _slots[i], Shape(s.Tensor)) { Group = groups[group].Runtime };
            names[i] = s.Name;
            _slotGroups[i] = group;
            members[group].Add(s.Tensor);
            if (perturb)
            {
                perturbed.Add(parameters[i]);
            }
        }

        // torch.optim's view: each group lists the parameters it trains (frozen and tied duplicates dropped).
        for (int g = 0; g < groups.Count; g++)
        {
            groups[g].Parameters = members[g];
        }

        ParameterNames = names;
        _groups = groups;
        _parameter_groups = [.. groups];
        _sam = new SamOptimizer(parameters, settings, optimizer, perturbed.Count == parameters.Length ? null : perturbed.Contains);
        _engineState = new EngineState(this);
        for (int i = 0; i < parameters.Length; i++)
        {
            _state[_slots[i].Backing.Tensor.Handle] = new ParameterEntry(names[i]);
        }
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

    /// <summary>
    /// The learning rate of the default parameter group (<c>ParamGroups</c> entry 0; the base optimizer's learning
    /// rate until a scheduler or this setter changes it). Each group's rate is read at every step.
    /// </summary>
    public double LearningRate
    {
        get => _groups[0].LearningRate;
        set
        {
            _sam.LearningRate = value; // validated (> 0) and kept for telemetry
            _groups[0].LearningRate = value;
        }
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

    /// <summary>Per parameter in stepping order: whether the device path serves it (false: the CPU fast path).</summary>
    internal bool[] OnDevicePath => Array.ConvertAll(_slots, s => s.Backing is StagedParameterStorage);

    /// <summary>Per parameter in stepping order: whether the bfloat16/float16 fast path serves it.</summary>
    internal bool[] HalfPath => Array.ConvertAll(_slots, s => s.Backing is HalfParameterStorage);

    /// <summary>Whether the module currently shows the perturbed weights.</summary>
    public bool IsPerturbed => _sam.IsPerturbed;

    /// <summary>Zeroes every trained parameter's gradient in place (an undefined gradient stays undefined).</summary>
    public void ZeroGradients()
    {
        Enter();
        try
        {
            _staging.ZeroParameterGradients(); // param.grad, then the engine zeroes the host copies
            _sam.ZeroGradients();
        }
        finally
        {
            Exit();
        }
    }

    /// <summary>
    /// Moves the perturbed parameters to w + ρ·g/‖g‖ (for SAM; the variant's rule otherwise), g being the gradients
    /// now held, and saves the running statistics so the next forward pass cannot change them.
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; nothing was changed.</exception>
    /// <exception cref="InvalidOperationException">Already perturbed, or the module was moved or converted.</exception>
    public void Perturb()
    {
        Enter();
        try
        {
            _staging.GradientsIn();
            _sam.Perturb();
            _statistics?.Save();
        }
        finally
        {
            EndDevicePhase(stepped: false);
            Exit();
        }
    }

    /// <summary>Shows the trained weights again without stepping, and restores the running statistics.</summary>
    public void Restore()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        try
        {
            _sam.Restore();
            _statistics?.Restore();
        }
        finally
        {
            EndDevicePhase(stepped: false);
        }
    }

    /// <summary>
    /// Restores the trained weights and takes the base optimizer's step with the gradients now held (those at the
    /// perturbed point), in one pass per parameter; restores the running statistics.
    /// </summary>
    /// <exception cref="NonFiniteGradientException">A gradient holds NaN or ±∞; the weights were restored and not stepped.</exception>
    public void RestoreAndStep()
    {
        Enter();
        try
        {
            _staging.GradientsIn();
            _sam.RestoreAndStep();
        }
        finally
        {
            _statistics?.Restore();
            EndDevicePhase(stepped: true);
            Exit();
        }
    }

    /// <summary>The base optimizer's step alone with the gradients held (warm-up, or ρ-free steps).</summary>
    /// <exception cref="InvalidOperationException">The weights are perturbed, or the module was moved or converted.</exception>
    public void BaseStep()
    {
        Enter();
        try
        {
            _staging.GradientsIn();
            _sam.BaseStep();
        }
        finally
        {
            EndDevicePhase(stepped: true);
            Exit();
        }
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
        Enter();
        _staging.MarkGradientsCurrent(); // the engine's step starts by zeroing them: the stale host copies need no read
        try
        {
            return _sam.SharpnessAwareStep(this, (Model: model, State: state, Closure: closure), static (owner, s) => owner.Evaluate(s.Model, s.State, s.Closure));
        }
        finally
        {
            _statistics?.Restore();
            EndDevicePhase(stepped: true);
            Exit();
        }
    }

    /// <summary>
    /// One m-sharpness step (the runtime's <see cref="SamOptimizer.MSharpnessStep{TModel, TState}(int, TModel, TState, Func{TModel, TState, int, float})"/>) over the module:
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
        Enter();
        _staging.MarkGradientsCurrent();
        try
        {
            return _sam.MSharpnessStep(parts, this, (Model: model, State: state, Closure: closure), static (owner, s, part) => owner.Evaluate(s.Model, s.State, part, s.Closure));
        }
        finally
        {
            _statistics?.Restore();
            EndDevicePhase(stepped: true);
            Exit();
        }
    }

    /// <summary>
    /// One SAM step with gradient accumulation (the runtime's
    /// <see cref="SamOptimizer.SharpnessAwareStep{TModel, TState}(int, TModel, TState, Func{TModel, TState, int, float})"/>):
    /// the closure runs for micro-batches 0 … k − 1 at the trained weights (backward accumulates their gradients),
    /// the perturbation follows the sum of all k, and the same k closures run at the perturbed point. Each closure
    /// returns and backpropagates its micro-batch's mean loss; the engine divides the gradient by k.
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TState">The closure's state.</typeparam>
    /// <param name="microBatches">k ≥ 1.</param>
    /// <param name="model">Passed to the closure.</param>
    /// <param name="state">Passed to the closure.</param>
    /// <param name="closure">Computes micro-batch i's mean loss and calls backward(); returns the loss.</param>
    /// <returns>The mean of the micro-batches' losses at the trained weights.</returns>
    public float SharpnessAwareStep<TModel, TState>(int microBatches, TModel model, TState state, Func<TModel, TState, int, float> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        Enter();
        _staging.MarkGradientsCurrent(); // the engine's step starts by zeroing them: the stale host copies need no read
        try
        {
            return _sam.SharpnessAwareStep(microBatches, this, (Model: model, State: state, Closure: closure, K: microBatches), static (owner, s, i) => owner.EvaluateMicroBatch(s.Model, s.State, i, s.K, s.Closure));
        }
        finally
        {
            _statistics?.Restore();
            EndDevicePhase(stepped: true);
            Exit();
        }
    }

    /// <summary>
    /// m-sharpness with gradient accumulation (the runtime's
    /// <see cref="SamOptimizer.MSharpnessStep{TModel, TState}(int, int, TModel, TState, Func{TModel, TState, int, float})"/>):
    /// part j is micro-batches j·k … j·k + k − 1.
    /// </summary>
    /// <typeparam name="TModel">The model type.</typeparam>
    /// <typeparam name="TState">The closure's state.</typeparam>
    /// <param name="parts">m ≥ 1.</param>
    /// <param name="microBatches">k ≥ 1 per part.</param>
    /// <param name="model">Passed to the closure.</param>
    /// <param name="state">Passed to the closure.</param>
    /// <param name="closure">Computes micro-batch i's mean loss and calls backward(); returns the loss.</param>
    /// <returns>The mean of all micro-batches' losses at the trained weights.</returns>
    public float MSharpnessStep<TModel, TState>(int parts, int microBatches, TModel model, TState state, Func<TModel, TState, int, float> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatches, 1);
        Enter();
        _staging.MarkGradientsCurrent();
        try
        {
            return _sam.MSharpnessStep(parts, microBatches, this, (Model: model, State: state, Closure: closure, K: microBatches), static (owner, s, i) => owner.EvaluatePart(s.Model, s.State, i, s.K, s.Closure));
        }
        finally
        {
            _statistics?.Restore();
            EndDevicePhase(stepped: true);
            Exit();
        }
    }

    /// <summary>
    /// Dynamic loss scaling for float16 models (<see cref="SamOptimizer.LossScaler"/>): closures multiply their loss
    /// by <see cref="LossScale"/> (or call <see cref="ScaleLoss"/>) before backward(); the step unscales once per pass
    /// and skips, transactionally, a step whose gradients overflowed in either pass (<see cref="SamStepInfo.Overflow"/>).
    /// The whole-step methods (<see cref="SharpnessAwareStep(Func{float})"/> and its overloads, <see cref="MSharpnessStep{TModel, TState}(int, int, TModel, TState, Func{TModel, TState, int, float})"/>,
    /// <c>step(closure)</c>) support it; the phase methods (<see cref="Perturb"/>, <see cref="RestoreAndStep"/>,
    /// <see cref="BaseStep"/>, <c>first_step</c>, <c>second_step</c>, <c>step()</c> without a closure) cannot
    /// report a skipped step and throw while a scaler is set.
    /// </summary>
    public LossScaler? LossScaler
    {
        get => _sam.LossScaler;
        set => _sam.LossScaler = value;
    }

    /// <inheritdoc cref="SamOptimizer.LossScale"/>
    public float LossScale => _sam.LossScale;

    /// <summary>The loss to call backward() on: <paramref name="loss"/> times <see cref="LossScale"/> (PyTorch's <c>scaler.scale(loss)</c>); the loss itself without a scaler.</summary>
    /// <param name="loss">The loss.</param>
    /// <returns>The scaled loss (a new tensor when a scaler is set).</returns>
    public Tensor ScaleLoss(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return _sam.LossScaler is null ? loss : loss.mul(_sam.LossScale);
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
        ReloadWeights(); // the master copies take the weights module.load wrote
    }

    /// <summary>
    /// Reads the module's weights into the optimizer's float32 master copies (bfloat16/float16 parameters, and every
    /// parameter on the device path): call it after writing the weights yourself (module.load, copy_) other than
    /// before <see cref="LoadState"/>, which calls it. The master is what the optimizer steps; without this, the next
    /// step would continue from the weights before the write. float32 CPU parameters need nothing (the optimizer
    /// works on their own memory).
    /// </summary>
    /// <exception cref="InvalidOperationException">The weights are perturbed.</exception>
    public void ReloadWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_sam.IsPerturbed)
        {
            throw new InvalidOperationException("ReloadWeights needs the trained weights, but they are perturbed: call Restore() or RestoreAndStep() first.");
        }

        ThrowIfUnusable();
        _staging.ReloadWeights();
        foreach (TorchParameterSlot s in _slots)
        {
            (s.Backing as HalfParameterStorage)?.ReloadWeights();
        }
    }

    /// <summary>Restores the trained weights if perturbed, then frees the second storages and aliases.</summary>
    /// <param name="disposing">False from the finalizer: the storages then free themselves.</param>
    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (_disposed || !disposing)
        {
            return;
        }

        if (_sam.IsPerturbed)
        {
            _sam.Restore();
        }

        _statistics?.Restore();
        _statistics?.Dispose();
        _staging.WeightsOut();
        _staging.Dispose();
        foreach (TorchParameterSlot s in _slots)
        {
            s.Backing.Dispose();
        }

        _disposed = true;
    }

    // The closure at the perturbed point must not move the running statistics (Perturb saved them when called by
    // hand; inside SharpnessAwareStep the runtime perturbs, so they are saved here, before that forward pass).
    private float Evaluate<TModel, TState>(TModel model, TState state, Func<TModel, TState, float> closure)
    {
        SaveStatisticsIfPerturbed();
        BeforeClosure();
        float loss = closure(model, state);
        AfterClosure();
        return loss;
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
        BeforeClosure();
        float loss = closure(model, state, part);
        AfterClosure();
        return loss;
    }

    // The engine calls the closure right after zeroing the (host) gradients and choosing the weights to show: the
    // device path's parameters receive both before the forward and backward pass.
    // The closure is user code: gradients change, autograd records.
    private void BeforeClosure(bool zeroGradients = true)
    {
        _staging.WeightsOut();
        if (zeroGradients)
        {
            _staging.ZeroParameterGradients();
        }

        _clock.Close();
        DeviceStaging.ResumeAutograd(_autogradPaused);
        _autogradPaused = false;
    }

    private void AfterClosure(bool gradientsIn = true)
    {
        _autogradPaused = DeviceStaging.PauseAutograd();
        _clock.Open();
        if (gradientsIn)
        {
            _staging.GradientsIn();
        }
    }

    // After an optimizer call: the parameters show what they should, and param.grad may change before the next one.
    private void EndDevicePhase(bool stepped)
    {
        if (stepped)
        {
            _staging.TrainedWeightsChanged();
        }

        _staging.WeightsOut();
    }

    // Accumulation: the statistics are saved before the first forward pass at the perturbed point only; the later
    // micro-batches there change them, and the step's end restores what was saved. param.grad is zeroed before the
    // first micro-batch only (the engine zeroed the host copies just before it), so backward adds the k micro-batches'
    // gradients in param.grad, and the device path reads their sum after the last.
    private float EvaluateMicroBatch<TModel, TState>(TModel model, TState state, int index, int k, Func<TModel, TState, int, float> closure)
    {
        bool first = index % k == 0;
        if (first)
        {
            SaveStatisticsIfPerturbed();
        }

        BeforeClosure(zeroGradients: first);
        float loss = closure(model, state, index);
        AfterClosure(gradientsIn: index % k == k - 1);
        return loss;
    }

    // m-sharpness with k micro-batches per part: the part's first micro-batch does what Evaluate does for a part.
    private float EvaluatePart<TModel, TState>(TModel model, TState state, int index, int k, Func<TModel, TState, int, float> closure)
    {
        if (index % k == 0 && !_sam.IsPerturbed)
        {
            _statistics?.Restore();
        }

        return EvaluateMicroBatch(model, state, index, k, closure);
    }

    private void SaveStatisticsIfPerturbed()
    {
        if (_sam.IsPerturbed)
        {
            _statistics?.Save();
        }
    }

    // Every call that reads gradients or writes weights: opens a span in which no user code runs, so each gradient is
    // looked up once, checks (and re-captures) the tensors, and turns autograd recording off once for the call instead
    // of around every re-seat or copy (the engine only runs the closure in between, see BeforeClosure). The storages'
    // prefetch pass runs first: it also checks each fast-path tensor's liveness on the helper threads
    // (TorchParameterStorage.Prefetch), so the check of every parameter that follows reads what it found.
    private void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _clock.Open();
        try
        {
            _sam.PrefetchStorages();
            ThrowIfUnusable();
        }
        catch
        {
            _clock.Close();
            throw;
        }

        _autogradPaused = DeviceStaging.PauseAutograd();
    }

    private void Exit()
    {
        _clock.Close();
        DeviceStaging.ResumeAutograd(_autogradPaused);
        _autogradPaused = false;
    }

    /// <summary>The storage serving the parameter at <paramref name="index"/> now (tests read its buffers' placement).</summary>
    internal TorchTensorStorage StorageOf(int index) => _slots[index].Backing;

    // One native call per parameter, no allocation, when nothing moved.
    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        SyncGroups();
        foreach (TorchParameterSlot s in _slots)
        {
            if (!s.Backing.IsCurrent)
            {
                Recapture();
                break;
            }
        }

        if (_statistics is { IsCurrent: false })
        {
            if (_module is null || _sam.IsPerturbed)
            {
                _statistics.ThrowIfMoved();
            }

            _statistics.Dispose();
            _statistics = RunningStatistics.Capture(_module!, _options.ForceDevicePath);
        }
    }

    // module.to(...) (or a load that replaced tensors) after capture: each new tensor is captured, on whichever path
    // now fits it, behind the same runtime Parameter, so the optimizer state (keyed by that object) carries over.
    // Rare, so it may allocate. Without the module, or in the middle of a step, there is nothing safe to do but say so.
    private void Recapture()
    {
        if (_module is null || _sam.IsPerturbed)
        {
            foreach (TorchParameterSlot s in _slots)
            {
                s.Backing.ThrowIfMoved();
            }

            return;
        }

        var current = new Dictionary<string, TorchParameter>(StringComparer.Ordinal);
        foreach ((string name, TorchParameter parameter) in _module.named_parameters())
        {
            current.TryAdd(name, parameter);
        }

        var backings = new TorchTensorStorage[_slots.Length];
        for (int i = 0; i < _slots.Length; i++)
        {
            TorchParameterSlot slot = _slots[i];
            if (!slot.Backing.IsCurrent)
            {
                string name = slot.Backing.Name;
                if (!current.TryGetValue(name, out TorchParameter? parameter) || parameter is null || parameter.IsInvalid)
                {
                    throw TorchTensorStorage.Moved(name, "the module no longer has a live parameter of that name");
                }

                slot.Replace(TorchTensorStorage.Capture(name, parameter, _staging, _options));
            }

            backings[i] = slot.Backing;
        }

        _staging.Track(backings);
        RefreshTorchView();
    }

    // torch.optim's view (each group's parameter list, the per-tensor state entries) names the tensors themselves:
    // after a re-capture it must list the module's new tensors, or schedulers and state_dict would see dead ones.
    private void RefreshTorchView()
    {
        var members = new List<TorchParameter>[_groups.Count];
        for (int g = 0; g < members.Length; g++)
        {
            members[g] = [];
        }

        _state.Clear();
        for (int i = 0; i < _slots.Length; i++)
        {
            TorchParameter tensor = _slots[i].Backing.Tensor;
            members[_slotGroups[i]].Add(tensor);
            _state[tensor.Handle] = new ParameterEntry(ParameterNames[i]);
        }

        for (int g = 0; g < members.Length; g++)
        {
            _groups[g].Parameters = members[g];
        }
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
