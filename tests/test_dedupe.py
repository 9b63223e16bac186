"""Duplicate detection: the seeds' known duplicates, order independence, chains, overrides."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import read_seeds
from generator.dedupe import cluster_duplicates, jaccard
from generator.shingles import Shingler
from generator.model import Record, Source
from generator.overrides import load_overrides
from generator.text import fingerprint
from support import ROOT, SEEDS

RECORDS, _, _ = read_seeds(SEEDS)


def partition(clusters) -> list[list[str]]:
    return sorted(sorted(f"{m.record.source.file[:3]}:{m.record.source.line}" for m in c.members) for c in clusters)


@given(st.text(st.characters(max_codepoint=127)))
def test_an_ascii_texts_fingerprint_and_words_are_those_of_the_unicode_rules(text):
    """ASCII texts take a faster path (byte translation tables) to their fingerprint and
    shingle words; it must give what the regular expressions give every other text."""
    assert fingerprint(text) == re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())
    assert Shingler().tokens(text) == re.findall(r"\w+", text.casefold())


def test_seed_duplicates_are_merged_and_nothing_else():
    truth = yaml.safe_load((ROOT / "tests/data/seed_papers.yml").read_text("utf-8"))
    clusters, problems = cluster_duplicates(RECORDS)
    assert partition(clusters) == sorted(sorted(places) for places in truth.values())
    assert problems == []


def test_kinds_and_scores_of_the_seed_duplicates():
    clusters, _ = cluster_duplicates(RECORDS)
    kinds = {f"{m.record.source.file[:3]}:{m.record.source.line}": (m.kind, m.score) for c in clusters for m in c.members}
    assert kinds["004:7"][0] == "translation" and kinds["004:9"][0] == "translation"
    assert kinds["004:7"][1] >= 0.7
    assert {kinds["001:7"][0], kinds["004:5"][0]} == {"canonical", "reworded"}
    assert kinds["001:1"] == ("exact", 1.0)
    know = next(c for c in clusters if any(m.record.title for m in c.members) and "P(IK)" in c.canonical.abstract)
    assert know.canonical.source.file.startswith("003")  # the listing record has title, authors, date


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.permutations(RECORDS))
def test_clusters_do_not_depend_on_record_order(shuffled):
    expected, _ = cluster_duplicates(RECORDS)
    got, _ = cluster_duplicates(shuffled)
    assert [[(m.record.source, m.kind, m.score) for m in c.members] for c in got] == \
           [[(m.record.source, m.kind, m.score) for m in c.members] for c in expected]


def test_clustering_is_idempotent():
    clusters, _ = cluster_duplicates(RECORDS)
    again, _ = cluster_duplicates([c.canonical for c in clusters])
    assert len(again) == len(clusters) and all(len(c.members) == 1 for c in again)


def _record(line: int, text: str) -> Record:
    return Record(Source("chain.txt", line, "abstract-lines"), text, "en")


def test_a_chain_of_weak_links_does_not_merge_unlike_abstracts():
    rng = random.Random(3)
    vocabulary = [f"word{i}" for i in range(5000)]
    p, s, t = (" ".join(rng.choice(vocabulary) for _ in range(n)) for n in (56, 56, 40))
    q, r = (" ".join(rng.choice(vocabulary) for _ in range(64)) for _ in range(2))
    a, b, c = _record(1, f"{p} {q} {r}"), _record(2, f"{q} {r} {s}"), _record(3, f"{r} {s} {t}")
    shingler = Shingler()
    ab = jaccard(shingler.shingles(a.abstract), shingler.shingles(b.abstract))[0]
    bc = jaccard(shingler.shingles(b.abstract), shingler.shingles(c.abstract))[0]
    ac = jaccard(shingler.shingles(a.abstract), shingler.shingles(c.abstract))[0]
    assert ab >= 0.5 and bc >= 0.5 and ac < 0.3  # B is like A and like C; A is not like C
    clusters, _ = cluster_duplicates([a, b, c])
    assert sorted(len(cluster.members) for cluster in clusters) == [1, 2]


def test_overrides_force_together_and_apart(tmp_path: Path):
    path = tmp_path / "duplicates.yml"
    path.write_text(
        "same:\n"
        '  - ["Humans are capable of strategically deceptive behavior", "We identify empirical scaling laws for the cross-entropy loss"]\n'
        "different:\n"
        '  - ["supervising systems that potentially outperform us on most skills", "how to turn it into one that can be productively studied"]\n',
        "utf-8",
    )
    overrides = load_overrides(path)
    clusters, warnings = cluster_duplicates(RECORDS, overrides)
    assert warnings == []
    places = partition(clusters)
    assert ["000:1", "000:4", "001:1"] in places
    assert ["001:7"] in places and ["004:5"] in places
    forced = next(c for c in clusters if len(c.members) == 3 and any(m.kind == "forced" for m in c.members))
    assert "duplicates.yml line 2" in next(m.reason for m in forced.members if m.kind == "forced")


def test_override_phrase_that_matches_nothing_is_a_warning(tmp_path: Path):
    path = tmp_path / "duplicates.yml"
    path.write_text('same:\n  - ["this phrase is in no abstract at all", "Humans are capable of strategically deceptive"]\n', "utf-8")
    overrides = load_overrides(path)
    _, warnings = cluster_duplicates(RECORDS, overrides)
    assert [(w.line, w.severity) for w in warnings] == [(2, "warning")]


CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"


@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/corpora")
def test_evaluation_meets_the_precision_and_recall_targets():
    """A slice of the labelled set (the full one is in the README): 0.95 recall at 0.98
    precision for reworded and translated duplicates."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "tests/dedupe_eval.py"), "--limit", "4000", "--variants", "300"],
        capture_output=True, text=True, check=True,
    )
    report = json.loads(result.stdout)
    for kind in ("reworded", "translation"):
        assert report[kind]["true pairs"] > 50, report[kind]
        assert report[kind]["precision"] >= 0.98, report[kind]
        assert report[kind]["recall"] >= 0.95, report[kind]
    assert report["exact"]["recall"] == 1.0
    assert report["seed partition exact"] is True


def test_reworded_abstracts_under_different_titles_stay_apart():
    base = RECORDS[0].abstract
    edited = base.replace("Humans are capable", "People are capable")
    same = [Record(Source("t.txt", n, "listing"), text, "en", title="Sleeper Agents") for n, text in ((1, base), (2, edited))]
    assert len(cluster_duplicates(same)[0]) == 1
    other = [same[0], Record(Source("t.txt", 2, "listing"), edited, "en", title="A Journal Extension With New Results")]
    assert len(cluster_duplicates(other)[0]) == 2
