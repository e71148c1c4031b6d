#!/usr/bin/env python3
"""Mutation check (not run in CI): does a test notice when a key line of product code is wrong?

Applies each mutation in mutations.txt (one at a time) to a scratch copy of the working tree (uncommitted edits
included; the repository itself is never touched), builds the test project the line names, runs it with the line's
filter, and prints KILLED (a test failed), SURVIVED (every test passed: add a test) or NO-BUILD (the mutation did not
compile: fix the mutation). Each mutated file is restored from a backup copy before the next mutation.

Usage: tests/mutation/run-mutations.py [substring of the "what" column ...]
Slow (a build and a test run per mutation): run a subset by naming part of the description, e.g. "SAM0004".
"""
import os
import shutil
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = subprocess.run(["git", "-C", here, "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True).stdout.strip()


def fields(line):
    # Split on | except \|; "\n" in a text field is a line break.
    parts, current, i = [], "", 0
    while i < len(line):
        if line.startswith("\\|", i):
            current += "|"
            i += 2
        elif line[i] == "|":
            parts.append(current)
            current = ""
            i += 1
        else:
            current += line[i]
            i += 1
    parts.append(current)
    return [p.replace("\\n", "\n") for p in parts]


mutations = []
with open(os.path.join(here, "mutations.txt"), encoding="utf-8") as f:
    for line in f:
        line = line.rstrip("\n")
        if not line.strip() or line.startswith("#"):
            continue
        project, test_filter, path, original, mutated, what = fields(line)
        if len(sys.argv) > 1 and not any(a in what for a in sys.argv[1:]):
            continue
        mutations.append((project, test_filter, path, original, mutated, what))

scratch = tempfile.mkdtemp(prefix="sam-mutations-")
shutil.copytree(root, scratch, dirs_exist_ok=True, symlinks=True,
                ignore=shutil.ignore_patterns(".git", "bin", "obj", "*.received.*", "TestResults"))
print(f"{len(mutations)} mutation(s) on a copy of {root} in {scratch}", flush=True)


def run(args, log):
    with open(log, "w", encoding="utf-8") as out:
        return subprocess.run(args, cwd=scratch, stdout=out, stderr=subprocess.STDOUT).returncode


survivors, unbuilt = [], []
for n, (project, test_filter, path, original, mutated, what) in enumerate(mutations):
    target = os.path.join(scratch, path)
    backup = target + ".orig"
    shutil.copy2(target, backup)
    with open(target, encoding="utf-8") as f:
        text = f.read()
    if text.count(original) != 1:
        print(f"SKIPPED  {what} (the original text occurs {text.count(original)} times in {path})", flush=True)
        os.remove(backup)
        continue
    with open(target, "w", encoding="utf-8") as f:
        f.write(text.replace(original, mutated))
    log = os.path.join(scratch, f"mutation-{n}.log")
    try:
        if run(["dotnet", "build", project, "-c", "Debug", "-nologo"], log) != 0:
            print(f"NO-BUILD {what} (see {log})", flush=True)
            unbuilt.append(what)
        elif run(["dotnet", "test", project, "-c", "Debug", "--no-build", "--filter", test_filter], log) == 0:
            print(f"SURVIVED {what}", flush=True)
            survivors.append(what)
        else:
            print(f"KILLED   {what}", flush=True)
    finally:
        shutil.move(backup, target)

print(f"{len(survivors)} survived, {len(unbuilt)} did not build, of {len(mutations)}")
if not survivors and not unbuilt and os.environ.get("SAM_KEEP_MUTATION_COPY") != "1":
    shutil.rmtree(scratch)
sys.exit(1 if survivors or unbuilt else 0)
