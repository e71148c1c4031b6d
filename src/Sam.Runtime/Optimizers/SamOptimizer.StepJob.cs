using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Sam.Kernels;

namespace Sam;

// The step as one job over every parameter (Phases.cs drives it): each parameter's base step is prepared on the
// calling thread, then the calling thread and the helpers run every block of every parameter as one range
// (TensorJob), writing the new weights into the second weight buffer and the new state into the spare state
// buffers. Only when every parameter's g′ and results are finite are the buffers flipped.
public sealed partial class SamOptimizer
{
    private readonly TensorJob _stepJob = new();
    private readonly TensorJob _aloneJob = new();
    private readonly int[] _aloneStep = new int[1];
    private StepItem[] _stepItems = [];
    private Parameter?[] _stepParameters = [];
    private ParameterState?[] _stepStates = [];
    private int[] _jobSteps = [];
    private bool[] _stepAlone = [];
    private double[] _aloneSums = [];
    private int _stepCount;
    private StepJobKernel _stepKernel;

    // One parameter of the step. A parameter whose buffers stay put (pinned arrays, native memory) joins the phase job; any
    // other (user memory, a backend's tensors, GSAM's combined direction) runs its own job here, pinned by `fixed`,
    // and is checked at once, while its pointers are valid.
    private unsafe void AddStep(Parameter parameter, ParameterState state, ReadOnlySpan<float> gradient, float gradientScale, bool folded)
    {
        int k = _stepCount++;
        if (k == _stepItems.Length)
        {
            int grown = Math.Max(8, 2 * k);
            Array.Resize(ref _stepItems, grown);
            Array.Resize(ref _stepParameters, grown);
            Array.Resize(ref _stepStates, grown);
            Array.Resize(ref _jobSteps, grown);
            Array.Resize(ref _stepAlone, grown);
            Array.Resize(ref _aloneSums, grown);
            _stepKernel = new StepJobKernel(_stepItems, _jobSteps);
        }

        _stepParameters[k] = parameter;
        _stepStates[k] = state;
        ref StepItem item = ref _stepItems[k];
        item = default;
        // The base optimizer's rate is the scheduled one by now; a parameter group scales from its own base.
        BaseOptimizer.PrepareStep(state, parameter.Length, gradientScale, RatesFor(parameter, BaseOptimizer.LearningRate), ref item);
        _rule.PrepareStep(this, parameter, state, ref item);
        item.Streaming = StepKernels.Streaming && parameter.Length >= SamKernels.NonTemporalThreshold;
        if (parameter.Storage.TryGetFixedAddresses(out nint w, out nint g, out nint shadow)
            && (float*)g == Unsafe.AsPointer(ref MemoryMarshal.GetReference(gradient)))
        {
            item.W = (float*)w;
            item.G = (float*)g;
            item.WOut = (float*)shadow;
            _jobSteps[_stepJob.Add(parameter.Length)] = k;
            _stepAlone[k] = false;
            return;
        }

        _stepAlone[k] = true;
        Span<float> output = parameter.ShadowForWrite();
        fixed (float* pw = parameter.TrainedSpan)
        fixed (float* pg = gradient)
        fixed (float* po = output)
        {
            item.W = pw;
            item.G = pg;
            item.WOut = po;
            try
            {
                _aloneJob.Clear();
                _aloneJob.Add(parameter.Length);
                _aloneStep[0] = k;
                var kernel = new StepJobKernel(_stepItems, _aloneStep);
                _aloneJob.Run(ref kernel);
                double sum = _aloneJob.Sum(0, out double check);
                ThrowIfStepFailed(k, sum, check, folded);
            }
            finally
            {
                item.W = item.G = item.WOut = null;
            }
        }
    }

    // Checks the job's parameters in visiting order (the alone ones were checked as they ran); returns Σg′².
    private double CheckStepResults(bool folded)
    {
        double total = 0;
        int j = 0;
        for (int k = 0; k < _stepCount; k++)
        {
            double sum;
            if (_stepAlone[k])
            {
                sum = _aloneSums[k];
            }
            else
            {
                sum = _stepJob.Sum(j++, out double check);
                ThrowIfStepFailed(k, sum, check, folded);
            }

            total += sum;
        }

        return total;
    }

    private void ThrowIfStepFailed(int k, double sum, double check, bool folded)
    {
        _aloneSums[k] = sum;
        Parameter parameter = _stepParameters[k]!;
        if (folded && !double.IsFinite(sum))
        {
            if (SkipsOverflow())
            {
                return; // the loss scaler skips the step (SamOptimizer.Accumulation.cs); the results are not checked
            }

            ReadOnlySpan<float> g = parameter.Gradient;
            int bad = SamKernels.IndexOfNonFinite(g);
            throw bad >= 0
                ? new NonFiniteGradientException(parameter.VisitedPath, parameter.Name, bad, g[bad], SamPhase.Step)
                : new NonFiniteGradientException(parameter.VisitedPath, parameter.Name, -1, float.PositiveInfinity, SamPhase.Step, "the sum of the gradient's squares overflowed");
        }

        if (check != 0)
        {
            ref StepItem item = ref _stepItems[k];
            int at = StepKernels.FirstNonFinite(item, parameter.Length);
            // The rates of the parameter's group when it has its own (the message quotes what the step used).
            StepRates rates = RatesFor(parameter, BaseOptimizer.LearningRate);
            string cause = at < 0 ? "the step's result is not finite" : BaseOptimizer.DescribeOverflow(item, at, rates, parameter.Group);
            throw new NonFiniteGradientException(parameter.VisitedPath, parameter.Name, -1, float.PositiveInfinity, SamPhase.Step, cause);
        }
    }

    // A step job far larger than the cache streams every parameter's outputs (SamKernels.PhaseNonTemporalThreshold).
    private void StreamIfLarge()
    {
        if (!StepKernels.Streaming || _stepJob.Elements < SamKernels.PhaseNonTemporalThreshold)
        {
            return;
        }

        for (int k = 0; k < _stepCount; k++)
        {
            if (!_stepAlone[k])
            {
                _stepItems[k].Streaming = true;
            }
        }
    }

    private void ForgetStep()
    {
        Array.Clear(_stepParameters, 0, _stepCount);
        Array.Clear(_stepStates, 0, _stepCount);
        _stepCount = 0;
    }

    private readonly struct StepJobKernel(StepItem[] items, int[] steps) : ITensorBlockKernel
    {
        public double Block(int tensor, int start, int count, out double second) =>
            StepKernels.Block(in items[steps[tensor]], start, count, out second);
    }
}
