using System;
using System.Collections.Generic;
using Xunit;

namespace Sam.Runtime.Tests;

// The data-parallel hook (SamOptimizer.GradientReducer): called once before each phase that reads gradients, its
// gradients are the ones used, and a reducer that throws leaves everything as it was.
public class GradientReducerTests
{
    [Fact]
    public void The_reducer_runs_before_the_perturbation_and_before_the_step_and_the_engine_uses_its_gradients()
    {
        var w = new Parameter("w", [1f, 2f], 2);
        var sam = new SamOptimizer([w], new SamSettings { Rho = 0.5 }, new Sgd(0.1));
        var reducer = new ReplacingReducer([3f, 4f]);
        sam.GradientReducer = reducer;

        sam.SharpnessAwareStep(() =>
        {
            w.Gradient[0] += w.Value[0];
            w.Gradient[1] += w.Value[1];
            return 0;
        });

        Assert.Equal([SamPhase.Perturbation, SamPhase.Step], reducer.Phases);
        Assert.Equal([1f, 2f], reducer.Seen[0]); // the callback's gradient at the trained weights, before the perturbation
        Assert.Equal([1f + (0.5f * 3 / 5), 2f + (0.5f * 4 / 5)], reducer.Seen[1]); // at w + ρ·c/‖c‖: the perturbation used c
        Assert.Equal(1f - (0.1f * 3), w.TrainedValue[0], 6); // and the step used c
        Assert.Equal(2f - (0.1f * 4), w.TrainedValue[1], 6);
    }

    [Fact]
    public void A_base_step_calls_the_reducer_once_for_the_step()
    {
        var w = new Parameter("w", [1f], 1);
        var sam = new SamOptimizer([w], new SamSettings(), new Sgd(0.1));
        var reducer = new ReplacingReducer([2f]);
        sam.GradientReducer = reducer;

        sam.BaseStep(() => 0);

        Assert.Equal([SamPhase.Step], reducer.Phases);
        Assert.Equal(1f - 0.2f, w.TrainedValue[0], 6);
    }

    [Theory]
    [InlineData(SamPhase.Perturbation)]
    [InlineData(SamPhase.Step)]
    public void A_reducer_that_throws_leaves_the_weights_and_the_optimizer_state_as_they_were(SamPhase failing)
    {
        var w = new Parameter("w", [1f, -1f], 2);
        var sam = new SamOptimizer([w], new SamSettings { Rho = 0.1 }, new Sgd(0.1, momentum: 0.9));
        sam.SharpnessAwareStep(() => { w.Gradient[0] += 1; w.Gradient[1] += 2; return 0; });
        float[] before = w.TrainedValue.ToArray();
        sam.GradientReducer = new ThrowingReducer(failing);

        Assert.Throws<InvalidOperationException>(() => sam.SharpnessAwareStep(() => { w.Gradient[0] += 1; return 0; }));

        Assert.Equal(before, w.TrainedValue.ToArray());
        Assert.False(sam.IsPerturbed);
        Assert.False(w.IsPerturbed);
        Assert.Equal(1, sam.StepCount);
    }

    [Fact]
    public void The_reducer_cannot_be_changed_while_the_weights_are_perturbed()
    {
        var w = new Parameter("w", [1f], 1);
        var sam = new SamOptimizer([w], new SamSettings(), new Sgd(0.1));
        w.Gradient[0] = 1;
        sam.Perturb();

        Assert.Throws<InvalidOperationException>(() => sam.GradientReducer = new ReplacingReducer([0f]));
    }

    // A storage whose gradient lives in another form (a bfloat16 tensor's, say) brings it into the span in
    // LoadGradient: the reducer must see (and replace) the gradient the callback just computed, not the span's
    // previous contents, and the checking pass must then divide the reduced gradient by the loss scale, not reload it.
    [Fact]
    public void The_reducer_reads_gradients_a_converting_storage_has_loaded_and_the_step_unscales_its_result()
    {
        var storage = new ConvertingStorage([1f, 2f]);
        var w = new Parameter("w", storage, 2);
        var sam = new SamOptimizer([w], new SamSettings { Rho = 0.5 }, new Sgd(0.1)) { LossScaler = new LossScaler(initialScale: 4f) };
        var reducer = new ReplacingReducer([12f, 16f]); // the scaled sum over workers
        sam.GradientReducer = reducer;

        sam.SharpnessAwareStep(() =>
        {
            storage.Raw[0] += 4 * w.Value[0]; // the backward pass of the scaled loss, into the other form
            storage.Raw[1] += 4 * w.Value[1];
            return 0;
        });

        Assert.False(sam.LastStep.Skipped);
        Assert.Equal([4f, 8f], reducer.Seen[0]);
        Assert.Equal([4 * (1f + (0.5f * 3 / 5)), 4 * (2f + (0.5f * 4 / 5))], reducer.Seen[1]);
        Assert.Equal(1f - (0.1f * 3), w.TrainedValue[0], 6); // 12 / 4
        Assert.Equal(2f - (0.1f * 4), w.TrainedValue[1], 6);
    }

    private sealed class ConvertingStorage(float[] weights) : ParameterStorage(weights.Length)
    {
        private readonly float[] _gradient = new float[weights.Length];
        private readonly float[] _perturbed = new float[weights.Length];

        public float[] Raw { get; } = new float[weights.Length];

        public override Span<float> Weights => weights;

        public override Span<float> Gradient => _gradient;

        public override Span<float> PerturbedWeights => _perturbed;

        protected internal override void LoadGradient() => Raw.CopyTo(_gradient);

        protected internal override void ClearGradient()
        {
            Array.Clear(Raw);
            Array.Clear(_gradient);
        }
    }

    private sealed class ReplacingReducer(float[] combined) : IGradientReducer
    {
        public List<SamPhase> Phases { get; } = [];

        public List<float[]> Seen { get; } = [];

        public void Reduce(SamOptimizer optimizer, SamPhase phase)
        {
            Phases.Add(phase);
            var visitor = new Replace(combined, Seen);
            optimizer.VisitParameters(ref visitor);
        }

        private struct Replace(float[] values, List<float[]> seen) : ISamParameterVisitor
        {
            public readonly void Visit(Parameter parameter, string memberPath, ReadOnlySpan<int> indices, bool perturbed)
            {
                seen.Add(parameter.Gradient.ToArray());
                values.CopyTo(parameter.Gradient);
            }
        }
    }

    private sealed class ThrowingReducer(SamPhase failing) : IGradientReducer
    {
        public void Reduce(SamOptimizer optimizer, SamPhase phase)
        {
            if (phase == failing)
            {
                throw new InvalidOperationException("the reduction failed");
            }
        }
    }
}
