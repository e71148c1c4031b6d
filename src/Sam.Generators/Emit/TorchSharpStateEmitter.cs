using System;
using System.Collections.Generic;
using Sam.Generators.Model;
using Sam.Generators.Parsing;

namespace Sam.Generators.Emit;

/// <summary>
/// Writes the TorchSharp backend's nested state class: the module's parameters (captured once), the trained
/// weights saved while perturbed, the base optimizer's tensors and the batch-norm statistics scope. The text is a
/// template; only the base optimizer's update and the gradient accessor differ between models.
/// </summary>
/// <remarks>
/// TorchSharp API relied on (see docs/backends.md for where each was confirmed): Module.named_parameters(),
/// Module.named_buffers(), Tensor.grad (property; a method before TorchSharp 0.102.5), torch.no_grad(),
/// torch.NewDisposeScope(), Tensor.DetachFromDisposeScope(), torch.zeros_like, torch.stack, torch.maximum,
/// Tensor.mul/add/sum/to_type/item/reshape/cpu/data/copy_/zero_/mul_/add_/div_/sqrt/addcmul_/addcdiv_,
/// torch.ScalarType.Float64 and the implicit double → Scalar conversion.
/// </remarks>
internal static class TorchSharpStateEmitter
{
    private const string Tensor = "global::TorchSharp.torch.Tensor";
    private const string Torch = "global::TorchSharp.torch";

    public static void Emit(SourceWriter w, SamModelSpec model, string attr)
    {
        OptimizerSpec o = model.Config.Optimizer;
        string grad = (model.Torch ?? TorchSpec.Default).Gradient == GradientAccess.Method ? "grad()" : "grad";
        var fields = new List<string>();
        var allocations = new List<string>();
        var forget = new List<string>();
        if (o.Kind == BaseOptimizerKind.AdamW)
        {
            fields.Add("private readonly long[] _steps;");
            fields.Add("private readonly {T}?[] _expAvg;");
            fields.Add("private readonly {T}?[] _expAvgSq;");
            allocations.Add("_steps = new long[n];");
            allocations.Add("_expAvg = new {T}?[n];");
            allocations.Add("_expAvgSq = new {T}?[n];");
            forget.Add("global::System.Array.Clear(_steps, 0, _steps.Length);");
            if (o.Amsgrad)
            {
                fields.Add("private readonly {T}?[] _maxExpAvgSq;");
                allocations.Add("_maxExpAvgSq = new {T}?[n];");
            }
        }
        else if (o.Momentum != 0)
        {
            fields.Add("private readonly {T}?[] _momentum;");
            fields.Add("private readonly bool[] _hasMomentum;");
            allocations.Add("_momentum = new {T}?[n];");
            allocations.Add("_hasMomentum = new bool[n];");
            forget.Add("global::System.Array.Clear(_hasMomentum, 0, _hasMomentum.Length);");
        }

        if (model.Config.PerturbWeightDecay && o.WeightDecay != 0)
        {
            fields.Add("private readonly {T}?[] _directions;");
            allocations.Add("_directions = new {T}?[n];");
        }

        string state = GeneratedMemberNames.TorchStateType;
        w.Line("/// <summary>");
        w.Line("/// The TorchSharp side of SAM for this module: its parameters in registration order (captured once), the");
        w.Line("/// trained weights saved while perturbed, the base optimizer's state and the batch-norm statistics scope.");
        w.Line("/// </summary>");
        w.Line(attr);
        w.Line("[global::System.ComponentModel.EditorBrowsable(global::System.ComponentModel.EditorBrowsableState.Never)]");
        w.Open($"private sealed class {state}");
        Block(w, Fill(Fields, state, grad));
        foreach (string f in fields)
        {
            w.Line(Fill(f, state, grad));
        }

        w.Line();
        Block(w, Fill(ConstructorHead, state, grad));
        foreach (string a in allocations)
        {
            w.Line("    " + Fill(a, state, grad));
        }

        Block(w, Fill(ConstructorTail, state, grad));
        w.Line();
        string phases = Fill(Phases, state, grad);
        bool perturbDecay = model.Config.PerturbWeightDecay && o.WeightDecay != 0;
        if (perturbDecay)
        {
            // Weight decay in the perturbation: the direction is g + λw for its norm and for e; ‖g‖ stays the telemetry.
            phases = Replace(phases, "double scale = engine.PerturbationScale(sumOfSquares);", "double scale = engine.PerturbationScale(this.DirectionSumOfSquares());");
            phases = Replace(phases, "_parameters[i].add_(gradient, S(scale));", "_parameters[i].add_(_directions[i]!, S(scale));");
            phases = Replace(phases, "_sumsOfSquares.Clear();", "_sumsOfSquares.Clear();\n    global::System.Array.Clear(_directions, 0, _directions.Length);");
        }

        Block(w, phases);
        if (perturbDecay)
        {
            w.Line();
            w.Line("// ‖g + λw‖² over the parameters with a gradient (a second device sync), keeping each direction for Perturb.");
            w.Open("private double DirectionSumOfSquares()");
            w.Line($"var sums = new global::System.Collections.Generic.List<{Tensor}>();");
            w.Open("for (int i = 0; i < _parameters.Length; i++)");
            w.Open("if (_gradients[i] is { } gradient)");
            w.Line($"{Tensor} direction = gradient.add(_parameters[i], S({Literals.Double(o.WeightDecay)}));");
            w.Line("_directions[i] = direction;");
            w.Line("sums.Add(direction.mul(direction).sum());");
            w.Close();
            w.Close();
            w.Line();
            w.Line($"return sums.Count == 0 ? 0d : {Torch}.stack(sums).to_type({Torch}.ScalarType.Float64).sum().cpu().item<double>();");
            w.Close();
        }

        w.Line();
        w.Line("// A fresh engine, or one after ResetState(): the base optimizer starts from scratch.");
        w.Open("private void ForgetOptimizerState()");
        foreach (string f in forget)
        {
            w.Line(f);
        }

        w.Close();
        w.Line();
        EmitStepParameter(w, o);
        w.Line();
        Block(w, Fill(Helpers, state, grad));
        w.Close();
    }

