"""How good related papers are, with the weights an edit can update (`related.idf`: counts
rounded to powers of two) against exact TF-IDF counts:

    .venv/bin/python benchmarks/related_quality.py            # the 48,956 corpus records, 2 minutes
    .venv/bin/python benchmarks/related_quality.py --records 10000

For the corpus' papers it reports the share of related papers the two rankings share, and
for each ranking two signals the corpus gives and the ranking does not see: the share of
related papers whose first arXiv category is the paper's, and the share with an author in
common. Papers come from a cold build of the records as seed files (`run.py`), cached in
benchmarks/out/.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from run import ROOT, corpus, records_for, write_seeds  # noqa: E402

from generator import cache, related  # noqa: E402
from generator.build import read_seeds  # noqa: E402
from generator.catalog import load_catalog  # noqa: E402
from generator.dedupe import cluster_duplicates  # noqa: E402
from generator.overrides import load_overrides  # noqa: E402
from generator.papers import make_papers  # noqa: E402


def exact_idf(df: np.ndarray, size: int) -> np.ndarray:
    return np.log((size + 1) / (np.asarray(df, dtype=float) + 1.0)) + 1.0


def ranking(papers: list, exact: bool) -> dict[str, list[str]]:
    patches = [mock.patch.object(related, "idf", exact_idf), mock.patch.object(related, "size_of", lambda n: n)] if exact else []
    for patch in patches:
        patch.start()
    try:
        neighbours = related.Neighbours()
        neighbours.update((), dict(zip((p.slug for p in papers), related.documents(papers))))
        return {slug: [other for other, _ in ranked] for slug, ranked in neighbours.lists.items()}
    finally:
        for patch in patches:
            patch.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=48956)
    args = parser.parse_args()
    rows = corpus()[: args.records]
    with tempfile.TemporaryDirectory() as folder:
        seeds = Path(folder) / "seeds"
        write_seeds(records_for(args.records, rows), seeds)
        cache.use(cache.Cache(None))
        records, _, _ = read_seeds(seeds)
        catalog = load_catalog(ROOT / "catalog.yml")
        clusters, _ = cluster_duplicates(records, load_overrides(ROOT / "duplicates.yml"), catalog.pins())
        papers = make_papers(clusters, catalog.assign(clusters)[0])
    by_text = {" ".join(row["summary"].split()): row for row in rows}
    source = {p.slug: by_text.get(p.abstract) for p in papers}
    rounded, exact = ranking(papers, exact=False), ranking(papers, exact=True)

    def signals(lists: dict[str, list[str]]) -> tuple[float, float]:
        same_category = same_author = total = 0
        for slug, others in lists.items():
            mine = source[slug]
            for other in others:
                theirs = source[other]
                if mine is None or theirs is None:
                    continue
                total += 1
                same_category += bool(mine["categories"][:1] and mine["categories"][:1] == theirs["categories"][:1])
                same_author += bool(set(mine["authors"]) & set(theirs["authors"]))
        return same_category / max(total, 1), same_author / max(total, 1)

    shared = sum(len(set(rounded[s]) & set(exact[s])) for s in exact) / max(sum(len(v) for v in exact.values()), 1)
    result = {"papers": len(papers), "related papers shared": round(shared, 3)}
    for name, lists in (("rounded counts", rounded), ("exact counts", exact)):
        category, author = signals(lists)
        result[f"{name}: same first category"] = round(category, 4)
        result[f"{name}: an author in common"] = round(author, 4)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
