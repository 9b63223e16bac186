"""Time duplicate detection over the whole corpus (48,956 records): median of N runs.

    .venv/bin/python benchmarks/dedupe_corpus.py [--runs 3]
"""

from __future__ import annotations

import argparse
import gzip
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.dedupe import cluster_duplicates  # noqa: E402
from generator.model import Record, Source  # noqa: E402
from generator.text import clean  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"


def corpus_records() -> list[Record]:
    with gzip.open(CORPUS, "rt", encoding="utf-8") as file:
        return [
            Record(Source(f"corpus/{row['listed']}.txt", number, "corpus"), clean(row["summary"]), "en")
            for number, row in enumerate(map(json.loads, file), start=1)
        ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    records = corpus_records()
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        clusters, _ = cluster_duplicates(records)
        times.append(time.perf_counter() - start)
    print(f"{len(records)} records -> {len(clusters)} clusters; dedupe median {statistics.median(times):.1f}s "
          f"over {args.runs} runs (min {min(times):.1f}s, max {max(times):.1f}s) on {platform.machine()}, "
          f"{platform.python_implementation()} {platform.python_version()}")


if __name__ == "__main__":
    main()