    private static void EmitStepParameter(SourceWriter w, OptimizerSpec o)
    {
        string D(double v) => Literals.Double(v);
        if (o.Kind == BaseOptimizerKind.AdamW)
        {
            w.Line("// torch.optim.AdamW's update: decoupled weight decay, then bias-corrected first and second moments.");
            w.Open($"private void StepParameter(int i, {Tensor} gradient, double learningRate)");
            w.Line($"{Tensor} parameter = _parameters[i];");
            w.Line("long step = ++_steps[i];");
            w.Line($"{Tensor} expAvg = _expAvg[i] ??= NewBuffer(parameter);");
            w.Line($"{Tensor} expAvgSq = _expAvgSq[i] ??= NewBuffer(parameter);");
            if (o.Amsgrad)
            {
                w.Line($"{Tensor} maxExpAvgSq = _maxExpAvgSq[i] ??= NewBuffer(parameter);");
            }

            w.Open("if (step == 1)");
            w.Line("expAvg.zero_();");
            w.Line("expAvgSq.zero_();");
            if (o.Amsgrad)
            {
                w.Line("maxExpAvgSq.zero_();");
            }

            w.Close();
            w.Line();
            if (o.WeightDecay != 0)
            {
                w.Line($"parameter.mul_(S(1d - learningRate * {D(o.WeightDecay)}));");
            }

            w.Line($"expAvg.mul_(S({D(o.Beta1)})).add_(gradient, S(1d - {D(o.Beta1)}));");
            w.Line($"expAvgSq.mul_(S({D(o.Beta2)})).addcmul_(gradient, gradient, S(1d - {D(o.Beta2)}));");
            w.Line($"double biasCorrection1 = 1d - global::System.Math.Pow({D(o.Beta1)}, step);");
            w.Line($"double biasCorrection2Sqrt = global::System.Math.Sqrt(1d - global::System.Math.Pow({D(o.Beta2)}, step));");
            if (o.Amsgrad)
            {
                w.Line($"maxExpAvgSq.copy_({Torch}.maximum(maxExpAvgSq, expAvgSq));");
                w.Line($"{Tensor} denominator = maxExpAvgSq.sqrt().div_(S(biasCorrection2Sqrt)).add_(S({D(o.Epsilon)}));");
            }
            else
            {
                w.Line($"{Tensor} denominator = expAvgSq.sqrt().div_(S(biasCorrection2Sqrt)).add_(S({D(o.Epsilon)}));");
            }

            w.Line("parameter.addcdiv_(expAvg, denominator, S(-learningRate / biasCorrection1));");
            w.Close();
            return;
        }

        w.Line(o.Momentum != 0
            ? "// torch.optim.SGD's update: the momentum buffer is d on its first step, then μ·buf + (1 − dampening)·d."
            : "// torch.optim.SGD's update without momentum.");
        w.Open($"private void StepParameter(int i, {Tensor} d, double learningRate)");
        w.Line($"{Tensor} parameter = _parameters[i];");
        if (o.WeightDecay != 0)
        {
            w.Line(o.DecoupledWeightDecay
                ? $"parameter.mul_(S(1d - learningRate * {D(o.WeightDecay)}));"
                : $"d = d.add(parameter, S({D(o.WeightDecay)}));");
        }

        if (o.Momentum != 0)
        {
            w.Line($"{Tensor} buffer = _momentum[i] ??= NewBuffer(parameter);");
            w.Open("if (_hasMomentum[i])");
            w.Line(o.Dampening == 0
                ? $"buffer.mul_(S({D(o.Momentum)})).add_(d, S(1d));"
                : $"buffer.mul_(S({D(o.Momentum)})).add_(d, S(1d - {D(o.Dampening)}));");
            w.Close();
            w.Open("else");
            w.Line("buffer.copy_(d);");
            w.Line("_hasMomentum[i] = true;");
            w.Close();
            w.Line();
            w.Line(o.Nesterov ? $"d = d.add(buffer, S({D(o.Momentum)}));" : "d = buffer;");
        }

        w.Line("parameter.add_(d, S(-learningRate));");
        w.Close();
    }

