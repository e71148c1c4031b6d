using System;
using System.Collections.Generic;
using System.IO.Enumeration;
using static TorchSharp.torch;

namespace Sam;

// Chainable selectors over a parameter's name and the module that owns it (the module whose own parameter it is,
// found through named_modules()): what is perturbed, and which parameter group a parameter steps in. Each is
// evaluated once, at the optimizer's construction.
public sealed partial class TorchSamOptions
{
    private readonly List<Selector> _excluded = [];
    private readonly List<Selector> _only = [];
    private readonly List<GroupRule> _groups = [];

    /// <summary>
    /// Leaves the parameters whose <c>named_parameters()</c> name matches <paramref name="pattern"/> unperturbed
    /// (still stepped). <c>*</c> matches any run of characters (dots included), <c>?</c> one:
    /// <c>"*.bias"</c>, <c>"head.*"</c>.
    /// </summary>
    /// <param name="pattern">A name pattern.</param>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions Exclude(string pattern) => Add(_excluded, Selector.ForPattern(pattern, nameof(pattern)));

    /// <summary>Leaves the parameters whose name satisfies <paramref name="name"/> unperturbed (still stepped).</summary>
    /// <param name="name">A predicate over the <c>named_parameters()</c> name.</param>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions Exclude(Func<string, bool> name) => Add(_excluded, Selector.ForName(name, nameof(name)));

    /// <summary>
    /// Leaves the parameters of every <typeparamref name="TModule"/> unperturbed (still stepped):
    /// <c>Exclude&lt;NormBase&gt;()</c> for every BatchNorm/InstanceNorm layer. Needs the optimizer built from the module.
    /// </summary>
    /// <typeparam name="TModule">The module type (a base type covers its subclasses).</typeparam>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions Exclude<TModule>()
        where TModule : nn.Module => Add(_excluded, Selector.ForModule<TModule>());

    /// <summary>
    /// Perturbs only the parameters whose name matches <paramref name="pattern"/> (the others are still stepped).
    /// Several <c>PerturbOnly</c> calls perturb the union; <c>Exclude</c> still removes from it.
    /// </summary>
    /// <param name="pattern">A name pattern (<c>*</c>, <c>?</c>).</param>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions PerturbOnly(string pattern) => Add(_only, Selector.ForPattern(pattern, nameof(pattern)));

    /// <summary>Perturbs only the parameters whose name satisfies <paramref name="name"/>.</summary>
    /// <param name="name">A predicate over the <c>named_parameters()</c> name.</param>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions PerturbOnly(Func<string, bool> name) => Add(_only, Selector.ForName(name, nameof(name)));

    /// <summary>
    /// Perturbs only the parameters of every <typeparamref name="TModule"/>: <c>PerturbOnly&lt;BatchNorm&gt;()</c> is
    /// SAM-ON (Mueller et al., NeurIPS 2023: perturb only the normalization layers' affine parameters). Needs the
    /// optimizer built from the module.
    /// </summary>
    /// <typeparam name="TModule">The module type (a base type covers its subclasses).</typeparam>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions PerturbOnly<TModule>()
        where TModule : nn.Module => Add(_only, Selector.ForModule<TModule>());

    /// <summary>
    /// Puts the parameters whose name matches <paramref name="pattern"/> in a parameter group with its own learning
    /// rate and/or weight decay (<c>Group("*.bias", weightDecay: 0)</c>). A parameter joins the first group that
    /// matches; the others stay in the default group (index 0 of <c>ParamGroups</c>), and each group is one entry of
    /// <c>ParamGroups</c> that torch's LR schedulers drive.
    /// </summary>
    /// <param name="pattern">A name pattern (<c>*</c>, <c>?</c>).</param>
    /// <param name="learningRate">The group's learning rate; null: the base optimizer's.</param>
    /// <param name="weightDecay">The group's weight decay; null: the base optimizer's.</param>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions Group(string pattern, double? learningRate = null, double? weightDecay = null) =>
        AddGroup(Selector.ForPattern(pattern, nameof(pattern)), learningRate, weightDecay, pattern);

