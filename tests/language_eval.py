"""Precision and recall of translation merges, per language, on a labelled set.

    .venv/bin/python tests/language_eval.py            # about a minute
    .venv/bin/python tests/language_eval.py --pool 300 # a quick look

The labelled set, built here deterministically:
- translations of cs.CL abstracts of ../shared/corpora: 80 Chinese (tests/data/
  translations_zh.jsonl) and 60 each in Japanese, Korean, Spanish, French and German
  (translations_{ja,ko,es,fr,de}.jsonl, written by an LLM, as the Chinese were), every
  record labelled with the arXiv id it translates;
- the English originals, except every fourth: those translations have no original in the
  list and must stay alone (they are the hard negatives: translations of papers of the same
  subfield as everything else in the list);
- a pool of --pool other English cs.CL abstracts of the corpus (default 1,500), which no
  translation may be merged with.

Every record goes through the real language identifier and the real duplicate detection.
A translation merge is a non-English record in a cluster whose canonical record is English;
it is right when they carry the same arXiv id. Precision: right merges / merges. Recall:
right merges / translations whose original is in the list.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.dedupe import cluster_duplicates  # noqa: E402
from generator.language import identify  # noqa: E402
from generator.model import Record, Source  # noqa: E402
from generator.text import clean  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"
LANGUAGES = ("zh", "ja", "ko", "es", "fr", "de")


def translations() -> dict[str, list[tuple[str, str]]]:
    return {lang: [(item["id"], item[lang]) for item in map(json.loads, (ROOT / f"tests/data/translations_{lang}.jsonl").read_text("utf-8").splitlines())]
            for lang in LANGUAGES}


def labelled_set(pool: int) -> tuple[list[Record], dict[tuple[str, int], str], dict[str, set[str]]]:
    """Records, truth ((file, line) -> arXiv id), and the ids whose original is present, by language."""
    corpus: dict[str, dict] = {}
    with gzip.open(CORPUS, "rt", encoding="utf-8") as file:
        for line in file:
            row = json.loads(line)
            corpus.setdefault(row["id"], row)
    wanted = translations()
    records: list[Record] = []
    truth: dict[tuple[str, int], str] = {}
    present: dict[str, set[str]] = {}
    originals: set[str] = set()

    def add(file: str, line: int, text: str, paper: str) -> None:
        found = identify(text)
        records.append(Record(Source(file, line, "translated"), clean(text), found.language, language_reason=found.reason))
        truth[file, line] = paper

    for lang, items in wanted.items():
        held_out = {paper for paper, _ in items[::4]}
        present[lang] = {paper for paper, _ in items if paper not in held_out}
        originals |= present[lang]
        for number, (paper, text) in enumerate(items, 1):
            add(f"translations_{lang}.txt", number, text, paper)
    for number, paper in enumerate(sorted(originals), 1):
        add("originals.txt", number, corpus[paper]["summary"], paper)
    translated = {paper for items in wanted.values() for paper, _ in items}
    others = sorted(p for p, row in corpus.items() if row["categories"][:1] == ["cs.CL"] and p not in translated)
    for number, paper in enumerate(random.Random(20261125).sample(others, min(pool, len(others))), 1):
        add("pool.txt", number, corpus[paper]["summary"], paper)
    return records, truth, present


def evaluate(pool: int) -> dict[str, object]:
    records, truth, present = labelled_set(pool)
    start = time.perf_counter()
    clusters, _ = cluster_duplicates(records)
    seconds = time.perf_counter() - start
    merges: dict[str, list[bool]] = defaultdict(list)
    wrong: dict[str, list[str]] = defaultdict(list)
    for cluster in clusters:
        canonical = cluster.canonical
        for member in cluster.members[1:]:
            record = member.record
            if record.language != "en" and canonical.language == "en":
                right = truth[record.source.file, record.source.line] == truth[canonical.source.file, canonical.source.line]
                merges[record.source.file].append(right)
                if not right:
                    wrong[record.source.file].append(f"line {record.source.line} -> {canonical.source.file}:{canonical.source.line}")
    misread = [(r.source.file, r.source.line, r.language) for r in records
               if r.source.file.startswith("translations_") and r.language != r.source.file[len("translations_"):-4]]
    report: dict[str, object] = {"records": len(records), "seconds": round(seconds, 1), "language misread": misread[:10]}
    for lang in LANGUAGES:
        file = f"translations_{lang}.txt"
        found = merges.get(file, [])
        report[lang] = {
            "translations": sum(1 for f, _ in truth if f == file),
            "with original": len(present[lang]),
            "merges": len(found),
            "precision": round(sum(found) / len(found), 4) if found else 1.0,
            "recall": round(sum(found) / len(present[lang]), 4),
            "false merges": wrong.get(file, [])[:5],
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pool", type=int, default=1500, help="other English cs.CL abstracts in the list (default 1,500)")
    print(json.dumps(evaluate(parser.parse_args().pool), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
