"""Precision and recall of duplicate detection, per kind, on a labelled set.

    .venv/bin/python tests/dedupe_eval.py            # full corpus (about a minute)
    .venv/bin/python tests/dedupe_eval.py --limit 5000

The labelled set is built here, deterministically, from
- the seed files, with the true partition in tests/data/seed_papers.yml;
- ../shared/corpora/arxiv-listings-2025.jsonl.gz: a record per listing; the same arXiv id
  on several days is one paper (exact duplicates, and the real v1/v2 edits as reworded);
  different ids are different papers, the hard negatives, except that an identical
  abstract under two ids counts as one paper (no text-based method could split them);
- synthetic reworded versions of corpus abstracts: a sentence changed, added or dropped,
  typos, or several of these at once (`rewordings`), labelled with their source's id;
- 80 Chinese translations of cs.CL abstracts (tests/data/translations_zh.jsonl); for every
  fourth one the English original is left out, so it must stay alone.

A pair of records in one predicted cluster is counted under the kind it would have:
`exact` (same fingerprint), `translation` (different languages) or `reworded`.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "data" / "demo"
"""The demo list (seeds and curated files) the tests use, whatever list the repository holds."""
sys.path.insert(0, str(ROOT))

from generator.build import read_seeds  # noqa: E402
from generator.dedupe import cluster_duplicates  # noqa: E402
from generator.model import Record, Source  # noqa: E402
from generator.text import clean, fingerprint  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"
KINDS = ("exact", "reworded", "translation")
FILLER = [
    "Code and data are publicly available.",
    "We release our implementation to facilitate future research.",
    "Extensive experiments on several benchmarks confirm these findings.",
    "Our results highlight the importance of careful evaluation.",
    "This work has been accepted for publication.",
]


@dataclass(frozen=True)
class Labelled:
    record: Record
    paper: str
    """Ground-truth paper id."""
    note: str = ""


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text) if s]


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def reword(text: str, how: str, rng: random.Random) -> str:
    """A realistic edit of an abstract, as between two versions or two scrapes."""
    parts = sentences(text)
    if how == "sentence-changed" and len(parts) > 1:
        i = rng.randrange(len(parts))
        words = parts[i].split()
        for _ in range(max(2, len(words) // 4)):
            j = rng.randrange(len(words))
            words[j] = rng.choice(["novel", "robust", "simple", "effective", "new", "key", "strong", "our"])
        parts[i] = " ".join(words)
    elif how == "sentence-dropped" and len(parts) > 2:
        parts.pop(rng.randrange(1, len(parts)))
    elif how == "sentence-added":
        parts.insert(rng.randrange(1, len(parts) + 1), rng.choice(FILLER))
    elif how == "typos":
        words = " ".join(parts).split()
        for _ in range(5):
            j = rng.randrange(len(words))
            words[j] = typo(words[j], rng)
        return " ".join(words)
    elif how == "new-version":
        return reword(reword(reword(text, "sentence-changed", rng), "typos", rng), "sentence-added", rng)
    return " ".join(parts)


REWORDINGS = ("sentence-changed", "sentence-dropped", "sentence-added", "typos", "new-version")


def labelled_set(limit: int | None, variants: int) -> list[Labelled]:
    items: list[Labelled] = []
    labels = yaml.safe_load((ROOT / "tests/data/seed_papers.yml").read_text("utf-8"))
    paper_of = {where: f"seed:{paper}" for paper, places in labels.items() for where in places}
    records, _, _ = read_seeds(DEMO / "seeds")
    for record in records:
        items.append(Labelled(record, paper_of[f"{record.source.file[:3]}:{record.source.line}"]))

    translations = [json.loads(line) for line in (ROOT / "tests/data/translations_zh.jsonl").read_text("utf-8").splitlines()]
    held_out = {t["id"] for t in translations[::4]}
    rows = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as file:
        for number, line in enumerate(file, start=1):
            row = json.loads(line)
            rows.append((number, row))
    wanted = {t["id"] for t in translations}
    if limit:
        rows = [r for r in rows[:limit]] + [r for r in rows[limit:] if r[1]["id"] in wanted]
    first_text: dict[str, str] = {}
    for number, row in rows:
        if row["id"] in held_out:
            continue
        abstract = clean(row["summary"])
        first_text.setdefault(row["id"], abstract)
        record = Record(Source(f"corpus/{row['listed']}.jsonl", number, "corpus"), abstract, "en")
        items.append(Labelled(record, f"arxiv:{row['id']}"))

    rng = random.Random(20251123)
    ids = sorted(first_text)
    for n, paper in enumerate(sorted(rng.sample(ids, min(variants, len(ids))))):
        how = REWORDINGS[n % len(REWORDINGS)]
        text = reword(first_text[paper], how, rng)
        record = Record(Source("synthetic/reworded.txt", n + 1, "synthetic"), text, "en")
        items.append(Labelled(record, f"arxiv:{paper}", how))

    for n, item in enumerate(translations):
        record = Record(Source("synthetic/translations_zh.txt", n + 1, "translated"), item["zh"], "zh")
        items.append(Labelled(record, f"arxiv:{item['id']}", "held-out" if item["id"] in held_out else "original present"))
    return _merge_identical_text(items)


def _merge_identical_text(items: list[Labelled]) -> list[Labelled]:
    """Identical abstracts under different ids are one paper (3 pairs in the corpus)."""
    paper_of_text: dict[str, str] = {}
    alias: dict[str, str] = {}
    for item in items:
        key = fingerprint(item.record.abstract)
        first = paper_of_text.setdefault(key, item.paper)
        if first != item.paper:
            alias[item.paper] = first
    def root(paper: str) -> str:
        while paper in alias:
            paper = alias[paper]
        return paper
    return [Labelled(i.record, root(i.paper), i.note) for i in items]


def kind(a: Record, b: Record) -> str:
    if a.language != b.language:
        return "translation"
    return "exact" if fingerprint(a.abstract) == fingerprint(b.abstract) else "reworded"


def pairs(groups: Iterable[list[int]], items: list[Labelled]) -> dict[str, set[tuple[int, int]]]:
    out: dict[str, set[tuple[int, int]]] = {k: set() for k in KINDS}
    for group in groups:
        for a, b in combinations(sorted(group), 2):
            out[kind(items[a].record, items[b].record)].add((a, b))
    return out


def evaluate(items: list[Labelled]) -> dict[str, object]:
    start = time.perf_counter()
    clusters, _ = cluster_duplicates([item.record for item in items])
    seconds = time.perf_counter() - start
    index = {id(item.record): n for n, item in enumerate(items)}
    predicted_groups = [[index[id(m.record)] for m in cluster.members] for cluster in clusters]
    truth: dict[str, list[int]] = defaultdict(list)
    for n, item in enumerate(items):
        truth[item.paper].append(n)
    predicted, expected = pairs(predicted_groups, items), pairs(truth.values(), items)
    report: dict[str, object] = {"records": len(items), "clusters": len(clusters), "papers": len(truth), "seconds": round(seconds, 1)}
    for k in KINDS:
        hits = len(predicted[k] & expected[k])
        report[k] = {
            "true pairs": len(expected[k]),
            "found pairs": len(predicted[k]),
            "precision": round(hits / len(predicted[k]), 4) if predicted[k] else 1.0,
            "recall": round(hits / len(expected[k]), 4) if expected[k] else 1.0,
            "false merges": [
                (items[a].record.source.file, items[a].record.source.line, items[b].record.source.file, items[b].record.source.line)
                for a, b in sorted(predicted[k] - expected[k])[:10]
            ],
        }
    missed = defaultdict(int)
    for a, b in expected["reworded"] - predicted["reworded"]:
        missed[items[a].note or items[b].note or "real edit"] += 1
    report["missed reworded, by edit"] = dict(sorted(missed.items()))
    seeds_ok = _seed_partition_ok(items, predicted_groups)
    report["seed partition exact"] = seeds_ok
    return report


def _seed_partition_ok(items: list[Labelled], groups: list[list[int]]) -> bool:
    seed = {n for n, item in enumerate(items) if item.paper.startswith("seed:")}
    got = sorted(sorted(n for n in g if n in seed) for g in groups if any(n in seed for n in g))
    truth: dict[str, list[int]] = defaultdict(list)
    for n in sorted(seed):
        truth[items[n].paper].append(n)
    return got == sorted(truth.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="use only the first N corpus records")
    parser.add_argument("--variants", type=int, default=1000, help="synthetic reworded versions (default 1000)")
    args = parser.parse_args()
    report = evaluate(labelled_set(args.limit, args.variants))
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
