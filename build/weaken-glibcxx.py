#!/usr/bin/env python3
"""Lets TorchSharp's libLibTorchSharp.so load on hosts whose libstdc++ predates GCC 13 (Debian 12: GLIBCXX_3.4.30).

libLibTorchSharp.so (TorchSharp 0.107, built with GCC 13) needs GLIBCXX_3.4.32 for exactly one symbol,
std::ios_base_library_init(): a link-time marker that GCC 13's <iostream> references and nothing calls. The dynamic
loader refuses a library whose version need is missing, unless that need is flagged weak (VER_FLG_WEAK), in which
case it only checks the versions the library actually binds. So, for each library given (the copies in a build's
output folder, never the NuGet cache: the file is replaced, not written through, so a hard link to the cache is
left alone), this script sets VER_FLG_WEAK on that one Vernaux entry when:
  - the host's libstdc++.so.6 does not define GLIBCXX_3.4.32 (otherwise nothing needs doing), and
  - every dynamic symbol bound to that version is in ALLOWED (a future build that really uses GCC 13 symbols is
    left untouched, and fails to load with the loader's own message, which is the truth).
Idempotent (an already weak entry is left as is) and keeps the file's modification time, so MSBuild's copy of
the package file sees an unchanged file and does not copy it again. Python 3 standard library only.
Usage: weaken-glibcxx.py FILE...   Exit status 0 unless a file could not be read or written.
"""
import ctypes, os, struct, sys, tempfile

VERSION = b"GLIBCXX_3.4.32"
ALLOWED = {b"_ZSt21ios_base_library_initv"}
VER_FLG_WEAK = 0x2
SHT_DYNSYM, SHT_GNU_VERNEED, SHT_GNU_VERSYM = 11, 0x6FFFFFFE, 0x6FFFFFFF


def host_libstdcxx_has(version):
    """Loads libstdc++.so.6 the way any process would and looks for the version string in the file it mapped."""
    try:
        ctypes.CDLL("libstdc++.so.6")
    except OSError:
        return True  # no libstdc++ at all: patching would not help, libtorch will report it
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "libstdc++.so" in line}
    for path in paths:
        with open(path, "rb") as f:
            if b"\0" + version + b"\0" in f.read():
                return True
    return False


def cstr(data, offset):
    return bytes(data[offset:data.index(b"\0", offset)])


def weaken(path):
    """Returns a one-line report; rewrites the file only when the entry is found, allowed and not yet weak."""
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return "not a 64-bit little-endian ELF file, left as is"
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = []
    for i in range(shnum):
        _, sh_type, _, _, off, size, link, _, _, entsize = struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize)
        sections.append((sh_type, off, size, link, entsize))
    by_type = {s[0]: s for s in sections}
    if SHT_GNU_VERNEED not in by_type:
        return "no version needs, left as is"
    _, vn_off, _, vn_link, _ = by_type[SHT_GNU_VERNEED]
    strtab = sections[vn_link][1]

    # Walk Verneed -> Vernaux for the entry naming VERSION.
    found = None
    while True:
        _, cnt, _, aux, nxt = struct.unpack_from("<HHIII", data, vn_off)
        a = vn_off + aux
        for _ in range(cnt):
            _, flags, other, name, anext = struct.unpack_from("<IHHII", data, a)
            if cstr(data, strtab + name) == VERSION:
                found = (a, flags, other)
            a += anext
        if nxt == 0:
            break
        vn_off += nxt
    if found is None:
        return f"does not need {VERSION.decode()}, left as is"
    aux_off, flags, index = found
    if flags & VER_FLG_WEAK:
        return f"{VERSION.decode()} already weak"

    # Which symbols are bound to that version (the index is the Vernaux's vna_other)?
    _, sym_off, sym_size, sym_link, sym_ent = by_type[SHT_DYNSYM]
    sym_str = sections[sym_link][1]
    vs_off = by_type[SHT_GNU_VERSYM][1]
    users = set()
    for i in range(sym_size // sym_ent):
        ver, = struct.unpack_from("<H", data, vs_off + 2 * i)
        if ver & 0x7FFF == index:
            name, = struct.unpack_from("<I", data, sym_off + i * sym_ent)
            users.add(cstr(data, sym_str + name))
    if not users <= ALLOWED:
        extra = b", ".join(sorted(users - ALLOWED)).decode()
        return f"binds real {VERSION.decode()} symbols ({extra}), left as is: this host needs a newer libstdc++"

    struct.pack_into("<H", data, aux_off + 4, flags | VER_FLG_WEAK)
    st = os.stat(path)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)), prefix=".weaken-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, st.st_mode & 0o7777)
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(tmp, path)  # a new inode: a hard link into the NuGet cache keeps the original
    except BaseException:
        os.unlink(tmp)
        raise
    return f"{VERSION.decode()} marked weak (only {b', '.join(sorted(users)).decode()} uses it)"


def main(paths):
    if host_libstdcxx_has(VERSION):
        return 0  # a GCC 13+ libstdc++: the libraries load as shipped
    status = 0
    for path in paths:
        try:
            report = weaken(path)
            if not report.endswith("already weak"):  # quiet on incremental builds
                print(f"weaken-glibcxx: {path}: {report}")
        except (OSError, ValueError, struct.error) as e:
            print(f"weaken-glibcxx: {path}: {e}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
