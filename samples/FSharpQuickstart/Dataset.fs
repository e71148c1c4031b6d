/// The quickstart's synthetic data set: Gaussian clusters per class through a fixed nonlinearity, with label
/// noise on the training set. Draws from System.Random in exactly the order samples/Quickstart does, so both
/// samples train on the same points.
module FSharpQuickstart.Dataset

open System

type Dataset =
    { Features: float32[]
      Labels: int[]
      Dimensions: int }

    member d.Count = d.Labels.Length

// Left operand first, as in C#: the first draw feeds the logarithm, the second the cosine.
let private gaussian (random: Random) =
    Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2.0 * Math.PI * random.NextDouble())

/// The train and test sets from one seed; only the training labels get noise.
let create trainCount testCount dimensions classes (labelNoise: float) (seed: int) =
    let random = Random(seed)
    let clustersPerClass = 3
    let centers = Array.init (classes * clustersPerClass * dimensions) (fun _ -> float32 (gaussian random * 1.6))

    let make count (noise: float) =
        let x = Array.zeroCreate<float32> (count * dimensions)
        let y = Array.zeroCreate<int> count
        for n in 0 .. count - 1 do
            let label = random.Next(classes)
            let cluster = label * clustersPerClass + random.Next(clustersPerClass)
            for d in 0 .. dimensions - 1 do
                let v = float centers[cluster * dimensions + d] + gaussian random
                x[n * dimensions + d] <- float32 (v + 0.3 * Math.Sin(2.0 * v))
            // The draw happens even when noise is 0, as in the C# sample.
            y[n] <- if random.NextDouble() < noise then random.Next(classes) else label
        { Features = x; Labels = y; Dimensions = dimensions }

    let train = make trainCount labelNoise
    let test = make testCount 0.0
    train, test
