using System;
using System.Globalization;
using System.Linq;
using PackageConsumer;
using Sam;

// Runs a few SAM steps with the generated members and prints what the test compares bit for bit.
int steps = int.Parse(args[0], CultureInfo.InvariantCulture);
var model = new Regression();
float loss = float.NaN;
for (int step = 0; step < steps; step++)
{
    loss = model.SharpnessAwareStep(static m => m.LossAndGradients());
}

SamStepInfo last = model.Optimizer.LastStep;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"steps={last.Step}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"loss={BitConverter.SingleToInt32Bits(loss):X8}"));
Console.WriteLine("weights=" + string.Join(",", model.W.TrainedValue.ToArray().Concat(model.B.TrainedValue.ToArray())
    .Select(v => BitConverter.SingleToInt32Bits(v).ToString("X8", CultureInfo.InvariantCulture))));
