"""Benchmark the generator and the site build at several sizes. One command:

    .venv/bin/python benchmarks/run.py                 # 1k, 10k, full corpus, 100k
    .venv/bin/python benchmarks/run.py --sizes 1000 --runs 3 --site 1000

Input: records of ../shared/corpora/arxiv-listings-2025.jsonl.gz, in corpus order (so the
corpus' own repeats are included), written as seed files of all three formats (one file a
listing day, formats in turn). Past the corpus' 48,956 records, records are reused under
new ids with their words in reverse order: new, distinct papers with the same shape and
the same languages.

For each size it reports, as medians of --runs cold runs (fresh docs folder, separate
process): wall time, peak memory (max RSS), papers per second, and the generator's time per
stage; then a re-run with nothing changed (time, files written) and a re-run after adding
one record to one seed file (files written). With --site it also builds the site with
MkDocs and reports build time, HTML bytes per paper page and the search index size.
Results go to stdout as Markdown and to benchmarks/out/results.json.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"
OUT = ROOT / "benchmarks" / "out"
PYTHON = sys.executable


def corpus() -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as file:
        return [json.loads(line) for line in file]


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def reversed_words(text: str) -> str:
    """The words in reverse order: a new text (no shared 3-shingles, so no merge). Reversing
    the letters of words, as before, made gibberish that the language identifier read as
    Portuguese or Finnish 20 times in 51,044. Reversed word order keeps the words, but 5
    corpus abstracts are English followed by a Spanish or French translation (read as
    English, marked mixed): reversed, they start in Spanish or French and are read so,
    which turns on the translation route over every English abstract, a route the corpus
    never takes (see BENCHMARKS.md, "Incremental runs"). `records_for` leaves those out."""
    return " ".join(reversed(text.split()))


def records_for(size: int, rows: list[dict]) -> list[dict]:
    """`size` records: the corpus in order, then reused records made distinct (see
    `reversed_words`), each only if it reads as the language its record reads as."""
    out = list(rows[:size])
    copy = 0
    while len(out) < size:
        copy += 1
        for row in rows:
            if len(out) == size:
                break
            summary = reversed_words(row["summary"])
            if _language(summary) == _language(row["summary"]):
                out.append({**row, "id": f"{row['id']}r{copy}", "title": reversed_words(row["title"]), "summary": summary})
    return out


def _language(text: str) -> str:
    """A text's language as the generator identifies it in a seed file."""
    sys.path.insert(0, str(ROOT))
    from generator.language import identify
    from generator.text import clean

    return identify(clean(one_line(text))).language


def write_seeds(records: list[dict], folder: Path) -> None:
    """One seed file per listing day; the three formats in turn."""
    by_day: dict[str, list[dict]] = {}
    for row in records:
        by_day.setdefault(row["listed"], []).append(row)
    folder.mkdir(parents=True)
    for n, (day, rows) in enumerate(sorted(by_day.items())):
        kind = ("abstract-lines", "listing", "translated")[n % 3]
        lines = []
        for row in rows:
            abstract = one_line(row["summary"])
            if kind == "abstract-lines":
                lines.append(f"Abstract:{abstract}")
            elif kind == "listing":
                category = row["categories"][0].split(".")[-1] if row["categories"] else "AI"
                when = time.strftime("%b %-d, %Y", time.strptime(day, "%Y-%m-%d"))
                authors = ", ".join(row["authors"][:3]) + (" et al." if len(row["authors"]) > 3 else "")
                lines += [f"{category}{when}", f"{one_line(row['title'])}{authors}", abstract]
            else:
                lines += [abstract, "translated by 谷歌翻译"]
        (folder / f"{n:04d}_{day}.txt").write_text("\n".join(lines) + "\n", "utf-8")


ENV = {**{name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}, "NO_MKDOCS_2_WARNING": "true"}
"""The commands' environment: Python caches compiled modules, as it does by default (the
machine these figures come from sets PYTHONDONTWRITEBYTECODE, and every run compiled the
generator's modules again)."""


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MB, and stdout of a command in its own process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**ENV, **(env or {})})
    stdout, stderr = "", ""
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    if status != 0:
        raise RuntimeError(f"{command} failed:\n{stderr[-3000:]}")
    return seconds, usage.ru_maxrss // 1024, stdout


def generator(work: Path, docs: Path) -> list[str]:
    return [PYTHON, "-m", "generator", "build", "--seeds", str(work / "seeds"), "--docs", str(docs),
            "--catalog", str(ROOT / "catalog.yml"), "--taxonomy", str(ROOT / "taxonomy.yml"),
            "--overrides", str(ROOT / "duplicates.yml"), "--quiet"]


