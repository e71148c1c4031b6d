using System;

namespace PackageConsumer;

/// <summary>
/// Mean squared error of a linear model y = w·x + b on a fixed, tiny data set. Compiled into the consumer
/// project (through the package) and into the test (as the oracle's loss), so both run the same arithmetic.
/// </summary>
public static class RegressionLoss
{
    public const int Features = 3;

    private static readonly float[] X =
    [
        1.0f, 2.0f, -1.0f,
        0.5f, -1.5f, 2.0f,
        -2.0f, 0.25f, 1.0f,
        1.5f, 1.0f, 0.5f,
        -0.5f, -1.0f, -2.0f,
    ];

    private static readonly float[] Y = [1.5f, -2.0f, 0.75f, 2.25f, -1.0f];

    /// <summary>Returns the loss at (w, b) and adds its gradient into (gw, gb).</summary>
    public static float Compute(ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> gw, Span<float> gb)
    {
        int n = Y.Length;
        float loss = 0f;
        for (int i = 0; i < n; i++)
        {
            float prediction = b[0];
            for (int j = 0; j < Features; j++)
            {
                prediction += w[j] * X[(i * Features) + j];
            }

            float residual = prediction - Y[i];
            loss += 0.5f * residual * residual / n;
            float g = residual / n;
            gb[0] += g;
            for (int j = 0; j < Features; j++)
            {
                gw[j] += g * X[(i * Features) + j];
            }
        }

        return loss;
    }
}
