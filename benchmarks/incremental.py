"""The maintainer's loop, measured: cold runs, one added record with a warm cache, and an
edit under `mkdocs serve` until the browser can load the changed page.

    .venv/bin/python benchmarks/incremental.py                       # about 15 minutes
    .venv/bin/python benchmarks/incremental.py --sizes 41 --serve 41  # the seeds only

Lists: the 41-record seeds (`41`), and corpus records written as seed files as
`benchmarks/run.py` writes them (10,000, 48,956; 100,000 with reused records made distinct).
For each list, medians of --runs (default 3), each run a separate process:
- cold: an empty docs folder and an empty cache folder: wall seconds, peak RSS, stages;
- one added record: one `Abstract:` line appended to a seed file, the docs and cache of a
  cold run kept (a different line each run);
- unchanged: a re-run with nothing changed.
With --serve, also edit to browser: `mkdocs serve --dirty` (what `./dev serve` runs) on the list; a new
seed file with one abstract is written, and the clock stops when the new paper's page
answers 200 over HTTP (polled every 20 ms); the server's log splits each edit's time into
the generator, the rest of MkDocs' build, and the rest (noticing the change, serving the
page). Results: stdout as Markdown, and benchmarks/out/incremental.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from run import ENV, OUT, PYTHON, ROOT, corpus, machine, records_for, run, stages, write_seeds  # noqa: E402

from generator.papers import derive_title, make_slug  # noqa: E402
from generator.text import fingerprint  # noqa: E402
from support import free_port, http_status  # noqa: E402

CURATED = ("catalog.yml", "taxonomy.yml", "duplicates.yml")
SERVE_ARGS = os.environ.get("SERVE_ARGS", "--dirty --no-strict").split()
"""`mkdocs serve` options: those of `./dev serve` unless SERVE_ARGS says otherwise (SERVE_ARGS=""
for full rebuilds)."""


def generator(work: Path, docs: Path, cache: Path) -> list[str]:
    return [PYTHON, "-m", "generator", "build", "--seeds", str(work / "seeds"), "--docs", str(docs), "--cache", str(cache),
            *(arg for name in CURATED for arg in (f"--{name.split('.')[0].replace('duplicates', 'overrides')}", str(ROOT / name))),
            "--quiet"]


WORDS = """agents alignment benchmarks calibration circuits compression debate deception distillation
evaluation feedback generalization honesty interpretability jailbreaks memorization oversight
planning preferences probing refusal retrieval robustness sandbagging scaling steering
sycophancy tokenizers tools uncertainty unlearning watermarking""".split()


def new_abstract(tag: str) -> str:
    """A new abstract, unlike the others added in a run (a near copy would merge with them)."""
    pick = random.Random(tag).sample(WORDS, 8)
    return (f"We study {pick[0]} and {pick[1]} in language models, measure how {pick[2]} interacts with {pick[3]}, "
            f"and show that {pick[4]} predicts {pick[5]} better than {pick[6]} or {pick[7]} (case {tag}).")


def seeds_for(size: int, folder: Path, rows: list[dict] | None) -> None:
    if size == 41:
        shutil.copytree(ROOT / "seeds", folder)
    else:
        write_seeds(records_for(size, rows or corpus()), folder)


def bench_generator(size: int, work: Path, runs: int) -> dict:
    cold = []
    for n in range(runs):
        cold.append(run(generator(work, work / f"docs{n}", work / f"cache{n}"), ROOT))
    first = sorted((work / "seeds").glob("*.txt"))[0]
    added = []
    for n in range(runs):
        with first.open("a", encoding="utf-8") as file:
            file.write(f"\nAbstract: {new_abstract(f'{size}-{n}')}\n")
        added.append(run(generator(work, work / "docs0", work / "cache0"), ROOT))
    unchanged = [run(generator(work, work / "docs0", work / "cache0"), ROOT) for _ in range(runs)]
    median = lambda values: round(statistics.median(values), 2)  # noqa: E731
    return {
        "records": size,
        "cold seconds": median(c[0] for c in cold),
        "cold peak MB": max(c[1] for c in cold),
        "cold stages": {k: median(stages(c[2])[k] for c in cold) for k in stages(cold[0][2])},
        "one added record seconds": median(a[0] for a in added),
        "one added record peak MB": max(a[1] for a in added),
        "one added record stages": {k: median(stages(a[2])[k] for a in added) for k in stages(added[0][2])},
        "unchanged seconds": median(u[0] for u in unchanged),
        "cache MB": round(sum(p.stat().st_size for p in (work / "cache0").rglob("*") if p.is_file()) / 1e6),
    }


def bench_serve(size: int, work: Path, runs: int) -> dict:
    """Edit to browser under `mkdocs serve`, as `./dev serve` runs it."""
    project = work / "project"
    project.mkdir()
    shutil.copy(ROOT / "mkdocs.yml", project)
    shutil.copytree(ROOT / "overrides", project / "overrides")
    (project / "generator").symlink_to(ROOT / "generator")
    shutil.copytree(work / "seeds", project / "seeds")
    for name in CURATED:
        shutil.copy(ROOT / name, project / name)
    subprocess.run(generator(project, project / "docs", project / ".cache" / "generator"), cwd=project, check=True, capture_output=True, env=ENV)
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    log = work / "serve.log"
    with log.open("w", encoding="utf-8") as output:
        server = subprocess.Popen([PYTHON, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}", *SERVE_ARGS], cwd=project,
                                  stdout=output, stderr=subprocess.STDOUT, env=ENV)
    seconds, parts = [], []
    try:
        deadline = time.monotonic() + 1800
        while http_status(base) != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("mkdocs serve did not start")
            time.sleep(0.5)
        time.sleep(2)
        for n in range(runs):
            text = new_abstract(f"served-{size}-{n}")
            page = base + f"papers/{make_slug(derive_title(text), 'text:' + fingerprint(text))}/"
            start = time.perf_counter()
            logged = log.stat().st_size
            (project / "seeds" / f"new-{n}.txt").write_text(f"Abstract: {text}\n", "utf-8")
            while http_status(page) != 200:
                if time.perf_counter() - start > 900:
                    raise RuntimeError(f"{page} never appeared")
                time.sleep(0.02)
            seconds.append(time.perf_counter() - start)
            parts.append(split(log.read_text("utf-8", errors="replace")[logged:], seconds[-1]))
            time.sleep(3)  # let the server settle before the next edit
    finally:
        server.terminate()
        server.wait(timeout=60)
    return {"edit to browser seconds": round(statistics.median(seconds), 2), "edit to browser runs": [round(s, 2) for s in seconds],
            "edit to browser parts": {name: round(statistics.median(p[name] for p in parts), 2) for name in parts[0]}}


def split(log: str, total: float) -> dict[str, float]:
    """An edit's seconds from the server's log: the generator (its stages' sum), the rest of
    MkDocs' build, and the rest (noticing the change, serving the page)."""
    stages = re.search(r"generator: time: (.*)", log)
    built = re.search(r"Documentation built in ([\d.]+) seconds", log)
    generator = sum(float(value) for value in re.findall(r"([\d.]+)s", stages[1])) if stages else 0.0
    build = float(built[1]) if built else 0.0
    return {"generator": generator, "mkdocs": build - generator, "other": total - build}


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark cold, incremental and live-preview rebuilds.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[41, 10000, 48956, 100000])
    parser.add_argument("--serve", type=int, nargs="*", default=[41, 10000], help="sizes to time under mkdocs serve")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows = corpus() if any(size != 41 for size in args.sizes + args.serve) else None
    results = {"machine": machine(), "runs": args.runs, "sizes": []}
    works = []
    for size in sorted(set(args.sizes) | set(args.serve)):
        work = OUT / f"incremental-{size}"
        shutil.rmtree(work, ignore_errors=True)  # left by an interrupted run
        work.mkdir(parents=True)
        works.append(work)
        seeds_for(size, work / "seeds", rows)
        print(f"== {size} records", file=sys.stderr)
        result: dict = {"records": size}
        if size in args.sizes:
            result |= bench_generator(size, work, args.runs)
        if size in args.serve:
            result |= bench_serve(size, work, args.runs)
        print(json.dumps(result), file=sys.stderr)
        results["sizes"].append(result)
        for cache in work.glob("cache*"):  # large files: deleted now; the pages' folders at the end
            shutil.rmtree(cache)
    # Deleting tens of thousands of files slows ext4's creation of new ones in the next
    # minutes (it skips recently deleted inodes: `perf` shows `recently_deleted`): the write
    # stage of the next list took 13.5 s instead of about 9 s at 100,000 records.
    for work in works:
        shutil.rmtree(work)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "incremental.json").write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    print(table(results))


