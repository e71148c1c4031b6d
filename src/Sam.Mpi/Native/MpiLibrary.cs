using System;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Sam.Mpi.Native;

// Finds the MPI shared library once and hands it to every [LibraryImport] of this assembly. SAM_MPI_LIBRARY
// overrides the search (a path or a file name); otherwise the MPICH-ABI names are tried in order.
internal static class MpiLibrary
{
    internal const string OverrideVariable = "SAM_MPI_LIBRARY";

    private static readonly string[] Candidates =
    [
        "libmpich.so.12",   // MPICH 3.1+ / 4.x on Linux (Debian/Ubuntu package mpich)
        "libmpi.so.12",     // Intel MPI and MPICH builds that name the library libmpi (same ABI)
        "libmpich.12.dylib", // MPICH on macOS (Homebrew)
        "libmpich.so",
    ];

    private static readonly object Gate = new();
    private static IntPtr _handle;

    /// <summary>Loads the library (once) and installs the resolver; throws a message that says what to install.</summary>
    internal static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_handle != IntPtr.Zero)
            {
                return;
            }

            string? chosen = Environment.GetEnvironmentVariable(OverrideVariable);
            string[] names = string.IsNullOrWhiteSpace(chosen) ? Candidates : [chosen];
            foreach (string name in names)
            {
                if (NativeLibrary.TryLoad(name, out IntPtr handle))
                {
                    _handle = handle;
                    NativeLibrary.SetDllImportResolver(typeof(MpiLibrary).Assembly, Resolve);
                    return;
                }
            }

            throw new DllNotFoundException(
                $"No MPI library with the MPICH ABI was found (tried {string.Join(", ", names)}). Install MPICH " +
                $"(Debian/Ubuntu: apt-get install mpich; macOS: brew install mpich) and start the program with mpiexec, " +
                $"or set {OverrideVariable} to the library's path. Open MPI has a different ABI and is not supported.");
        }
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) =>
        libraryName == MpiNative.Library ? _handle : IntPtr.Zero;
}
