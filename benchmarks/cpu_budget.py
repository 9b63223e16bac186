"""Where a cold run's time goes on this machine: the CPU it uses, how much of two cores it
keeps busy, and what running on two cores costs over running on one.

    .venv/bin/python benchmarks/cpu_budget.py              # about 7 minutes
    .venv/bin/python benchmarks/cpu_budget.py --size 10000 --runs 1

Cold builds (new docs and cache folders) of corpus records written as seed files
(`run.write_seeds`), with READING_LIST_WORKERS=2 (the default here) and =1 (no forked
process at all), alternating. For each: wall seconds, user and system CPU seconds and minor
page faults of the generator and every process it forked (all of them are waited for, so
`getrusage(RUSAGE_CHILDREN)` holds them), and the use of the cores, CPU / wall. With two
cores, wall can be no less than CPU / 2: the cold run's floor at this CPU.

Then the machine alone: the CPU seconds of a memory-heavy Python loop (a 3-million-entry
dict, sorted) run alone and run twice at once, alternating: what keeping both cores busy
costs whatever the code.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import ENV, OUT, PYTHON, ROOT, corpus, machine, records_for, write_seeds  # noqa: E402


def cold(seeds: Path, out: Path, workers: int) -> dict[str, float]:
    command = [PYTHON, "-m", "generator", "build", "--seeds", str(seeds), "--docs", str(out / "docs"), "--cache", str(out / "cache"),
               "--catalog", str(ROOT / "catalog.yml"), "--taxonomy", str(ROOT / "taxonomy.yml"),
               "--overrides", str(ROOT / "duplicates.yml"), "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, env={**ENV, "READING_LIST_WORKERS": str(workers)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return {"wall": wall, "user": user, "system": system, "cpu": user + system, "cores used": (user + system) / wall,
            "minor faults": after.ru_minflt - before.ru_minflt}


def loop_seconds(copies: int) -> list[float]:
    """CPU seconds of the loop in each of `copies` processes run at once."""
    code = ("import random, time\nstart = time.process_time()\nr = random.Random(1)\n"
            "d = {r.random(): str(i) for i in range(3_000_000)}\ns = sorted(d.items())\nprint(time.process_time() - start)")
    processes = [subprocess.Popen([PYTHON, "-c", code], stdout=subprocess.PIPE, text=True) for _ in range(copies)]
    return [float(process.communicate()[0]) for process in processes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=48956)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as folder:
        work = Path(folder)
        write_seeds(records_for(args.size, corpus()), work / "seeds")
        results: dict[int, list[dict[str, float]]] = {2: [], 1: []}
        for n in range(args.runs):
            for workers in (2, 1):
                result = cold(work / "seeds", work / f"{workers}-{n}", workers)
                print(f"workers {workers}: " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items()), file=sys.stderr)
                results[workers].append(result)
        # Deleting tens of thousands of files slows the creation of new ones for minutes:
        # the folders go only now, after the last run.
        shutil.rmtree(work)
        work.mkdir()
    median = {workers: {key: statistics.median(r[key] for r in runs) for key in runs[0]} for workers, runs in results.items()}
    print(f"Machine: {machine()}; {args.size:,} records; medians of {args.runs} runs, alternating.\n")
    print("| workers | wall s | user s | system s | CPU s | cores used | minor faults | floor (CPU / 2) s |")
    print("|---|---|---|---|---|---|---|---|")
    for workers, m in median.items():
        print(f"| {workers} | {m['wall']:.2f} | {m['user']:.2f} | {m['system']:.2f} | {m['cpu']:.2f} | {m['cores used']:.2f} | "
              f"{m['minor faults']:,.0f} | {m['cpu'] / 2:.2f} |")
    # The machine's speed drifts between runs: each two-worker run against the one-worker run after it.
    ratios = [two["cpu"] / one["cpu"] - 1 for two, one in zip(results[2], results[1])]
    print(f"\nTwo workers against one, run by run: CPU {', '.join(f'{r:+.0%}' for r in ratios)} (median {statistics.median(ratios):+.0%}); "
          f"minor faults {median[2]['minor faults'] - median[1]['minor faults']:+,.0f}.")
    alone, together = [], []
    for _ in range(args.runs):
        alone += loop_seconds(1)
        together += loop_seconds(2)
    print(f"The loop alone: {statistics.median(alone):.2f} CPU s; two at once: {statistics.median(together):.2f} CPU s each "
          f"({statistics.median(together) / statistics.median(alone) - 1:+.0%}; runs {', '.join(f'{s:.2f}' for s in alone)} and "
          f"{', '.join(f'{s:.2f}' for s in together)}).")


if __name__ == "__main__":
    main()
