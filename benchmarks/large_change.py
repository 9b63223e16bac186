"""Large changes: when does updating the last build's state cost more than a build from
nothing? The answer sets `incremental.sessions.LARGE_CHANGE`.

    .venv/bin/python benchmarks/large_change.py                 # about 15 minutes
    .venv/bin/python benchmarks/large_change.py --base 5000 --shares 0.5 --runs 1

A list of `--base` corpus records is built with a cache; then corpus records that are new
to it, a share of the list's size, are added in new seed files, and the build with that
cache is timed with the update forced (LARGE_CHANGE set to infinity) and with the build from
nothing the rule
chooses past the limit (the limit set to 0), each from a copy of the same docs and cache,
alternating. Prints the seconds of each, and their ratio (update / from nothing), for each
share.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ENV, PYTHON, ROOT, corpus, machine, records_for, write_seeds  # noqa: E402


def command(seeds: Path, docs: Path, cache: Path, limit: float = 0.1) -> list[str]:
    """The command line's build, with `LARGE_CHANGE` set to `limit`."""
    arguments = ["build", "--seeds", str(seeds), "--docs", str(docs), "--cache", str(cache), "--quiet"]
    return [PYTHON, "-c", f"import generator.incremental.sessions as s; s.LARGE_CHANGE = float({str(limit)!r}); "
            f"from generator.cli import main; raise SystemExit(main({arguments!r}))"]


def timed(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, check=True, capture_output=True, text=True, env=ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=int, default=10000, help="records of the list before the change")
    parser.add_argument("--shares", type=float, nargs="+", default=[0.02, 0.05, 0.1, 0.2, 0.5, 3.0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = records_for(args.base + int(max(args.shares) * args.base), corpus())
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="large-change-") as temporary:
        work = Path(temporary)
        write_seeds(rows[: args.base], work / "seeds")
        subprocess.run(command(work / "seeds", work / "docs", work / "cache"), cwd=ROOT, check=True, capture_output=True, env=ENV)
        lines = []
        for share in args.shares:
            added = rows[args.base : args.base + int(share * args.base)]
            seeds = work / f"seeds-{share}"
            shutil.copytree(work / "seeds", seeds)
            write_seeds(added, work / f"added-{share}")
            for path in sorted((work / f"added-{share}").iterdir()):
                path.rename(seeds / f"added-{path.name}")
            times: dict[str, list[float]] = {"update": [], "from nothing": []}
            for n in range(args.runs):
                for name, limit in (("update", float("inf")), ("from nothing", 0.0)):
                    run = work / f"run-{share}-{n}-{name.replace(' ', '-')}"
                    shutil.copytree(work / "docs", run / "docs")
                    shutil.copytree(work / "cache", run / "cache")
                    times[name].append(timed(command(seeds, run / "docs", run / "cache", limit)))
            update, fresh = statistics.median(times["update"]), statistics.median(times["from nothing"])
            line = (f"{len(added):,} records added to {args.base:,} ({share:.0%}): update {update:.2f} s, from nothing {fresh:.2f} s, "
                    f"ratio {update / fresh:.2f}")
            print(line, flush=True)
            lines.append(line)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
