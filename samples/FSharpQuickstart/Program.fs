/// Trains the quickstart MLP twice from the same seed, once with SGD alone and once with SAM over the same
/// SGD, through SamOptimizer's callback API, and prints the comparison table.
module FSharpQuickstart.Program

open System
open System.Diagnostics
open Sam
open FSharpQuickstart.Dataset

let dimensions, hidden, classes, batchSize, seed = 20, 64, 5, 32, 7

type Run =
    { Name: string
      Model: Mlp
      Optimizer: SamOptimizer
      Sam: bool
      Shuffle: Random // same batches, same order, for both runs
      Order: int[]
      Clock: Stopwatch
      mutable Steps: int }

let evaluate (run: Run) (data: Dataset) =
    let predictions = run.Model.Predict(data.Features, data.Count)
    let correct = Array.fold2 (fun acc p l -> if p = l then acc + 1 else acc) 0 predictions data.Labels
    run.Optimizer.ZeroGradients() // the loss pass accumulates gradients we do not use
    let loss = run.Model.LossAndGradients(data.Features, data.Labels, data.Count)
    run.Optimizer.ZeroGradients()
    float correct / float data.Count, float loss

[<EntryPoint>]
let main argv =
    let epochs =
        match argv with
        | [||] -> 30
        | [| "--quick" |] -> 3
        | [| "--epochs"; n |] when fst (Int32.TryParse n) && int n > 0 -> int n
        | _ ->
            eprintfn "Usage: FSharpQuickstart [--epochs N] [--quick]"
            exit 2

    let train, test = Dataset.create 4000 4000 dimensions classes 0.25 seed
    let maxBatch = max batchSize test.Count
    let stepsPerEpoch = train.Count / batchSize
    let features = Array.zeroCreate<float32> (batchSize * dimensions)
    let labels = Array.zeroCreate<int> batchSize
    let makeRun name sam =
        let model = Mlp(dimensions, hidden, classes, maxBatch, seed)
        let biases = model.Biases
        // The generated C# code reads these from [SharpnessAware(Rho = 0.05)] [Sgd(LearningRate = 0.05, Momentum = 0.9, WeightDecay = 5e-4)].
        let optimizer =
            SamOptimizer.Create(
                model.Parameters,
                rho = 0.05,
                learningRate = 0.05,
                momentum = 0.9,
                weightDecay = 5e-4,
                perturb = fun p -> not (List.contains p biases))
        { Name = name; Model = model; Optimizer = optimizer; Sam = sam; Shuffle = Random(seed)
          Order = Array.init train.Count id; Clock = Stopwatch(); Steps = 0 }

    let runs = [ makeRun "SGD (base optimizer alone)" false; makeRun "SAM, rho = 0.05, over the same SGD" true ]

    printfn "Sam.Dsl F# quickstart: %d training points (%d-d, %d classes, 25%% label noise), %d clean test points, MLP %d-%d-%d-%d, batch %d, %d epochs."
        train.Count dimensions classes test.Count dimensions hidden hidden classes batchSize epochs

    // Epochs alternate between the two runs so both are timed under the same conditions (JIT, caches).
    for epoch in 1 .. epochs do
        for run in runs do
            let lossAndGradients = Func<float32>(fun () -> run.Model.LossAndGradients(features, labels, batchSize))
            run.Shuffle.Shuffle(run.Order)
            run.Clock.Start()
            for s in 0 .. stepsPerEpoch - 1 do
                for i in 0 .. batchSize - 1 do
                    let row = run.Order[s * batchSize + i]
                    Array.blit train.Features (row * dimensions) features (i * dimensions) dimensions
                    labels[i] <- train.Labels[row]
                if run.Sam then
                    run.Optimizer.SharpnessAwareStep lossAndGradients |> ignore // one SAM step: two gradients
                else
                    run.Optimizer.BaseStep lossAndGradients |> ignore // one SGD step: one gradient
            run.Clock.Stop()
            run.Steps <- run.Steps + stepsPerEpoch
        printf "\r  epoch %d/%d" epoch epochs
    printfn ""

    printfn ""
    printfn "%-36s %12s %9s %11s %10s %10s" "optimizer" "train acc" "test acc" "train loss" "test loss" "ms / step"
    printfn "%s" (String('-', 36 + 12 + 9 + 11 + 10 + 10 + 5))
    for run in runs do
        let trainAcc, trainLoss = evaluate run train
        let testAcc, testLoss = evaluate run test
        printfn "%-36s %11.1f%% %8.1f%% %11.3f %10.3f %10.3f" run.Name (100.0 * trainAcc) (100.0 * testAcc) trainLoss testLoss (1000.0 * run.Clock.Elapsed.TotalSeconds / float run.Steps)

    let last = (List.last runs).Optimizer.LastStep
    printfn ""
    printfn "Last SAM step: |g| = %.4f, |e| = %.4f, sharpness L(w+e) - L(w) = %.5f." last.GradientNorm last.PerturbationNorm last.Sharpness
    printfn "(train accuracy is measured against the noisy labels)"
    0
