using System;
using System.IO;
using System.Linq;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>
/// VaSSO, Friendly SAM and ASAM follow their authors' public code (docs/variants.md): each test computes the
/// expected perturbations by hand from that code's update order, on gradients chosen so the previous rule
/// (VaSSO's d₀ = 0, Friendly SAM's m including gₜ, ASAM scaling biases) gives a different answer.
/// </summary>
public class AuthorsCodeVariantTests
{
    private static readonly float[] Weights = [0.5f, -1.5f, 2f, 0.25f, -0.75f, 1f, 0.3f, -2f]; // w [2, 3], then b [2]

    private static (Parameter[] Ps, SamOptimizer Sam) Create(SamSettings settings)
    {
        var w = new Parameter("w", 2, 3);
        var b = new Parameter("b", 2);
        Weights.AsSpan(0, 6).CopyTo(w.Value);
        Weights.AsSpan(6, 2).CopyTo(b.Value);
        Parameter[] ps = [w, b];
        return (ps, new SamOptimizer(ps, settings, new Sgd(0.1)));
    }

    /// <summary>Perturbs from the gradient <paramref name="g"/> (all parameters, concatenated) and returns e = y − w; then completes the step with a zero gradient, so the weights stay put and the variant's state is committed.</summary>
    private static double[] Perturbation(Parameter[] ps, SamOptimizer sam, double[] g)
    {
        SetGradients(ps, sam, g);
        sam.Perturb();
        var e = new double[g.Length];
        int k = 0;
        foreach (Parameter p in ps)
        {
            for (int i = 0; i < p.Length; i++, k++)
            {
                e[k] = (double)p.Value[i] - p.TrainedValue[i];
            }
        }

        sam.ZeroGradients();
        sam.RestoreAndStep();
        Assert.Equal(Weights, ps.SelectMany(p => p.TrainedValue.ToArray()));
        return e;
    }

    private static void SetGradients(Parameter[] ps, SamOptimizer sam, double[] g)
    {
        sam.ZeroGradients();
        int k = 0;
        foreach (Parameter p in ps)
        {
            for (int i = 0; i < p.Length; i++)
            {
                p.Gradient[i] = (float)g[k++];
            }
        }
    }

    private static double[] Normalized(double[] d, double rho)
    {
        double n = Math.Sqrt(d.Sum(x => x * x));
        return d.Select(x => rho * x / n).ToArray();
    }

    private static double[] Combine(double a, double[] x, double b, double[] y) => x.Select((v, i) => (a * v) + (b * y[i])).ToArray();

