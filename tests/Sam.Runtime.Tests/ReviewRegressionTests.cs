using System;
using Sam.Kernels;
using Xunit;

namespace Sam.Runtime.Tests;

/// <summary>Defects found in review, each pinned by a test that failed before its fix.</summary>
public class ReviewRegressionTests
{
    [Fact]
    public void Public_kernels_name_the_span_whose_length_is_wrong()
    {
        float[] four = new float[4], three = new float[3];
        var sgd = new SgdCoefficients(0.1f, 0, 1, 1, 0, 1, 0, 1);
        Assert.Equal("g", Assert.Throws<ArgumentException>(() => SamKernels.AddScaled(four, three, 1f, four)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => SamKernels.AddScaled(four, four, 1f, three)).ParamName);
        Assert.Equal("g", Assert.Throws<ArgumentException>(() => SamKernels.SgdStep(four, three, sgd)).ParamName);
        Assert.Equal("m", Assert.Throws<ArgumentException>(() => SamKernels.SgdMomentumStep(four, four, three, sgd)).ParamName);
        var adam = new AdamCoefficients(0.1f, 1, 1, 0.9f, 0.1f, 0.999f, 0.001f, 1, 1e-8f);
        Assert.Equal("v", Assert.Throws<ArgumentException>(() => AdamKernels.AdamWStep(four, four, four, three, default, adam)).ParamName);
        Assert.Equal("vMax", Assert.Throws<ArgumentException>(() => AdamKernels.AdamWStep(four, four, four, four, three, adam)).ParamName);
    }
}
