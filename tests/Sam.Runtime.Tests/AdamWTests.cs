using System;
using System.Linq;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

public class AdamWTests
{
    [Theory]
    [InlineData(1, false)]
    [InlineData(2, true)]
    [InlineData(3, false)]
    [InlineData(4, true)]
    public void Sam_over_adamw_matches_the_scalar_reference(int seed, bool amsgrad)
    {
        var model = new VariantModel(200 + seed);
        Parameter[] ps = model.CreateParameters();
        var b = new ReferenceAdamW(0.01, 0.8, 0.99, 1e-6, 0.05, amsgrad);
        var config = new VariantConfig(SamVariant.Sam, Rho: 0.1);
        var reference = new ReferenceVariants(RandomModels.Copy(ps), model.Perturbed, model.Rows, config, b);
        SamOptimizer sam = model.CreateOptimizer(ps, config.Settings(), b.Create());
        for (int step = 0; step < 10; step++)
        {
            sam.SharpnessAwareStep(ps, model.Loss.Accumulate);
            reference.Step(model.Loss.Gradients);
        }

        Assert.True(RandomModels.MaxRelativeDifference(ps, reference.Weights) <= 1e-6);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(33, false)]
    [InlineData(1001, true)]
    public void The_kernel_does_not_depend_on_where_the_span_is_split(int n, bool amsgrad)
    {
        var r = new Random(n);
        float[] w = KernelTests.Random(r, n), g = KernelTests.Random(r, n), m = KernelTests.Random(r, n);
        float[] v = KernelTests.Random(r, n).Select(Math.Abs).ToArray(), x = v.Select(a => a * 1.1f).ToArray();
        var c = new AdamCoefficients(0.01f, 0.999f, 0.5f, 0.9f, 0.1f, 0.99f, 0.01f, 0.3f, 1e-8f);
        float[] w2 = (float[])w.Clone(), m2 = (float[])m.Clone(), v2 = (float[])v.Clone(), x2 = (float[])x.Clone();
        AdamKernels.AdamWStep(w, g, m, v, amsgrad ? x : default, c);
        for (int i = 0; i < n; i++)
        {
            // Element by element (scalar path only), one-element spans.
            AdamKernels.AdamWStep(w2.AsSpan(i, 1), g.AsSpan(i, 1), m2.AsSpan(i, 1), v2.AsSpan(i, 1), amsgrad ? x2.AsSpan(i, 1) : default, c);
        }

        Assert.Equal(w2, w);
        Assert.Equal(m2, m);
        Assert.Equal(v2, v);
        Assert.Equal(x2, x);
    }

    [Fact]
    public void The_first_step_moves_each_weight_by_about_the_learning_rate()
    {
        // Bias correction makes the first update m̂/√v̂ = g/|g| = ±1 (up to ε).
        Parameter p = Parameter.Full("w", 1f, 3);
        var sam = new SamOptimizer([p], new SamSettings { Rho = 0 }, new AdamW(0.01, weightDecay: 0));
        sam.SharpnessAwareStep(() =>
        {
            p.Gradient[0] = 5;
            p.Gradient[1] = -0.001f;
            p.Gradient[2] = 100;
            return 0f;
        });
        Assert.Equal(0.99f, p.Value[0], 5);
        Assert.Equal(1.01f, p.Value[1], 4);
        Assert.Equal(0.99f, p.Value[2], 5);
    }

    [Fact]
    public void Invalid_arguments_throw_naming_them()
    {
        Assert.Equal("beta1", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(0.1, beta1: 1)).ParamName);
        Assert.Equal("beta2", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(0.1, beta2: -0.1)).ParamName);
        Assert.Equal("epsilon", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(0.1, epsilon: 0)).ParamName);
        Assert.Equal("weightDecay", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(0.1, weightDecay: double.NaN)).ParamName);
        Assert.Equal("LearningRate", Assert.Throws<ArgumentOutOfRangeException>(() => new AdamW(-1)).ParamName);
        Assert.Equal("AdamW(lr=0.001, betas=(0.9, 0.999), eps=1E-08, weight decay=0.01, amsgrad)", new AdamW(0.001, amsgrad: true).ToString());
    }
}
