"""Generator plus site, cold, as `./dev site` runs them, for a list of about 10,000 papers
(issue 12's target: 30 s on this machine).

    .venv/bin/python benchmarks/full_build.py                 # 14,000 records, 3 runs (about 3 minutes)
    .venv/bin/python benchmarks/full_build.py --records 2000  # a quick look

The list: corpus records written as seed files (`benchmarks/run.py`'s writer) plus the five
real seed files (their Chinese papers make the run match translations), with the
repository's catalog, taxonomy and overrides. Each run starts with no docs folder and no
cache, runs the generator's command line, then `mkdocs build --strict` (the hosted site),
each timed as a separate process. Medians of --runs. Results: stdout as Markdown, and
benchmarks/out/full_build.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import OUT, PYTHON, ROOT, corpus, machine, records_for, run, write_seeds  # noqa: E402

sys.path.insert(0, str(ROOT))
from generator.writer import read_papers_export  # noqa: E402


def project(work: Path, records: int) -> None:
    shutil.rmtree(work, ignore_errors=True)
    write_seeds(records_for(records, corpus()), work / "seeds")
    for seed in (ROOT / "seeds").iterdir():
        shutil.copy(seed, work / "seeds" / seed.name)
    shutil.copytree(ROOT / "overrides", work / "overrides")
    (work / "generator").symlink_to(ROOT / "generator")
    shutil.copy(ROOT / "mkdocs.yml", work / "mkdocs.yml")


def one_run(work: Path) -> dict[str, float]:
    for folder in ("docs", "site", ".cache"):
        shutil.rmtree(work / folder, ignore_errors=True)
    generator, _, _ = run([PYTHON, "-m", "generator", "build", "--seeds", str(work / "seeds"), "--docs", str(work / "docs"),
                           "--catalog", str(ROOT / "catalog.yml"), "--taxonomy", str(ROOT / "taxonomy.yml"),
                           "--overrides", str(ROOT / "duplicates.yml"), "--cache", str(work / ".cache"), "--quiet"], ROOT)
    site, _, _ = run([PYTHON, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(work / "mkdocs.yml")], work)
    return {"generator": generator, "site": site, "total": generator + site}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=14_000, help="corpus records (14,000 give about 10,000 papers)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = OUT / f"full-build-{args.records}"
    project(work, args.records)
    runs = [one_run(work) for _ in range(args.runs)]
    papers = len(read_papers_export(work / "docs" / "papers.json"))
    median = {key: round(statistics.median(r[key] for r in runs), 1) for key in ("generator", "site", "total")}
    result = {"records": args.records, "papers": papers, "machine": machine(), "runs": [{k: round(v, 1) for k, v in r.items()} for r in runs], "median": median}
    (OUT / "full_build.json").write_text(json.dumps(result, indent=1) + "\n", "utf-8")
    print(f"| {papers:,} papers ({args.records:,} records) | generator {median['generator']} s | site {median['site']} s | "
          f"total {median['total']} s |  (medians of {args.runs}; {machine()})")


if __name__ == "__main__":
    main()
