"""Cold builds of two versions of the generator, interleaved: this machine's speed drifts by
10-20 % within an hour, so a change to the cold run is measured against the code before it
in pairs of runs made one right after the other.

    .venv/bin/python benchmarks/cold_pairs.py --base 3ce38ca            # about 6 minutes
    .venv/bin/python benchmarks/cold_pairs.py --base HEAD~1 --size 1000 --runs 1

The base revision (and the head, with --head) is checked out in a temporary git worktree,
so the working tree can change meanwhile; both run with this venv's
Python (`python -m generator build`), on the same corpus records written as seed files
(`run.write_seeds`), each run into new docs and cache folders (building into a folder
just emptied of 35,000 files slows file creation: ext4 checks recently deleted inodes).
Prints each pair (wall seconds, peak MB, CPU seconds), the medians, the pairs' CPU ratios, and the generated files
whose bytes differ between the two versions' first runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ENV, PYTHON, ROOT, corpus, records_for, write_seeds  # noqa: E402

CURATED = {"--catalog": "catalog.yml", "--taxonomy": "taxonomy.yml", "--overrides": "duplicates.yml"}
"""The curated files, each version's own (relative to its checkout: the pages name them so)."""


def cold(code: Path, seeds: Path, out: Path) -> tuple[float, int, float]:
    """Wall seconds, peak MB and CPU seconds (user and system, of the build and every
    process it started) of one build from nothing."""
    command = [PYTHON, "-m", "generator", "build", "--seeds", str(seeds), "--docs", str(out / "docs"), "--cache", str(out / "cache"),
               *(arg for option, name in CURATED.items() for arg in (option, name)), "--quiet"]
    before = _cpu()
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=code, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{code}: build failed:\n{process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    return round(seconds, 2), usage.ru_maxrss // 1024, round(_cpu() - before, 1)


def _cpu() -> float:
    """CPU seconds of every child process that has ended (and of their children)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def differing(one: Path, other: Path) -> list[str]:
    """The files of two docs folders that differ, but the manifest (its key hashes the code)."""
    files = lambda docs: {p.relative_to(docs).as_posix() for p in docs.rglob("*") if p.is_file()} - {".generated.json"}  # noqa: E731
    names = files(one) | files(other)
    return sorted(n for n in names if not (one / n).is_file() or not (other / n).is_file() or (one / n).read_bytes() != (other / n).read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the revision to compare with")
    parser.add_argument("--head", help="the revision to measure (default: the working tree)")
    parser.add_argument("--size", type=int, default=48956)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cold-pairs-") as temporary:
        work = Path(temporary)
        base, head = work / "base", work / "head" if args.head else ROOT
        label = args.head or "working tree"
        for revision, folder in ((args.base, base), (args.head, head)):
            if revision:
                subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(folder), revision], cwd=ROOT, check=True)
        try:
            write_seeds(records_for(args.size, corpus()), work / "seeds")
            results: dict[str, list[tuple[float, int, float]]] = {"base": [], "head": []}
            for n in range(args.runs):
                for name, code in (("base", base), ("head", head)):
                    results[name].append(cold(code, work / "seeds", work / f"{name}{n}"))
                print(f"pair {n + 1}: {args.base} {results['base'][-1]}, {label} {results['head'][-1]} (s, MB, CPU s)", flush=True)
            for name, runs in results.items():
                print(f"median {name}: {statistics.median(r[0] for r in runs)} s, peak {max(r[1] for r in runs)} MB, "
                      f"CPU {statistics.median(r[2] for r in runs)} s")
            for what, at in (("wall", 0), ("CPU", 2)):
                ratios = [after[at] / before[at] for before, after in zip(results["base"], results["head"])]
                print(f"{what} ratio ({label} / base), pair by pair: {', '.join(f'{r:.3f}' for r in ratios)}; median {statistics.median(ratios):.3f}")
            print(f"pages that differ: {differing(work / 'base0' / 'docs', work / 'head0' / 'docs')}")
        finally:
            for folder in {base, head} - {ROOT}:
                subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
