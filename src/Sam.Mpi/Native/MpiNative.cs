using System;
using System.Runtime.InteropServices;

namespace Sam.Mpi.Native;

// The few MPI calls the package needs, bound against the MPICH ABI: handles are 32-bit integers with fixed values
// (mpi.h of MPICH 3.1+ and 4.x; Intel MPI and MS-MPI share them). Open MPI's handles are pointers to globals, a
// different ABI, so it is not supported. Why not the MPI.NET package: its managed collectives take arrays and wrap
// the reduction delegate in a new Operation object on every call, and its raw layer is these same declarations
// behind a Windows library name; a span-based, allocation-free all-reduce needs only the twelve entry points below.
internal static unsafe partial class MpiNative
{
    // LibraryImport resolves this name through MpiLibrary's resolver (libmpich.so.12, libmpi.so.12, ...).
    internal const string Library = "mpich";

    internal const int Success = 0;
    internal const int CommWorld = 0x44000000;
    internal const int Byte = 0x4c00010d;
    internal const int Float = 0x4c00040a;
    internal const int Double = 0x4c00080b;
    internal const int OpSum = 0x58000003;
    internal const int OpMax = 0x58000001;
    internal const int OpMin = 0x58000002;
    internal const int ErrorsReturn = 0x54000001;
    internal const int MaxErrorString = 512;
    internal static readonly void* InPlace = (void*)-1;

    [LibraryImport(Library, EntryPoint = "MPI_Init")]
    internal static partial int Init(int* argc, byte*** argv);

    [LibraryImport(Library, EntryPoint = "MPI_Initialized")]
    internal static partial int Initialized(int* flag);

    [LibraryImport(Library, EntryPoint = "MPI_Finalized")]
    internal static partial int Finalized(int* flag);

    [LibraryImport(Library, EntryPoint = "MPI_Finalize")]
    internal static partial int Finalize();

    [LibraryImport(Library, EntryPoint = "MPI_Comm_rank")]
    internal static partial int CommRank(int comm, int* rank);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_size")]
    internal static partial int CommSize(int comm, int* size);

    [LibraryImport(Library, EntryPoint = "MPI_Comm_set_errhandler")]
    internal static partial int CommSetErrhandler(int comm, int errhandler);

    [LibraryImport(Library, EntryPoint = "MPI_Error_string")]
    internal static partial int ErrorString(int code, byte* text, int* length);

    [LibraryImport(Library, EntryPoint = "MPI_Reduce")]
    internal static partial int Reduce(void* send, void* receive, int count, int datatype, int op, int root, int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Allreduce")]
    internal static partial int Allreduce(void* send, void* receive, int count, int datatype, int op, int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Bcast")]
    internal static partial int Bcast(void* buffer, int count, int datatype, int root, int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Allgather")]
    internal static partial int Allgather(void* send, int sendCount, int sendType, void* receive, int receiveCount, int receiveType, int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Barrier")]
    internal static partial int Barrier(int comm);

    [LibraryImport(Library, EntryPoint = "MPI_Abort")]
    internal static partial int Abort(int comm, int errorCode);

    [LibraryImport(Library, EntryPoint = "MPI_Wtime")]
    internal static partial double Wtime();
}