    private static string Replace(string text, string oldValue, string newValue)
    {
        int at = text.IndexOf(oldValue, StringComparison.Ordinal);
        if (at < 0)
        {
            throw new InvalidOperationException("Template line not found: " + oldValue);
        }

        // Keep the replaced line's indentation on every line of the replacement.
        int lineStart = text.LastIndexOf('\n', at) + 1;
        string indent = text.Substring(lineStart, at - lineStart);
        return text.Substring(0, at) + newValue.Replace("\n    ", "\n" + indent) + text.Substring(at + oldValue.Length);
    }

    private static string Fill(string template, string state, string grad) =>
        template.Replace("{T}", Tensor).Replace("{torch}", Torch).Replace("{State}", state).Replace("{grad}", grad);

    // Writes a multi-line template at the writer's indentation, keeping the template's own relative indentation.
    private static void Block(SourceWriter w, string text)
    {
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r', ' ');
            w.Line(line);
        }
    }

    private const string Fields = """
        private readonly string[] _names;
        private readonly {T}[] _parameters;

        // The gradients read by the current phase; cleared when it ends (their wrappers die with its dispose scope).
        private readonly {T}?[] _gradients;
        private readonly global::System.Collections.Generic.List<{T}> _sumsOfSquares = new global::System.Collections.Generic.List<{T}>();
        private readonly {T}?[] _trainedWeights;
        private readonly bool[] _perturbed;
        private readonly {T}[] _statistics;
        private readonly {T}?[] _savedStatistics;
        private readonly RunningStatisticsScope _thaw;
        private bool _frozen;
        """;

    private const string ConstructorHead = """
        public {State}(global::TorchSharp.torch.nn.Module module)
        {
            var names = new global::System.Collections.Generic.List<string>();
            var parameters = new global::System.Collections.Generic.List<{T}>();
            foreach (var (name, parameter) in module.named_parameters())
            {
                names.Add(name);
                parameters.Add(parameter);
            }

            var statistics = new global::System.Collections.Generic.List<{T}>();
            foreach (var (name, buffer) in module.named_buffers())
            {
                if (IsRunningStatistic(name))
                {
                    statistics.Add(buffer);
                }
            }

            _names = names.ToArray();
            _parameters = parameters.ToArray();
            _statistics = statistics.ToArray();
            int n = _parameters.Length;
            _gradients = new {T}?[n];
            _trainedWeights = new {T}?[n];
            _perturbed = new bool[n];
            _savedStatistics = new {T}?[_statistics.Length];
            _thaw = new RunningStatisticsScope(this);
        """;

    private const string ConstructorTail = """
        }
        """;

    private const string Phases = """
        // Under no_grad, as every other phase: a gradient left attached to a graph (backward with create_graph)
        // is zeroed without recording the write, which PyTorch's zero_grad gets by detaching it first.
        public void ZeroGradients()
        {
            using ({torch}.no_grad())
            using ({torch}.NewDisposeScope())
            {
                foreach ({T} parameter in _parameters)
                {
                    if (parameter.{grad} is { } gradient)
                    {
                        gradient.zero_();
                    }
                }
            }
        }

        public void Perturb(global::Sam.SamEngine engine)
        {
            using ({torch}.no_grad())
            using ({torch}.NewDisposeScope())
            {
                try
                {
                    double sumOfSquares = this.GradientSumOfSquares("perturbation");
                    if (_sumsOfSquares.Count == 0 && _parameters.Length > 0)
                    {
                        // Perturbing nothing would make the step a silent plain step; say why instead.
                        throw new global::System.InvalidOperationException(
                            "None of the module's " + _parameters.Length + " parameters has a gradient: run the backward pass before Perturb(). " +
                            "If the module was moved or converted (to(), cuda(), ...) after the first SAM call, the parameters SAM captured then are stale: move it before the first step.");
                    }

                    engine.RecordGradientSumOfSquares(sumOfSquares);
                    double scale = engine.PerturbationScale(sumOfSquares);
                    for (int i = 0; i < _parameters.Length; i++)
                    {
                        if (_gradients[i] is { } gradient)
                        {
                            (_trainedWeights[i] ??= NewBuffer(_parameters[i])).copy_(_parameters[i]);
                            _perturbed[i] = true;
                            _parameters[i].add_(gradient, S(scale));
                        }
                    }
                }
                finally
                {
                    this.EndPhase();
                }
            }
        }

        public void Restore()
        {
            using ({torch}.no_grad())
            using ({torch}.NewDisposeScope())
            {
                this.RestoreWeights();
            }
        }

        public void RestoreAndStep(global::Sam.SamEngine engine)
        {
            using ({torch}.no_grad())
            using ({torch}.NewDisposeScope())
            {
                try
                {
                    double sumOfSquares;
                    try
                    {
                        sumOfSquares = this.GradientSumOfSquares("step");
                    }
                    catch
                    {
                        this.RestoreWeights();
                        engine.EndRestore();
                        throw;
                    }

                    double gradientScale = engine.StepScale(sumOfSquares);
                    this.RestoreWeights();
                    if (engine.StepCount == 0)
                    {
                        this.ForgetOptimizerState();
                    }

                    double learningRate = engine.LearningRate;
                    for (int i = 0; i < _parameters.Length; i++)
                    {
                        if (_gradients[i] is { } gradient)
                        {
                            this.StepParameter(i, gradientScale == 1d ? gradient : gradient.mul(S(gradientScale)), learningRate);
                        }
                    }
                }
                finally
                {
                    this.EndPhase();
                }
            }
        }

        public global::System.IDisposable FreezeRunningStatistics()
        {
            if (_frozen)
            {
                throw new global::System.InvalidOperationException("The running statistics are already frozen: dispose the scope FreezeRunningStatistics() returned first.");
            }

            using ({torch}.no_grad())
            using ({torch}.NewDisposeScope())
            {
                for (int i = 0; i < _statistics.Length; i++)
                {
                    (_savedStatistics[i] ??= NewBuffer(_statistics[i])).copy_(_statistics[i]);
                }
            }

            _frozen = true;
            return _thaw;
        }

        private void ThawRunningStatistics()
        {
            if (!_frozen)
            {
                return;
            }

            using ({torch}.no_grad())
            using ({torch}.NewDisposeScope())
            {
                for (int i = 0; i < _statistics.Length; i++)
                {
                    _statistics[i].copy_(_savedStatistics[i]!);
                }
            }

            _frozen = false;
        }

        // ‖g‖² over the parameters that have a gradient, with one device sync: each tensor's Σg² stays on the device,
        // the partial sums are stacked and summed in double, and read once. Throws, naming the parameter, on NaN/±∞.
        private double GradientSumOfSquares(string phase)
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                {T}? gradient = _parameters[i].{grad};
                _gradients[i] = gradient;
                if (gradient is not null)
                {
                    _sumsOfSquares.Add(gradient.mul(gradient).sum());
                }
            }

            if (_sumsOfSquares.Count == 0)
            {
                return 0d;
            }

            double sumOfSquares = {torch}.stack(_sumsOfSquares).to_type({torch}.ScalarType.Float64).sum().cpu().item<double>();
            if (double.IsNaN(sumOfSquares) || double.IsInfinity(sumOfSquares))
            {
                this.ThrowIfNonFinite(phase);

                // Every element is finite and a tensor's float sum overflowed: an infinite norm, so SAM does not move.
                return double.PositiveInfinity;
            }

            return sumOfSquares;
        }

        // The error path: find the first parameter whose gradient holds NaN or ±∞, and the element, for the message.
        private void ThrowIfNonFinite(string phase)
        {
            int k = 0;
            for (int i = 0; i < _parameters.Length; i++)
            {
                if (_gradients[i] is not { } gradient)
                {
                    continue;
                }

                double partial = _sumsOfSquares[k++].to_type({torch}.ScalarType.Float64).cpu().item<double>();
                if (!double.IsNaN(partial) && !double.IsInfinity(partial))
                {
                    continue;
                }

                double[] values = gradient.reshape(-1).to_type({torch}.ScalarType.Float64).cpu().data<double>().ToArray();
                for (int j = 0; j < values.Length; j++)
                {
                    if (double.IsNaN(values[j]) || double.IsInfinity(values[j]))
                    {
                        throw new global::Sam.NonFiniteGradientException(_names[i], _names[i], j, (float)values[j], phase);
                    }
                }
            }
        }

        private void RestoreWeights()
        {
            for (int i = 0; i < _parameters.Length; i++)
            {
                if (_perturbed[i])
                {
                    _parameters[i].copy_(_trainedWeights[i]!);
                    _perturbed[i] = false;
                }
            }
        }

        private void EndPhase()
        {
            global::System.Array.Clear(_gradients, 0, _gradients.Length);
            _sumsOfSquares.Clear();
        }
        """;

    private const string Helpers = """
        // SAM's buffers live as long as the module, so they leave whatever dispose scope is current.
        private static {T} NewBuffer({T} like) => {torch}.zeros_like(like).DetachFromDisposeScope();

        // Scalars are passed typed: TorchSharp overloads many operators on both Tensor and Scalar.
        private static global::TorchSharp.Scalar S(double value) => value;

        private static bool IsRunningStatistic(string name) =>
            IsNamed(name, "running_mean") || IsNamed(name, "running_var") || IsNamed(name, "num_batches_tracked");

        private static bool IsNamed(string name, string leaf) =>
            name == leaf || name.EndsWith("." + leaf, global::System.StringComparison.Ordinal);

        private sealed class RunningStatisticsScope : global::System.IDisposable
        {
            private readonly {State} _owner;

            public RunningStatisticsScope({State} owner) => _owner = owner;

            public void Dispose() => _owner.ThawRunningStatistics();
        }
        """;
}
