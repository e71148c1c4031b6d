/// Trains a small TorchSharp classifier with SAM from F#: an nn.Sequential (no partial class, no generator),
/// TorchSamOptimizer over two parameter groups (biases without weight decay), PyTorch SAM's two calls per step,
/// and StepLR driving the learning rate while SAM's own ρ schedule runs beside it.
module FSharpTorchSharp.Program

open System
open System.Diagnostics
open TorchSharp
open Sam

type Tensor = torch.Tensor

/// Points in [-2, 2]², labelled by which side of the curve y = sin(2x) they lie on (with 5% of labels flipped).
let dataset (seed: int) (count: int) =
    let random = Random(seed)
    let features = Array.zeroCreate<float32> (count * 2)
    let labels = Array.zeroCreate<int64> count
    for i in 0 .. count - 1 do
        let x = float32 (random.NextDouble() * 4.0 - 2.0)
        let y = float32 (random.NextDouble() * 4.0 - 2.0)
        features[2 * i] <- x
        features[2 * i + 1] <- y
        let side = if y > MathF.Sin(2.0f * x) then 1L else 0L
        labels[i] <- if random.NextDouble() < 0.05 then 1L - side else side
    let x: Tensor = torch.from_array(features).reshape(int64 count, 2L)
    let y: Tensor = torch.from_array labels
    x, y

let accuracy (model: torch.nn.Module<Tensor, Tensor>) (x: Tensor) (y: Tensor) =
    use _ = torch.no_grad ()
    use scope = torch.NewDisposeScope()
    model.eval ()
    let correct = model.call(x).argmax(1L).eq(y).sum().item<int64> ()
    model.train ()
    float correct / float y.shape[0]

[<EntryPoint>]
let main argv =
    let epochs =
        match argv with
        | [| "--epochs"; n |] when fst (Int32.TryParse n) && int n > 0 -> int n
        | _ -> 20

    torch.set_num_threads 1
    torch.manual_seed 1L |> ignore
    let trainX, trainY = dataset 1 1024
    let testX, testY = dataset 2 1024

    let model =
        torch.nn.Sequential(
            torch.nn.Linear(2L, 64L),
            torch.nn.BatchNorm1d(64L),
            torch.nn.ReLU(),
            torch.nn.Linear(64L, 64L),
            torch.nn.ReLU(),
            torch.nn.Linear(64L, 2L))

    // torch.optim-style parameter groups: weights with weight decay, biases and the norm layer's affine parameters
    // without (new TorchSamOptions().NoWeightDecayForBiasesAndNorms() says the same in one line).
    let named = model.named_parameters () |> Seq.toArray
    let noDecay (name: string) = name.EndsWith(".bias") || name.StartsWith("1.")
    let decay = named |> Array.filter (fun struct (n, _) -> not (noDecay n)) |> Array.map (fun struct (_, p) -> p)
    let rest = named |> Array.filter (fun struct (n, _) -> noDecay n) |> Array.map (fun struct (_, p) -> p)

    let settings = SamSettings(Rho = 0.1, RhoSchedule = Schedule.Cosine(int64 (epochs * 16)))
    use sam =
        new TorchSamOptimizer(
            model,
            [ TorchSamOptimizer.ParamGroup(decay, weight_decay = 5e-4)
              TorchSamOptimizer.ParamGroup(rest, weight_decay = 0.0) ],
            settings,
            Sgd(0.1, momentum = 0.9))
    let scheduler = torch.optim.lr_scheduler.StepLR(sam, 8 * 16, 0.5)

    let lossAndBackward (x: Tensor) (y: Tensor) =
        use loss = torch.nn.functional.cross_entropy (model.call x, y)
        loss.backward ()
        loss.item<float32> ()

    let clock = Stopwatch.StartNew()
    let batch = 64L
    for epoch in 1 .. epochs do
        let order: Tensor = torch.randperm (trainY.shape[0])
        let mutable sharpness = 0.0
        for b in 0L .. batch .. trainY.shape[0] - 1L do
            use scope = torch.NewDisposeScope()
            let index = order.narrow(0L, b, batch)
            let x, y = trainX.index_select(0L, index), trainY.index_select(0L, index)
            // PyTorch SAM's loop, call for call: loss at w, first_step, loss at w + e, second_step.
            sam.zero_grad ()
            let loss = lossAndBackward x y
            sam.first_step (zero_grad = true)
            let perturbed = lossAndBackward x y
            sam.second_step ()
            sharpness <- sharpness + float (perturbed - loss)
            scheduler.step ()
        order.Dispose()
        if epoch % 5 = 0 || epoch = epochs then
            printfn
                "epoch %2d  lr %.4f  rho %.4f  mean sharpness %.5f  train %.3f  test %.3f"
                epoch
                sam.LastStep.LearningRate
                sam.LastStep.Rho
                (sharpness / 16.0)
                (accuracy model trainX trainY)
                (accuracy model testX testY)

    printfn "%d SAM steps in %.1f s (%s)" sam.StepCount clock.Elapsed.TotalSeconds (sam.ParamGroups |> Seq.map (fun g -> g.LearningRate.ToString("G3")) |> String.concat ", ")
    0
