"""Related papers kept between builds (`incremental.neighbours.Neighbours`) equal a ranking from scratch."""

from __future__ import annotations

import pickle

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import related
from generator.crosslingual import Vector
from generator.incremental import processes
from generator.incremental.cache import Cache, CachedWork
from generator.incremental.neighbours import Neighbours
from generator.work import Work


def vector(terms: list[int], counts: list[float]) -> Vector:
    ids = np.array(sorted(set(terms)), dtype=np.int64)
    weights = np.array(counts[: len(ids)] + [1.0] * (len(ids) - len(counts)), dtype=np.float32)
    return Vector(ids, weights)


documents = st.builds(vector, st.lists(st.integers(0, 60), min_size=1, max_size=40), st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), max_size=40))
slugs = st.sampled_from([f"paper-{i:03d}" for i in range(90)])
edits = st.lists(st.tuples(st.lists(slugs, max_size=4), st.dictionaries(slugs, documents, max_size=6)), min_size=1, max_size=6)


def from_scratch(papers: dict[str, Vector]) -> Neighbours:
    """What a build from nothing ranks (`related.rank_documents`), as its state keeps it."""
    return Neighbours.of(related.rank_documents(dict(papers), Work()))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(slugs, documents, min_size=2, max_size=70), edits)
def test_updates_equal_a_ranking_from_scratch(start: dict[str, Vector], changes: list[tuple[list[str], dict[str, Vector]]]):
    """A small vocabulary (61 terms) makes many terms cross powers of two and the cap, and
    many rows tie (equal vectors), so every path of an update is taken. Every other update
    starts from the state as the cache stores it (pickled)."""
    kept = from_scratch(start)
    papers = dict(start)
    for step, (removed, added) in enumerate(changes):
        if step % 2:
            kept = pickle.loads(pickle.dumps(kept))
        removed = [slug for slug in removed if slug not in added]
        changed = kept.update(removed, added, Work())
        for slug in removed:
            papers.pop(slug, None)
        papers.update(added)
        fresh = from_scratch(papers)
        assert dict(kept.lists.items()) == dict(fresh.lists.items())
        assert dict(kept.listers.items()) == dict(fresh.listers.items()) and kept.last == fresh.last
        assert kept.df == fresh.df
        assert set(kept.rows) == set(fresh.rows)
        assert all(np.array_equal(kept.rows[s].weights, fresh.rows[s].weights) for s in fresh.rows)
        assert set(added) <= changed


def test_ties_past_the_shortlist_are_ranked_by_slug():
    """30 papers with the same text all score 1.0 against each other: more than the product
    keeps per row, so the row is ranked again against every paper, and ties go by slug.
    (2,000 papers of their own words lift the cap on a term's papers past 30.)"""
    same = vector([1, 2, 3], [1.0, 1.0, 1.0])
    papers = {f"paper-{i:02d}": same for i in range(30)} | {f"other-{i}": vector([10 + i], [1.0]) for i in range(2000)}
    neighbours = from_scratch(papers)
    assert [slug for slug, _ in neighbours.lists["paper-29"]] == [f"paper-{i:02d}" for i in range(5)]
    assert [slug for slug, _ in neighbours.lists["paper-00"]] == [f"paper-{i:02d}" for i in range(1, 6)]
    assert neighbours.lists.get("other-0") == ()


def test_a_ranking_in_worker_processes_equals_one_in_this_process(monkeypatch):
    """Many rows are ranked in parts by forked workers: the same lists, to the bit, as one
    product of every row here (a pair's score does not depend on the rows beside it)."""
    rng = np.random.default_rng(7)
    papers = {f"paper-{i:04d}": vector(rng.integers(0, 400, 12).tolist(), rng.choice([0.5, 1.0, 2.0], 12).tolist()) for i in range(1500)}
    alone = related.rank_documents(dict(papers), Work()).lists
    monkeypatch.setenv(processes.WORKERS, "2")
    monkeypatch.setattr(related, "PARALLEL_ROWS", 100)
    spread = related.rank_documents(dict(papers), CachedWork(Cache(None))).lists
    assert spread == alone and sum(len(ranked) for ranked in alone.values()) > 5 * 1000