    /// <summary>
    /// Puts the parameters of every <typeparamref name="TModule"/> in a parameter group with its own learning rate
    /// and/or weight decay (<c>Group&lt;NormBase&gt;(weightDecay: 0)</c>). Needs the optimizer built from the module.
    /// </summary>
    /// <typeparam name="TModule">The module type.</typeparam>
    /// <param name="learningRate">The group's learning rate; null: the base optimizer's.</param>
    /// <param name="weightDecay">The group's weight decay; null: the base optimizer's.</param>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions Group<TModule>(double? learningRate = null, double? weightDecay = null)
        where TModule : nn.Module => AddGroup(Selector.ForModule<TModule>(), learningRate, weightDecay, typeof(TModule).Name);

    /// <summary>
    /// The common recipe in one call: biases and the parameters of normalization layers (BatchNorm, InstanceNorm,
    /// LayerNorm, GroupNorm) in one group without weight decay.
    /// </summary>
    /// <returns>These options, for chaining.</returns>
    public TorchSamOptions NoWeightDecayForBiasesAndNorms() =>
        AddGroup(new Selector(static (name, owner) => name.EndsWith(".bias", StringComparison.Ordinal) || name == "bias" || IsNormalization(owner), NeedsModule: true), null, 0, "no_decay");

    /// <summary>Whether <paramref name="module"/> is a normalization layer (BatchNorm, InstanceNorm, LayerNorm, GroupNorm).</summary>
    /// <param name="module">A module, or null.</param>
    /// <returns>True for a normalization layer.</returns>
    public static bool IsNormalization(nn.Module? module) =>
        module is TorchSharp.Modules.NormBase or TorchSharp.Modules.LayerNorm or TorchSharp.Modules.GroupNorm;

    /// <summary>Whether any selector needs the owning modules (a type-based one).</summary>
    internal bool NeedsModules => _excluded.Exists(static s => s.NeedsModule) || _only.Exists(static s => s.NeedsModule) || _groups.Exists(static g => g.Selector.NeedsModule);

    /// <summary>The group rules in order (index i is <c>ParamGroups</c> entry i + 1).</summary>
    internal IReadOnlyList<GroupRule> GroupRules => _groups;

    /// <summary>Whether the parameter is perturbed under every rule (the predicate properties and the selectors).</summary>
    internal bool IsPerturbed(string name, nn.Module? owner)
    {
        if (ExcludeFromPerturbation?.Invoke(name) == true)
        {
            return false;
        }

        foreach (Selector s in _excluded)
        {
            if (s.Matches(name, owner))
            {
                return false;
            }
        }

        if (_only.Count == 0)
        {
            return true;
        }

        foreach (Selector s in _only)
        {
            if (s.Matches(name, owner))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The index in <see cref="GroupRules"/> of the first group the parameter matches, or −1.</summary>
    internal int GroupOf(string name, nn.Module? owner)
    {
        for (int i = 0; i < _groups.Count; i++)
        {
            if (_groups[i].Selector.Matches(name, owner))
            {
                return i;
            }
        }

        return -1;
    }

    private TorchSamOptions Add(List<Selector> list, Selector selector)
    {
        list.Add(selector);
        return this;
    }

    private TorchSamOptions AddGroup(Selector selector, double? learningRate, double? weightDecay, string name)
    {
        // Validated now, with the option's name, rather than at the optimizer's construction.
        _ = new ParameterGroup(learningRate, weightDecay, name);
        _groups.Add(new GroupRule(selector, learningRate, weightDecay, name));
        return this;
    }

    internal readonly record struct Selector(Func<string, nn.Module?, bool> Predicate, bool NeedsModule)
    {
        public bool Matches(string name, nn.Module? owner) => Predicate(name, owner);

        public static Selector ForPattern(string pattern, string parameterName)
        {
            ArgumentException.ThrowIfNullOrEmpty(pattern, parameterName);
            return new Selector((name, _) => FileSystemName.MatchesSimpleExpression(pattern, name, ignoreCase: false), NeedsModule: false);
        }

        public static Selector ForName(Func<string, bool> name, string parameterName)
        {
            ArgumentNullException.ThrowIfNull(name, parameterName);
            return new Selector((n, _) => name(n), NeedsModule: false);
        }

        public static Selector ForModule<TModule>()
            where TModule : nn.Module => new(static (_, owner) => owner is TModule, NeedsModule: true);
    }

    internal sealed record GroupRule(Selector Selector, double? LearningRate, double? WeightDecay, string Name);
}
