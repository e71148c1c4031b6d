using System;

namespace Sam;

// Initialisers. Each takes the Random explicitly so a model built from a seed is reproducible.
public sealed partial class Parameter
{
    /// <summary>A parameter filled with zeros.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="shape">The dimensions.</param>
    public static Parameter Zeros(string name, params int[] shape) => new(name, shape);

    /// <summary>A parameter filled with one value.</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="value">The value of every element.</param>
    /// <param name="shape">The dimensions.</param>
    public static Parameter Full(string name, float value, params int[] shape)
    {
        var p = new Parameter(name, shape);
        p._storage.Weights.Fill(value);
        return p;
    }

    /// <summary>A parameter drawn uniformly from [<paramref name="low"/>, <paramref name="high"/>).</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="random">The source of randomness.</param>
    /// <param name="low">Inclusive lower bound.</param>
    /// <param name="high">Exclusive upper bound.</param>
    /// <param name="shape">The dimensions.</param>
    public static Parameter Uniform(string name, Random random, float low, float high, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(low <= high) || !float.IsFinite(low) || !float.IsFinite(high))
        {
            throw new ArgumentOutOfRangeException(nameof(high), $"Need finite low <= high; got [{low}, {high}).");
        }

        var p = new Parameter(name, shape);
        Span<float> v = p._storage.Weights;
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = low + (high - low) * (float)random.NextDouble();
        }

        return p;
    }

    /// <summary>A parameter drawn from a normal distribution (Box–Muller).</summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="random">The source of randomness.</param>
    /// <param name="mean">The mean.</param>
    /// <param name="std">The standard deviation (≥ 0).</param>
    /// <param name="shape">The dimensions.</param>
    public static Parameter Normal(string name, Random random, float mean, float std, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(std >= 0) || !float.IsFinite(std) || !float.IsFinite(mean))
        {
            throw new ArgumentOutOfRangeException(nameof(std), $"Need a finite mean and std >= 0; got mean {mean}, std {std}.");
        }

        var p = new Parameter(name, shape);
        Span<float> v = p._storage.Weights;
        for (int i = 0; i < v.Length; i++)
        {
            double u1 = 1.0 - random.NextDouble(); // (0, 1]: log is finite
            double u2 = random.NextDouble();
            double z = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            v[i] = (float)(mean + std * z);
        }

        return p;
    }

    /// <summary>
    /// Kaiming (He) uniform initialisation for a weight whose fan-in is the product of every dimension but the
    /// first: U(−b, b) with b = √(6 / fanIn). Suits layers followed by ReLU.
    /// </summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="random">The source of randomness.</param>
    /// <param name="shape">The dimensions, [outputs, inputs, ...].</param>
    public static Parameter KaimingUniform(string name, Random random, params int[] shape)
    {
        int fanIn = FanIn(shape);
        float bound = (float)Math.Sqrt(6.0 / fanIn);
        return Uniform(name, random, -bound, bound, shape);
    }

    /// <summary>
    /// Glorot (Xavier) uniform initialisation: U(−b, b) with b = √(6 / (fanIn + fanOut)), fan-out being the
    /// first dimension and fan-in the product of the rest.
    /// </summary>
    /// <param name="name">The parameter's name.</param>
    /// <param name="random">The source of randomness.</param>
    /// <param name="shape">The dimensions, [outputs, inputs, ...].</param>
    public static Parameter GlorotUniform(string name, Random random, params int[] shape)
    {
        int fanIn = FanIn(shape);
        int fanOut = shape.Length == 0 ? 1 : shape[0];
        float bound = (float)Math.Sqrt(6.0 / (fanIn + fanOut));
        return Uniform(name, random, -bound, bound, shape);
    }

    private static int FanIn(int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long fanIn = 1;
        for (int i = 1; i < shape.Length; i++)
        {
            fanIn *= Math.Max(1, shape[i]);
        }

        return (int)Math.Min(fanIn, int.MaxValue);
    }
}
