namespace FSharpQuickstart

open System
open Sam

/// The quickstart's two-hidden-layer perceptron. In C# the [SharpnessAware] generator finds the parameters;
/// here `Parameters` lists them, in the order the generator walks them (each layer's W, then B).
type Mlp(inputs: int, hidden: int, classes: int, maxBatch: int, seed: int) =
    let random = Random(seed)
    let hidden1 = Dense("hidden1", inputs, hidden, maxBatch, random)
    let hidden2 = Dense("hidden2", hidden, hidden, maxBatch, random)
    let head = Dense("head", hidden, classes, maxBatch, random)
    let hidden1Gradient = Array.zeroCreate<float32> (maxBatch * hidden)
    let hidden2Gradient = Array.zeroCreate<float32> (maxBatch * hidden)
    let logitGradient = Array.zeroCreate<float32> (maxBatch * classes)

    static let relu (x: float32[]) (count: int) =
        for i in 0 .. count - 1 do
            x[i] <- MathF.Max(0.0f, x[i])

    static let reluBackward (activated: float32[]) (upstream: float32[]) (into: float32[]) (count: int) =
        for i in 0 .. count - 1 do
            into[i] <- if activated[i] > 0.0f then upstream[i] else 0.0f

    static let softmaxCrossEntropy (logits: float32[]) (labels: int[]) (n: int) (k: int) (gradient: float32[]) =
        let mutable loss = 0.0
        for i in 0 .. n - 1 do
            let row = i * k
            let mutable max = logits[row]
            for c in 1 .. k - 1 do
                max <- MathF.Max(max, logits[row + c])
            let mutable sum = 0.0f
            for c in 0 .. k - 1 do
                gradient[row + c] <- MathF.Exp(logits[row + c] - max)
                sum <- sum + gradient[row + c]
            loss <- loss + (Math.Log(float sum) + float max - float logits[row + labels[i]])
            for c in 0 .. k - 1 do
                gradient[row + c] <- gradient[row + c] / sum / float32 n
            gradient[row + labels[i]] <- gradient[row + labels[i]] - 1.0f / float32 n
        float32 (loss / float n)

    member _.Hidden1 = hidden1
    member _.Hidden2 = hidden2
    member _.Head = head

    /// Every trained parameter, in the generator's order.
    member _.Parameters = [ for layer in [ hidden1; hidden2; head ] do yield layer.W; yield layer.B ]

    /// The biases, which the C# sample marks [ExcludeFromPerturbation]: trained, not perturbed.
    member _.Biases = [ hidden1.B; hidden2.B; head.B ]

    /// Mean cross-entropy of the first n rows; accumulates gradients into every parameter.
    member _.LossAndGradients(features: float32[], labels: int[], n: int) : float32 =
        let h1 = hidden1.Forward(features, n)
        relu h1 (n * hidden)
        let h2 = hidden2.Forward(h1, n)
        relu h2 (n * hidden)
        let logits = head.Forward(h2, n)
        let loss = softmaxCrossEntropy logits labels n classes logitGradient
        let d2 = head.Backward(logitGradient, n)
        reluBackward h2 d2 hidden2Gradient (n * hidden)
        let d1 = hidden2.Backward(hidden2Gradient, n)
        reluBackward h1 d1 hidden1Gradient (n * hidden)
        hidden1.Backward(hidden1Gradient, n) |> ignore
        loss

    /// The predicted class of each of the first n rows.
    member _.Predict(features: float32[], n: int) : int[] =
        let h1 = hidden1.Forward(features, n)
        relu h1 (n * hidden)
        let h2 = hidden2.Forward(h1, n)
        relu h2 (n * hidden)
        let logits = head.Forward(h2, n)
        Array.init n (fun i ->
            let mutable best = 0
            for c in 1 .. classes - 1 do
                if logits[i * classes + c] > logits[i * classes + best] then best <- c
            best)
