namespace FSharpQuickstart

open System
open System.Numerics.Tensors
open Sam

/// A fully connected layer y = W·x + b with a hand-written forward and backward pass over a batch.
/// Forward reads the weights through Parameter.Value (the perturbed weights between Perturb and Restore);
/// Backward adds into Parameter.Gradient.
type Dense(name: string, inputs: int, outputs: int, maxBatch: int, random: Random) =
    let w = Parameter.KaimingUniform(name + ".weight", random, outputs, inputs)
    let b = Parameter.Zeros(name + ".bias", outputs)
    let input = Array.zeroCreate<float32> (maxBatch * inputs)   // kept for the backward pass
    let output = Array.zeroCreate<float32> (maxBatch * outputs)
    let inputGradient = Array.zeroCreate<float32> (maxBatch * inputs)

    member _.Inputs = inputs
    member _.Outputs = outputs
    member _.W = w
    member _.B = b

    /// Forward over `batch` rows of `x`; the result is the first batch·outputs values of the returned array.
    member _.Forward(x: float32[], batch: int) : float32[] =
        Array.blit x 0 input 0 (batch * inputs)
        let weights = w.Value
        let bias = b.Value
        for n in 0 .. batch - 1 do
            let xn = ReadOnlySpan<float32>(input, n * inputs, inputs)
            for o in 0 .. outputs - 1 do
                output[n * outputs + o] <- TensorPrimitives.Dot(weights.Slice(o * inputs, inputs), xn) + bias[o]
        output

    /// Accumulates dW and db from the output gradient `dy` and returns the input gradient.
    member _.Backward(dy: float32[], batch: int) : float32[] =
        let dw = w.Gradient
        let db = b.Gradient
        let weights = w.Value
        Array.Clear(inputGradient, 0, batch * inputs)
        for n in 0 .. batch - 1 do
            let xn = ReadOnlySpan<float32>(input, n * inputs, inputs)
            let dxn = Span<float32>(inputGradient, n * inputs, inputs)
            for o in 0 .. outputs - 1 do
                let g = dy[n * outputs + o]
                if g <> 0.0f then
                    db[o] <- db[o] + g
                    let dwo = dw.Slice(o * inputs, inputs)
                    TensorPrimitives.MultiplyAdd(xn, g, dwo, dwo) // dW[o,:] += g·x
                    TensorPrimitives.MultiplyAdd(weights.Slice(o * inputs, inputs), g, dxn, dxn) // dx += g·W[o,:]
        inputGradient