    private static void Close(double[] expected, double[] actual, string what)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"{what}: element {i} expected {expected[i]} got {actual[i]}");
        }
    }

    private static readonly double[] G1 = [1, -2, 0.5, 3, -1, 0.25, 2, -0.5];
    private static readonly double[] G2 = [-3, 1, 2, -0.5, 0.75, -2, 1, 1.5];
    private static readonly double[] G3 = [0.5, 0.5, -1, 2, 2, -1, -3, 0.25];

    [Fact]
    public void Vasso_starts_its_average_with_the_first_gradient()
    {
        const double rho = 0.05, theta = 0.3;
        (Parameter[] ps, SamOptimizer sam) = Create(new SamSettings { Variant = SamVariant.Vasso, Rho = rho, VassoTheta = theta });
        Close(Normalized(G1, rho), Perturbation(ps, sam, G1), "step 1: d₁ = g₁");

        // d₂ = (1 − θ)g₁ + θg₂; starting from d₀ = 0 would give (1 − θ)θg₁ + θg₂, another direction.
        Close(Normalized(Combine(1 - theta, G1, theta, G2), rho), Perturbation(ps, sam, G2), "step 2");
    }

    [Fact]
    public void Vasso_unnormalized_first_perturbation_is_rho_times_the_first_gradient()
    {
        const double rho = 0.05;
        (Parameter[] ps, SamOptimizer sam) = Create(new SamSettings { Variant = SamVariant.Vasso, Rho = rho, VassoTheta = 0.4, Normalize = false });
        Close(G1.Select(x => rho * x).ToArray(), Perturbation(ps, sam, G1), "e₁ = ρg₁ (not ρθg₁)");
    }

    [Fact]
    public void Friendly_sam_subtracts_the_previous_average_then_updates_it()
    {
        const double rho = 0.05, sigma = 0.5, lambda = 0.9;
        (Parameter[] ps, SamOptimizer sam) = Create(new SamSettings { Variant = SamVariant.FriendlySam, Rho = rho, FriendlySigma = sigma, FriendlyLambda = lambda });

        // nblt/F-SAM: the first perturbation is along g₁ and m₁ = g₁; then d = gₜ − σmₜ₋₁, m ← λm + (1 − λ)gₜ.
        Close(Normalized(G1, rho), Perturbation(ps, sam, G1), "step 1");
        Close(Normalized(Combine(1, G2, -sigma, G1), rho), Perturbation(ps, sam, G2), "step 2");
        double[] m2 = Combine(lambda, G1, 1 - lambda, G2);
        Close(Normalized(Combine(1, G3, -sigma, m2), rho), Perturbation(ps, sam, G3), "step 3");
    }

    [Fact]
    public void Friendly_sam_first_perturbation_points_along_the_gradient_whatever_sigma_and_lambda()
    {
        // With m including g₁ from 0, σ(1 − λ) = 2 > 1 would turn the first perturbation against g₁.
        const double rho = 0.05;
        (Parameter[] ps, SamOptimizer sam) = Create(new SamSettings { Variant = SamVariant.FriendlySam, Rho = rho, FriendlySigma = 4, FriendlyLambda = 0.5 });
        Close(Normalized(G1, rho), Perturbation(ps, sam, G1), "step 1");
    }

    [Fact]
    public void Asam_leaves_a_bias_unscaled_by_default()
    {
        const double rho = 0.5, eta = 0.01;
        (Parameter[] ps, SamOptimizer sam) = Create(new SamSettings { Variant = SamVariant.Asam, Rho = rho, AsamEta = eta });

        // SamsungLabs/ASAM: T = |w| + η on weights, T = 1 on biases; e = ρ T²g/‖Tg‖.
        double[] t = Weights.Select((w, i) => i < 6 ? Math.Abs(w) + eta : 1.0).ToArray();
        double[] tg = G1.Select((g, i) => t[i] * g).ToArray();
        double n = Math.Sqrt(tg.Sum(x => x * x));
        double[] expected = tg.Select((x, i) => rho * t[i] * x / n).ToArray();
        Close(expected, Perturbation(ps, sam, G1), "ASAM");
        Assert.True(Math.Abs((expected[6] / expected[7]) - (G1[6] / G1[7])) < 1e-9); // the bias moves along its own gradient
    }

    [Fact]
    public void Asam_scales_biases_too_with_AsamScaleBiases()
    {
        const double rho = 0.5, eta = 0.01;
        (Parameter[] ps, SamOptimizer sam) = Create(new SamSettings { Variant = SamVariant.Asam, Rho = rho, AsamEta = eta, AsamScaleBiases = true });
        double[] t = Weights.Select(w => Math.Abs((double)w) + eta).ToArray();
        double[] tg = G1.Select((g, i) => t[i] * g).ToArray();
        double n = Math.Sqrt(tg.Sum(x => x * x));
        Close(tg.Select((x, i) => rho * t[i] * x / n).ToArray(), Perturbation(ps, sam, G1), "ASAM, biases scaled");
    }

    [Theory]
    [InlineData(SamVariant.Vasso)]
    [InlineData(SamVariant.FriendlySam)]
    public void An_abandoned_first_perturbation_leaves_the_average_unstarted(SamVariant variant)
    {
        const double rho = 0.05, sigma = 0.5, theta = 0.3;
        var settings = new SamSettings { Variant = variant, Rho = rho, FriendlySigma = sigma, VassoTheta = theta, Normalize = false };
        (Parameter[] ps, SamOptimizer sam) = Create(settings);
        SetGradients(ps, sam, G2);
        sam.Perturb();
        sam.Restore(); // abandoned: the average must not count as started

        Close(G1.Select(x => rho * x).ToArray(), Perturbation(ps, sam, G1), "the first completed step starts from g₁");
        double[] d2 = variant == SamVariant.Vasso ? Combine(1 - theta, G1, theta, G2) : Combine(1, G2, -sigma, G1);
        Close(d2.Select(x => rho * x).ToArray(), Perturbation(ps, sam, G2), "step 2");
    }

    [Theory]
    [InlineData(SamVariant.Vasso)]
    [InlineData(SamVariant.FriendlySam)]
    public void A_resumed_run_keeps_the_started_average(SamVariant variant)
    {
        var settings = new SamSettings { Variant = variant, Rho = 0.05, FriendlySigma = 0.5, VassoTheta = 0.3 };
        (Parameter[] ps, SamOptimizer sam) = Create(settings);
        Perturbation(ps, sam, G1);
        double[] continued = Perturbation(ps, sam, G2);

        (Parameter[] ps2, SamOptimizer first) = Create(settings);
        Perturbation(ps2, first, G1);
        using var stream = new MemoryStream();
        first.SaveState(stream);
        stream.Position = 0;
        (Parameter[] ps3, SamOptimizer resumed) = Create(settings);
        resumed.LoadState(stream);
        double[] afterResume = Perturbation(ps3, resumed, G2);
        Assert.Equal(continued, afterResume);

        // A checkpoint taken before any perturbation keeps the average unstarted.
        (_, SamOptimizer fresh) = Create(settings);
        using var empty = new MemoryStream();
        fresh.SaveState(empty);
        empty.Position = 0;
        (Parameter[] ps5, SamOptimizer resumedFresh) = Create(settings);
        resumedFresh.LoadState(empty);
        Close(Normalized(G1, 0.05), Perturbation(ps5, resumedFresh, G1), "unstarted after resume");
    }
}
