using System;
using Sam.Native;
using TorchParameter = TorchSharp.Modules.Parameter;

namespace Sam.Benchmarks;

/// <summary>
/// The native work any fast path over TorchSharp parameters cannot skip: each backward may leave a new gradient tensor
/// (<c>zero_grad()</c> sets them to none by default), so both gradients of a SAM step are looked up per parameter —
/// the gradient handle, its data address and the handle's release, the three LibTorchSharp calls TorchSharp itself
/// makes for <c>param.grad</c>, without its managed wrapper (the fast path's own imports). Timed alone, this is the per-tensor floor that the
/// bench adds to the C fused kernel's time to bound what naive ÷ fast can reach on a layout.
/// </summary>
internal static class GradientLookUpFloor
{
    /// <summary>Two gradient look-ups per parameter (g, then g′), as one SAM step needs.</summary>
    /// <param name="parameters">The parameters, each with a gradient.</param>
    /// <returns>The sum of the addresses (so nothing is optimised away).</returns>
    public static long Step(TorchParameter[] parameters)
    {
        long sum = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            foreach (TorchParameter p in parameters)
            {
                IntPtr grad = LibTorchSharp.THSTensor_grad(p.Handle);
                sum += LibTorchSharp.THSTensor_data(grad);
                LibTorchSharp.THSTensor_dispose(grad);
            }
        }

        return sum;
    }

    /// <summary>
    /// The alternative to the fast path's copy flip for small tensors, timed: re-seating every parameter on a second
    /// storage and back (<c>set_</c>, as perturb and restore would), the two libtorch dispatcher calls per parameter
    /// and step that copying avoids.
    /// </summary>
    /// <param name="parameters">The parameters.</param>
    /// <param name="firsts">An alias of each parameter's own storage (<c>detach()</c>).</param>
    /// <param name="seconds">A second tensor per parameter, of its shape.</param>
    public static void ReSeat(TorchParameter[] parameters, TorchSharp.torch.Tensor[] firsts, TorchSharp.torch.Tensor[] seconds)
    {
        using var noGrad = TorchSharp.torch.no_grad();
        for (int i = 0; i < parameters.Length; i++)
        {
            LibTorchSharp.THSTensor_set_(parameters[i].Handle, seconds[i].Handle);
            LibTorchSharp.THSTensor_set_(parameters[i].Handle, firsts[i].Handle);
        }
    }
}
