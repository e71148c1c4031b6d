using System;
using System.Collections.Generic;
using System.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam;

// The torch.optim surface: parameter groups that torch's LR schedulers drive, zero_grad(), step(closure), the
// PyTorch-SAM two calls first_step()/second_step(), and state_dict()/save_state_dict()/load_state_dict(). All of
// it forwards to the phases in TorchSamOptimizer.cs; nothing here computes a step.
public sealed partial class TorchSamOptimizer
{
    private readonly List<ParamGroup> _groups;
    private readonly EngineState _engineState;

    /// <summary>
    /// Creates SAM over <c>model.parameters()</c> or any list of parameters, without names (they are named by
    /// position, <c>"0"</c>, <c>"1"</c>, … in messages and in the saved state).
    /// </summary>
    /// <param name="parameters">The parameters; those without requires_grad are skipped.</param>
    /// <param name="settings">The SAM hyper-parameters.</param>
    /// <param name="optimizer">The base optimizer.</param>
    /// <param name="options">Exclusions and name-based selections (over the positional names); defaults when null.</param>
    public TorchSamOptimizer(IEnumerable<TorchParameter> parameters, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options = null)
        : this(Entries(Numbered(parameters)), groups: null, settings, optimizer, options, module: null)
    {
    }

    /// <summary>
    /// Creates SAM over parameter groups, as <c>torch.optim</c> optimizers take them: each group steps with its own
    /// learning rate and weight decay (null: the base optimizer's). Parameters are named <c>"g.i"</c> (group g,
    /// position i) in messages and in the saved state; pass the module first to name them as <c>named_parameters()</c>.
    /// </summary>
    /// <param name="groups">The groups; each parameter in at most one.</param>
    /// <param name="settings">The SAM hyper-parameters.</param>
    /// <param name="optimizer">The base optimizer (its learning rate and weight decay are the groups' defaults).</param>
    /// <param name="options">Exclusions and name-based selections; defaults when null (no <c>Group</c> rules).</param>
    public TorchSamOptimizer(IEnumerable<ParamGroup> groups, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options = null)
        : this(GroupEntries(groups, module: null, out List<ParamGroup> list), list, settings, optimizer, options, module: null)
    {
    }

    /// <summary>
    /// Creates SAM over parameter groups of <paramref name="module"/>: parameters are named as in
    /// <c>named_parameters()</c>, the module's normalization layers keep one running-statistics update per step,
    /// and type-based selections work. Parameters of the module in no group are not trained.
    /// </summary>
    /// <param name="module">The model the groups' parameters belong to.</param>
    /// <param name="groups">The groups; each parameter in at most one.</param>
    /// <param name="settings">The SAM hyper-parameters.</param>
    /// <param name="optimizer">The base optimizer (its learning rate and weight decay are the groups' defaults).</param>
    /// <param name="options">Exclusions and selections; defaults when null (no <c>Group</c> rules).</param>
    public TorchSamOptimizer(nn.Module module, IEnumerable<ParamGroup> groups, SamSettings settings, BaseOptimizer optimizer, TorchSamOptions? options = null)
        : this(GroupEntries(groups, module, out List<ParamGroup> list), list, settings, optimizer, options, module)
    {
    }

    /// <summary>
    /// torch.optim's <c>zero_grad()</c>: zeroes the gradient of every trained parameter (an undefined gradient stays
    /// undefined). The same as <see cref="ZeroGradients"/>.
    /// </summary>
    public override void zero_grad() => ZeroGradients();

    /// <summary>
    /// PyTorch SAM's first call (davda54/sam <c>first_step</c>): moves to the perturbed point with the gradients now
    /// held. On a step where no SAM step is due (<see cref="SamStepDue"/> false: periodic SAM between two SAM steps,
    /// switching's first steps) the weights stay, and <see cref="second_step"/> takes the base optimizer's step.
    /// </summary>
    /// <param name="zero_grad">Zero the gradients afterwards, ready for the backward pass at the perturbed point.</param>
    /// <exception cref="InvalidOperationException">A <see cref="LossScaler"/> is set: use <c>step(closure)</c>.</exception>
    public void first_step(bool zero_grad = false)
    {
        ThrowIfScaled(nameof(first_step));
        if (SamStepDue)
        {
            Perturb();
        }
        else
        {
            ThrowIfUnusable();
        }

        if (zero_grad)
        {
            ZeroGradients();
        }
    }