def table(results: dict) -> str:
    """The results as Markdown: one column a list."""
    sizes = results["sizes"]
    lines = [f"Machine: {results['machine']}; medians of {results['runs']} runs.", "",
             "| measure | " + " | ".join(f"{r['records']:,} records" for r in sizes) + " |", "|---|" + "---|" * len(sizes)]
    keys = [k for k in ("cold seconds", "cold peak MB", "one added record seconds", "one added record peak MB",
                        "unchanged seconds", "cache MB", "edit to browser seconds") if any(k in r for r in sizes)]
    for key in keys:
        lines.append(f"| {key} | " + " | ".join(str(r.get(key, "")) for r in sizes) + " |")
    for part in ("generator", "mkdocs", "other"):
        if any("edit to browser parts" in r for r in sizes):
            lines.append(f"| edit to browser: {part} (s) | " + " | ".join(str(r.get("edit to browser parts", {}).get(part, "")) for r in sizes) + " |")
    for phase in ("cold stages", "one added record stages"):
        names = next((list(r[phase]) for r in sizes if phase in r), [])
        for name in names:
            lines.append(f"| {phase.split(' stages')[0]}: {name} (s) | " + " | ".join(str(r.get(phase, {}).get(name, "")) for r in sizes) + " |")
    return "\n".join(lines)

if __name__ == "__main__":
    main()
