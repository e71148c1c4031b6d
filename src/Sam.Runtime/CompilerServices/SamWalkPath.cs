using System;
using System.ComponentModel;
using System.Threading;

namespace Sam.CompilerServices;

/// <summary>
/// The member paths below one place in a model ("Blocks[]" and the members of the sub-module found there), each
/// string built the first time the generated walk asks for it and returned from then on, so a walk allocates
/// nothing after its first pass. Part of the protocol between the Sam.Dsl source generator and the runtime: not
/// user API.
/// </summary>
/// <remarks>
/// The generator emits one walk method per sub-module type, called wherever the type occurs, so the generated code
/// grows with the number of members rather than with members × depth. Such a method cannot hold its members' full
/// paths as string literals (they depend on where it is called from): it receives the node for the place it walks
/// and asks it for each member's path by the member's position (the <c>slot</c> argument) in the type.
/// Concurrent walks are safe: a path is created once under a lock, and every later caller gets that same string.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class SamWalkPath
{
    private readonly object _gate = new();
    private readonly string _prefix;
    private string?[] _members = [];
    private SamWalkPath?[] _modules = [];

    /// <summary>Creates the node of a model itself: its members' paths are their names.</summary>
    public SamWalkPath()
    {
        Path = "";
        _prefix = "";
    }

    private SamWalkPath(string path)
    {
        Path = path;
        _prefix = path + ".";
    }

    /// <summary>The path of this place, "[]" marking collection elements ("Blocks[]"); empty for the model.</summary>
    public string Path { get; }

    /// <summary>The path of the member at <paramref name="slot"/>: this node's path, a dot and <paramref name="name"/>.</summary>
    /// <param name="slot">The member's position among the walked members of its type, a small constant.</param>
    /// <param name="name">The member's name, "[]" appended for a collection's elements.</param>
    /// <returns>The same string on every call for a slot.</returns>
    public string Member(int slot, string name)
    {
        string?[] members = Volatile.Read(ref _members);
        return (uint)slot < (uint)members.Length && members[slot] is { } path ? path : AddMember(slot, name);
    }

    /// <summary>The node for the sub-module (or the elements of the sub-module collection) of the member at <paramref name="slot"/>.</summary>
    /// <param name="slot">The member's position among the walked members of its type.</param>
    /// <param name="name">The member's name, "[]" appended for a collection's elements.</param>
    /// <returns>The same node on every call for a slot.</returns>
    public SamWalkPath Module(int slot, string name)
    {
        SamWalkPath?[] modules = Volatile.Read(ref _modules);
        return (uint)slot < (uint)modules.Length && modules[slot] is { } node ? node : AddModule(slot, name);
    }

    private string AddMember(int slot, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            string?[] members = Grown(_members, slot);
            string path = members[slot] ??= _prefix + name;
            Volatile.Write(ref _members, members);
            return path;
        }
    }

    private SamWalkPath AddModule(int slot, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentNullException.ThrowIfNull(name);
        lock (_gate)
        {
            SamWalkPath?[] modules = Grown(_modules, slot);
            SamWalkPath node = modules[slot] ??= new SamWalkPath(_prefix + name);
            Volatile.Write(ref _modules, modules);
            return node;
        }
    }

    // The array itself when it is long enough (a reader of the slot sees null and takes the lock, or the finished
    // value), else a longer copy that is published whole.
    private static T[] Grown<T>(T[] items, int slot)
    {
        if (slot < items.Length)
        {
            return items;
        }

        var grown = new T[Math.Max(slot + 1, items.Length * 2)];
        items.CopyTo(grown, 0);
        return grown;
    }
}