    /// <summary>
    /// PyTorch SAM's second call (davda54/sam <c>second_step</c>): returns to the trained weights and takes the base
    /// optimizer's step with the gradients now held (those at the perturbed point). The same as <see cref="RestoreAndStep"/>.
    /// </summary>
    /// <param name="zero_grad">Zero the gradients afterwards.</param>
    /// <exception cref="InvalidOperationException">A <see cref="LossScaler"/> is set: use <c>step(closure)</c>.</exception>
    public void second_step(bool zero_grad = false)
    {
        ThrowIfScaled(nameof(second_step));
        RestoreAndStep();
        if (zero_grad)
        {
            ZeroGradients();
        }
    }

    /// <summary>
    /// torch.optim's <c>step(closure)</c>: one whole SAM step (<see cref="SharpnessAwareStep(Func{float})"/>) whose
    /// closure runs the forward and backward pass and returns the loss tensor; it runs twice (once on steps where no
    /// SAM step is due), each time after the gradients were zeroed. Without a closure it completes a step begun by
    /// <see cref="first_step"/> (or takes the base step when no SAM step is due).
    /// </summary>
    /// <param name="closure">Forward + backward, returning the loss.</param>
    /// <returns>The loss at the trained weights (the closure's first result), or null without a closure.</returns>
    /// <exception cref="ArgumentNullException">No closure, and a SAM step is due but was not begun with <see cref="first_step"/>.</exception>
    /// <exception cref="InvalidOperationException">No closure while a <see cref="LossScaler"/> is set.</exception>
    /// <remarks>
    /// With a <see cref="LossScaler"/> the closure backpropagates <see cref="ScaleLoss"/>(loss) and returns the
    /// unscaled loss; a step whose gradients overflow is skipped (<see cref="SamStepInfo.Overflow"/>).
    /// </remarks>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (closure is null)
        {
            ThrowIfScaled(nameof(step) + "(closure: null)");
            if (!IsPerturbed && SamStepDue)
            {
                throw new ArgumentNullException(nameof(closure), "SAM evaluates the loss at two points per step: pass a closure (forward + backward, returning the loss), or call first_step() and second_step().");
            }

            RestoreAndStep();
            return null!;
        }

