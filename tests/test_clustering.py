"""Clusters kept between builds (`incremental.clustering.Clustering`) equal clusters made from scratch."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import dedupe
from generator.build import read_seeds
from generator.catalog import load_catalog
from generator.dedupe import cluster, cluster_duplicates, record_order
from generator.incremental import clustering as clustering_module
from generator.incremental.clustering import Clustering
from generator.model import Record, Source
from generator.overrides import load_overrides
from support import DEMO, SEEDS, memory_work

RECORDS, _, _ = read_seeds(SEEDS)
OVERRIDES = load_overrides(DEMO / "duplicates.yml")
PINS = tuple(load_catalog(DEMO / "catalog.yml").pins())
EDITS = ("drop", "copy", "reword", "versions", "id", "title", "retitle", "phrase", "delete", "restore", "move")
PHRASES = [entry.match for entry in load_catalog(DEMO / "catalog.yml").entries if entry.phrase]
WORK = memory_work()


def start() -> dict[str, list[Record]]:
    files: dict[str, list[Record]] = {}
    for record in RECORDS:
        files.setdefault(record.source.file, []).append(record)
    return files


def placed(name: str, records: list[Record]) -> list[Record]:
    """The records as a seed file `name` would hold them, one a line."""
    return [replace(record, source=Source(name, line, record.source.format)) for line, record in enumerate(records, 1)]


def edit(files: dict[str, list[Record]], kind: str, rng: random.Random, gone: dict[str, list[Record]]) -> dict[str, list[Record]]:
    files = dict(files)
    every = [record for records in files.values() for record in records]
    name = rng.choice(sorted(files) + ["new.txt"])
    records = list(files.get(name, []))
    other = rng.choice(every) if every else RECORDS[0]
    if kind == "drop" and records:
        records.pop(rng.randrange(len(records)))
    elif kind == "copy":
        records.append(other)
    elif kind in ("reword", "versions") and other.abstract:
        for n in range(1 if kind == "reword" else 3):  # versions: one in each of three files
            words = other.abstract.split()
            words[rng.randrange(len(words))] = rng.choice(["novel", "robust", "surprising", "new"])
            if n:
                files[name] = placed(name, records)
                name = f"version-{n}.txt"
                records = list(files.get(name, []))
            records.append(replace(other, abstract=" ".join(words)))
    elif kind == "id":
        arxiv = rng.choice([r.arxiv for r in every if r.arxiv] or ["2401.05566"])
        records.append(Record(Source(name, 0, "bibtex"), "", "en", title=other.title or "A title of three words", arxiv=arxiv))
    elif kind == "title" and other.title:
        records.append(Record(Source(name, 0, "bibtex"), "", "en", title=other.title, authors=other.authors or ("A. Author",)))
    elif kind == "retitle":  # another paper under the same title
        titled = rng.choice([r for r in every if r.title] or [RECORDS[0]])
        records.append(replace(other, title=titled.title or "A title of three words", authors=titled.authors))
    elif kind == "phrase":  # another paper that quotes a catalog phrase
        records.append(Record(Source(name, 0, "abstract-lines"), f"We revisit an old claim. {rng.choice(PHRASES)}. Our results differ in scope.", "en"))
    elif kind == "delete" and name in files:
        gone[name] = files.pop(name)
        return files
    elif kind == "restore" and gone:
        back = rng.choice(sorted(gone))
        files[back] = gone.pop(back)
        return files
    elif kind == "move" and records:
        records.insert(0, records.pop())
    files[name] = placed(name, records)
    return files


def load(files: dict[str, list[Record]]):  # type: ignore[no-untyped-def]
    return lambda refs: [files[name][index] for name, index in refs]


def refs(files: dict[str, list[Record]], names: set[str]) -> list[tuple[tuple[str, int], Record]]:
    return [((name, index), record) for name in sorted(names & files.keys()) for index, record in enumerate(files[name])]


def from_nothing(files: dict[str, list[Record]]) -> tuple[Clustering, dict[str, object]]:
    """The clustering a build from nothing keeps (`Clustering.of`), and its clusters by id."""
    records = [record for records in files.values() for record in records]
    where = {id(record): ref for ref, record in refs(files, set(files))}
    return Clustering.of(cluster(records, OVERRIDES, PINS, (), WORK), where, OVERRIDES, PINS, (), WORK)


@pytest.mark.parametrize("bucket", [200, 2], ids=["buckets of 200", "buckets of 2 (many cross)"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(EDITS), min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_updates_equal_clustering_from_scratch(monkeypatch: pytest.MonkeyPatch, bucket: int, edits: list[str], rng: random.Random):
    """Edits of every kind that moves a record between clusters; with LSH and title buckets
    of at most 2 groups, buckets cross the limit all the time."""
    monkeypatch.setattr(dedupe, "MAX_BUCKET", bucket)
    monkeypatch.setattr(clustering_module, "MAX_BUCKET", bucket)
    files = start()
    clustering, current = from_nothing(files)
    gone: dict[str, list[Record]] = {}
    for kind in edits:
        after = edit(files, kind, rng, gone)
        changed = {name for name in files.keys() | after.keys() if files.get(name) != after.get(name)}
        changes = clustering.update(changed, refs(after, changed), load(after), WORK)
        assert changes is not None
        files = after
        for cluster_id in changes.removed:
            del current[cluster_id]
        current.update(changes.added)
        expected, problems = cluster_duplicates([record for records in files.values() for record in records], OVERRIDES, PINS, WORK)
        assert sorted(current.values(), key=lambda c: record_order(c.canonical)) == expected, kind
        assert sorted(changes.problems, key=str) == sorted(problems, key=str)
        assert sorted(current) == sorted(clustering.final)
        assert clustering.clusters(load(files), WORK) == [current[cluster_id] for cluster_id in sorted(current)]


def test_a_bucket_that_shrinks_to_the_limit_links_the_groups_left_in_it(monkeypatch: pytest.MonkeyPatch):
    """Seven versions of one abstract (a word changed in each) share most LSH buckets; with
    buckets of at most 2 groups, few of their pairs are candidates. Removing five of them
    (another file) leaves two that share most buckets, now of 2: they are clustered again
    though neither changed."""
    monkeypatch.setattr(dedupe, "MAX_BUCKET", 2)
    monkeypatch.setattr(clustering_module, "MAX_BUCKET", 2)
    words = RECORDS[0].abstract.split()
    versions = [" ".join(words[:n] + ["changed"] + words[n + 1:]) for n in range(0, 70, 10)]
    files = {name: placed(name, [replace(RECORDS[0], abstract=v) for v in part])
             for name, part in (("0.txt", versions[:1]), ("1.txt", versions[1:2]), ("2.txt", versions[2:]))}
    kept = Clustering()
    kept.update(set(), refs(files, set(files)), load(files), WORK)  # an update from nothing, too
    before, _ = cluster_duplicates([record for records in files.values() for record in records], work=WORK)
    del files["2.txt"]
    changes = kept.update({"2.txt"}, [], load(files), WORK)
    after, _ = cluster_duplicates([record for records in files.values() for record in records], work=WORK)
    assert len(before) > 2 and len(after) == 1  # the case this test is about
    assert kept.clusters(load(files), WORK) == after
    assert changes is not None and len(changes.added) == 1


def test_a_large_change_leaves_the_clustering_as_it_was(monkeypatch: pytest.MonkeyPatch):
    """An update that would make or take out more than its limit of the groups does nothing
    and says so: the build starts from nothing instead. (Below SMALL_CHANGE groups an
    update always goes ahead: the demo list is far smaller.)"""
    from generator.incremental import clustering

    monkeypatch.setattr(clustering, "SMALL_CHANGE", 0)
    files = start()
    kept, clusters = from_nothing(files)
    grown = {**files, "new.txt": placed("new.txt", [replace(r, abstract=r.abstract + " Again.") for r in RECORDS if r.abstract])}
    assert kept.update({"new.txt"}, refs(grown, {"new.txt"}), load(grown), WORK, limit=0.1) is None
    assert kept.clusters(load(files), WORK) == [clusters[cluster_id] for cluster_id in sorted(clusters)]
    monkeypatch.setattr(clustering, "SMALL_CHANGE", 100)
    assert kept.update({"new.txt"}, refs(grown, {"new.txt"}), load(grown), WORK, limit=0.1) is not None