def stages(stdout: str) -> dict[str, float]:
    line = next(l for l in stdout.splitlines() if l.startswith("time:"))
    return {name: float(value.rstrip("s")) for name, value in (part.split() for part in line[5:].split(", "))}


def papers_of(stdout: str) -> int:
    return int(re.search(r"(\d+) unique papers", stdout)[1])  # type: ignore[index]


def written_of(stdout: str) -> int:
    match = re.search(r"pages: (\d+) written", stdout)
    return int(match[1]) if match else 0


def bench_size(size: int, rows: list[dict], runs: int, site: bool) -> dict:
    work = OUT / f"n{size}"
    shutil.rmtree(work, ignore_errors=True)
    write_seeds(records_for(size, rows), work / "seeds")
    cold = []
    for n in range(runs):
        docs = work / f"docs{n}"
        cold.append(run(generator(work, docs), ROOT))
    docs = work / "docs0"
    result: dict[str, object] = {
        "records": size,
        "papers": papers_of(cold[0][2]),
        "cold seconds": round(statistics.median(c[0] for c in cold), 2),
        "peak MB": max(c[1] for c in cold),
        "stages": {k: round(statistics.median(stages(c[2])[k] for c in cold), 2) for k in stages(cold[0][2])},
    }
    result["papers per second"] = round(result["papers"] / result["cold seconds"])  # type: ignore[operator]
    warm = [run(generator(work, docs), ROOT) for _ in range(runs)]
    result["unchanged re-run seconds"] = round(statistics.median(w[0] for w in warm), 2)
    result["unchanged re-run files written"] = max(written_of(w[2]) for w in warm)
    first = sorted((work / "seeds").iterdir())[0]
    with first.open("a", encoding="utf-8") as file:
        file.write("Abstract:We benchmark incremental rebuilds of a reading list by adding one abstract to one seed file.\n")
    changed = run(generator(work, docs), ROOT)
    result["one-file change: files written"] = written_of(changed[2])
    result["one-file change seconds"] = round(changed[0], 2)
    if site:
        project = work / "project"
        project.mkdir()
        shutil.copy(ROOT / "mkdocs.yml", project / "mkdocs.yml")
        shutil.copytree(ROOT / "overrides", project / "overrides")
        (project / "generator").symlink_to(ROOT / "generator")
        shutil.copytree(docs, project / "docs")
        build = run([PYTHON, "-m", "mkdocs", "build", "--strict", "-q"], project)
        pages = list((project / "site" / "papers").glob("*/index.html"))
        index = project / "site" / "search" / "search_index.json"
        result["site build seconds"] = round(build[0], 1)
        result["site build peak MB"] = build[1]
        result["generator + site seconds"] = round(result["cold seconds"] + build[0], 1)  # type: ignore[operator]
        result["HTML bytes per paper page"] = round(sum(p.stat().st_size for p in pages) / len(pages))
        result["search index MB"] = round(index.stat().st_size / 1e6, 2)
        result["search index bytes per paper"] = round(index.stat().st_size / len(pages))
    shutil.rmtree(work)
    return result


def machine() -> str:
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name")), "?")
    memory = next((int(l.split()[1]) // 1024 // 1024 for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")), 0)
    return f"{os.cpu_count()} cores ({cpu}), {memory} GiB, {platform.system()} {platform.machine()}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark the generator and the site build.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 48956, 100000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--site", type=int, nargs="*", default=[100, 10000], help="sizes whose site is built too")
    args = parser.parse_args()
    rows = corpus()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "runs": args.runs, "sizes": []}
    for size in sorted(set(args.sizes) | set(args.site)):
        print(f"== {size} records", file=sys.stderr)
        results["sizes"].append(bench_size(size, rows, args.runs if size in args.sizes else 1, size in args.site))
        print(json.dumps(results["sizes"][-1]), file=sys.stderr)
    (OUT / "results.json").write_text(json.dumps(results, indent=1) + "\n", "utf-8")
    print(f"Machine: {results['machine']}; medians of {args.runs} runs.\n")
    keys = sorted({k for r in results["sizes"] for k in r if k not in ("stages",)}, key=lambda k: list(results["sizes"][-1]).index(k) if k in results["sizes"][-1] else 99)
    print("| " + " | ".join(["measure"] + [f"{r['records']:,} records" for r in results["sizes"]]) + " |")
    print("|" + "---|" * (len(results["sizes"]) + 1))
    for key in keys:
        print("| " + " | ".join([key] + [str(r.get(key, "")) for r in results["sizes"]]) + " |")
    stage_names = list(results["sizes"][0]["stages"])
    for name in stage_names:
        print("| " + " | ".join([f"stage: {name} (s)"] + [str(r["stages"].get(name, "")) for r in results["sizes"]]) + " |")


if __name__ == "__main__":
    main()