        Tensor? first = null;
        SharpnessAwareStep(() =>
        {
            Tensor loss;
            using (torch.enable_grad())
            {
                loss = closure();
            }

            float value = loss.item<float>();
            if (first is null)
            {
                first = loss;
            }
            else
            {
                loss.Dispose();
            }

            return value;
        });
        return first!;
    }

    // PyTorch SAM's two-call protocol cannot skip a step on an overflow: the caller would run the second backward
    // pass and call second_step whatever happened. The whole step (step(closure)) scales, checks and skips.
    private void ThrowIfScaled(string operation)
    {
        if (LossScaler is not null)
        {
            throw new InvalidOperationException(
                $"{operation}() cannot skip a step on a float16 overflow while a LossScaler is set; use step(closure) (or SharpnessAwareStep), which scales, checks and skips both passes.");
        }
    }

    /// <summary>Not supported: the parameter set is fixed when the optimizer is created. Create a new optimizer with every group.</summary>
    /// <param name="param_group">The group.</param>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override void add_param_group(TorchSharp.Modules.ParamGroup param_group) =>
        throw new NotSupportedException("TorchSamOptimizer fixes its parameters and groups when created: create a new optimizer with every group (save_state_dict before and load_state_dict after keeps the optimizer state of the parameters both have).");

    /// <summary>
    /// torch.optim's state dictionary: one options entry per parameter group (learning rates, weight decay), one
    /// entry per trained parameter (its name), and a last entry holding the whole SAM state (step count, momentum,
    /// Adam moments, variant buffers; <see cref="SaveState"/>'s record). <c>save_state_dict</c>/<c>load_state_dict</c>
    /// write and read it; a resumed run continues bit-identically.
    /// </summary>
    /// <returns>The state dictionary, live: loading into it loads into this optimizer.</returns>
    public override StateDictionary state_dict()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        StateDictionary dictionary = base.state_dict();
        dictionary.State.Add(_engineState);
        return dictionary;
    }

    // Each group's learning rate and weight decay live in its torch options (what schedulers write); the engine
    // reads them from the runtime groups, brought up to date before every phase. Allocation-free.
    private void SyncGroups()
    {
        foreach (ParamGroup g in _groups)
        {
            g.Sync();
        }

        double lr = _groups[0].LearningRate;
        if (lr > 0 && lr != _sam.LearningRate)
        {
            _sam.LearningRate = lr; // every parameter has a group: the engine's own rate only feeds telemetry
        }
    }

    private static List<ParamGroup> DefaultGroups(TorchSamOptions options)
    {
        var groups = new List<ParamGroup> { new([], null, null) };
        foreach (TorchSamOptions.GroupRule rule in options.GroupRules)
        {
            groups.Add(new ParamGroup([], rule.LearningRate, rule.WeightDecay));
        }

        return groups;
    }

    private static List<Entry> Entries(IEnumerable<(string name, TorchParameter parameter)> named)
    {
        ArgumentNullException.ThrowIfNull(named);
        var list = new List<Entry>();
        foreach ((string name, TorchParameter parameter) in named)
        {
            list.Add(new Entry(name, parameter, -1));
        }

        return list;
    }

    private static IEnumerable<(string, TorchParameter)> Numbered(IEnumerable<TorchParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int i = 0;
        foreach (TorchParameter p in parameters)
        {
            yield return ((i++).ToString(System.Globalization.CultureInfo.InvariantCulture), p);
        }
    }

    private static List<Entry> GroupEntries(IEnumerable<ParamGroup> groups, nn.Module? module, out List<ParamGroup> list)
    {
        ArgumentNullException.ThrowIfNull(groups);
        list = [.. groups];
        if (list.Count == 0)
        {
            throw new ArgumentException("At least one parameter group is needed.", nameof(groups));
        }

        Dictionary<IntPtr, string>? names = null;
        if (module is not null)
        {
            names = [];
            foreach ((string name, TorchParameter p) in module.named_parameters())
            {
                names.TryAdd(p.Handle, name);
            }
        }

        var entries = new List<Entry>();
        for (int g = 0; g < list.Count; g++)
        {
            ParamGroup group = list[g] ?? throw new ArgumentException($"Parameter group {g} is null.", nameof(groups));
            int i = 0;
            foreach (TorchParameter p in group.Parameters ?? [])
            {
                string name = names is null
                    ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{g}.{i}")
                    : names.TryGetValue(p.Handle, out string? n) ? n : throw new ArgumentException($"Parameter {i} of group {g} is not a parameter of the module.", nameof(groups));
                entries.Add(new Entry(name, p, g));
                i++;
            }
        }

        return entries;
    }

    // The module whose own parameter each named parameter is, for the type-based selectors.
    private static Dictionary<string, nn.Module> Owners(nn.Module module)
    {
        var owners = new Dictionary<string, nn.Module>(StringComparer.Ordinal);
        void Add(string prefix, nn.Module m)
        {
            foreach ((string local, TorchParameter _) in m.named_parameters(recurse: false))
            {
                owners.TryAdd(prefix.Length == 0 ? local : prefix + "." + local, m);
            }
        }

        Add("", module);
        foreach ((string name, nn.Module child) in module.named_modules())
        {
            if (name.Length > 0)
            {
                Add(name, child);
            }
        }

        return owners;
    }

    private readonly record struct Entry(string Name, TorchParameter Parameter, int Group);

    /// <summary>
    /// A parameter group of a <see cref="TorchSamOptimizer"/>: its parameters, learning rate and weight decay, the
    /// entry of <c>ParamGroups</c> torch's LR schedulers drive.
    /// </summary>
    public sealed class ParamGroup : ParamGroup<Options>
    {
        /// <summary>Creates a group.</summary>
        /// <param name="parameters">The group's parameters.</param>
        /// <param name="lr">The group's learning rate; null: the base optimizer's.</param>
        /// <param name="weight_decay">The group's weight decay (applied the base optimizer's way); null: the base optimizer's.</param>
        public ParamGroup(IEnumerable<TorchParameter> parameters, double? lr = null, double? weight_decay = null)
            : base(parameters, new Options { LearningRate = lr, WeightDecay = weight_decay })
        {
        }

        /// <summary>The runtime group the engine reads (bound by the optimizer).</summary>
        internal ParameterGroup? Runtime { get; private set; }

        internal void Bind(string name, BaseOptimizer optimizer)
        {
            if (Runtime is not null)
            {
                throw new ArgumentException("This parameter group already belongs to a TorchSamOptimizer.", "groups");
            }

            Options.LearningRate ??= optimizer.LearningRate;
            Options.WeightDecay ??= optimizer.WeightDecay;
            Options.InitialLearningRate = Options.LearningRate.Value;
            Runtime = new ParameterGroup(Options.LearningRate, Options.WeightDecay, name);
        }

        internal void Sync()
        {
            ParameterGroup runtime = Runtime!;
            double lr = Options.LearningRate ?? throw new InvalidOperationException($"Parameter group '{runtime.Name}' has no learning rate.");
            if (runtime.LearningRate != lr)
            {
                runtime.LearningRate = lr; // validated there, naming the group: before anything is written
            }

            if (runtime.WeightDecay != Options.WeightDecay)
            {
                runtime.WeightDecay = Options.WeightDecay;
            }
        }
    }

    /// <summary>A parameter group's hyper-parameters: the learning rate (<see cref="OptimizerOptions.LearningRate"/>) and the weight decay.</summary>
    public sealed class Options : OptimizerOptions
    {
        /// <summary>The group's weight decay; null until the optimizer fills in the base optimizer's.</summary>
        public double? WeightDecay { get; set; }

        /// <inheritdoc/>
        public override void SaveStateDict(BinaryWriter writer)
        {
            ArgumentNullException.ThrowIfNull(writer);
            base.SaveStateDict(writer);
            writer.Write(WeightDecay ?? 0);
        }

        /// <inheritdoc/>
        public override void LoadStateDict(BinaryReader reader)
        {
            ArgumentNullException.ThrowIfNull(reader);
            base.LoadStateDict(reader);
            WeightDecay = reader.ReadDouble();
        }

        /// <inheritdoc/>
        public override void LoadStateDict(OptimizerOptions source)
        {
            base.LoadStateDict(source);
            if (source is Options o)
            {
                WeightDecay = o.WeightDecay;
            }
        }
    }

    // One entry per trained parameter in torch's state dictionary: its name, checked on load; the numbers are in the
    // engine's record (EngineState), which identifies each parameter's state by the same name.
    private sealed class ParameterEntry(string name) : OptimizerState(null!)
    {
        public string Name { get; } = name;

        public override void SaveStateDict(BinaryWriter writer) => writer.Write(Name);

        public override void LoadStateDict(BinaryReader reader)
        {
            string saved = reader.ReadString();
            if (saved != Name)
            {
                throw new InvalidDataException($"The saved optimizer state is for parameter '{saved}' where this optimizer has '{Name}'.");
            }
        }

        public override void LoadStateDict(OptimizerState source)
        {
            if (source is not ParameterEntry e || e.Name != Name)
            {
                throw new ArgumentException($"The state for parameter '{Name}' comes from another kind of optimizer or another parameter.", nameof(source));
            }
        }

        public override void Initialize(OptimizerOptions options)
        {
        }
    }

    // The whole SAM state as one record (SamOptimizer.SaveState's format), length-prefixed in torch's stream.
    private sealed class EngineState(TorchSamOptimizer owner) : OptimizerState(null!)
    {
        public override void SaveStateDict(BinaryWriter writer)
        {
            using var buffer = new MemoryStream();
            owner.SaveState(buffer);
            writer.Write(checked((int)buffer.Length));
            writer.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
        }

        public override void LoadStateDict(BinaryReader reader)
        {
            int length = reader.ReadInt32();
            byte[] bytes = reader.ReadBytes(length);
            if (bytes.Length != length)
            {
                throw new EndOfStreamException("The saved SAM state is truncated.");
            }

            owner.LoadState(new MemoryStream(bytes, writable: false));
        }

        public override void LoadStateDict(OptimizerState source)
        {
            if (source is not EngineState other)
            {
                throw new ArgumentException("The SAM state comes from another kind of optimizer.", nameof(source));
            }

            using var buffer = new MemoryStream();
            other.SaveStateDict(new BinaryWriter(buffer));
            buffer.Position = 0;
            LoadStateDict(new BinaryReader(buffer));
        }

        public override void Initialize(OptimizerOptions options)
        {
        }
    }
}
