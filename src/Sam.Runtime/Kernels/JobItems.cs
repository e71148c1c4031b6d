using System;

namespace Sam.Kernels;

/// <summary>
/// One phase job and its items: an item per parameter that joined, stored at its job index (the index
/// <see cref="TensorJob"/> hands the block kernels, which read <see cref="Items"/> by it), with the visiting slot it came
/// from. Parameters that run alone take no job index, so job index and slot differ as soon as one does.
/// </summary>
/// <typeparam name="TItem">What the kernels need of a parameter (pointers to its pinned buffers, its coefficients).</typeparam>
internal sealed class JobItems<TItem>
    where TItem : struct
{
    private TItem[] _items = [];
    private int[] _slots = [];

    /// <summary>The job the items' blocks run in.</summary>
    public TensorJob Job { get; } = new();

    /// <summary>Items joined so far.</summary>
    public int Count => Job.Count;

    /// <summary>The items, by job index (the kernels' view; longer than <see cref="Count"/>).</summary>
    public TItem[] Items => _items;

    /// <summary>The item at job index <paramref name="j"/>.</summary>
    public ref TItem this[int j] => ref _items[j];

    /// <summary>The visiting slot of the parameter at job index <paramref name="j"/>.</summary>
    public int SlotOf(int j) => _slots[j];

    /// <summary>Starts a new job (the arrays are kept).</summary>
    public void Clear() => Job.Clear();

    /// <summary>Adds a parameter of <paramref name="length"/> elements from visiting slot <paramref name="slot"/>.</summary>
    /// <returns>Its job index.</returns>
    public int Add(int length, int slot, in TItem item)
    {
        int j = Job.Add(length);
        if (j >= _items.Length)
        {
            Array.Resize(ref _items, Math.Max(8, 2 * j));
            Array.Resize(ref _slots, _items.Length);
        }

        _items[j] = item;
        _slots[j] = slot;
        return j;
    }

    /// <summary>Runs <paramref name="kernel"/> over every block of every item (<see cref="TensorJob.Run{TKernel}"/>).</summary>
    public void Run<TKernel>(ref TKernel kernel)
        where TKernel : struct, ITensorBlockKernel => Job.Run(ref kernel);

    /// <summary>The first item whose check (the second sum of a writing job) is not 0, or −1 when every result is finite.</summary>
    public int FirstFailed()
    {
        for (int j = 0; j < Count; j++)
        {
            Job.Sum(j, out double check);
            if (check != 0)
            {
                return j;
            }
        }

        return -1;
    }

    /// <summary>Item <paramref name="j"/>'s sums (<see cref="TensorJob.Sum"/>).</summary>
    public double Sum(int j, out double second) => Job.Sum(j, out second);
}
