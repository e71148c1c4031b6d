using Xunit;

// torch.manual_seed and Tensor.TotalCount are process-wide: tests that build seeded twins or count live tensors
// must not interleave with others.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
