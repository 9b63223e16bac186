"""Papers kept between builds: which cluster is which paper, and which catalog entry
describes it. An edit makes again the papers of the clusters it changed (`papers`), and of
the clusters whose catalog entry or slug the change moves."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..catalog import Catalog
from ..model import Cluster, Paper, Problem, evolve
from ..papers import base_slugs, distinct_slug, make_paper
from ..text import fingerprint
from ..topics import Taxonomy, assign_topics
from ..work import Work
from .tables import SetTable, Table


@dataclass(frozen=True)
class PaperChanges:
    removed: frozenset[str]
    """Slugs of the last build's papers that are gone or changed."""
    added: tuple[Paper, ...]
    """New and changed papers, by slug, with their topics (not yet their related papers)."""
    problems: tuple[Problem, ...]
    """Warnings about catalog entries, for the whole list."""


class Library:
    """Papers kept between builds: which cluster is which paper, and which catalog entries
    find which cluster (tables: see `tables`). An update makes again the papers of changed
    clusters, and of the clusters whose catalog entry or slug the change moves; the rest
    stay as they are."""

    def __init__(self) -> None:
        self.slug_of: Table[str] = Table("slug-of")
        """Cluster id -> its paper's slug."""
        self.base_of: Table[str] = Table("base-of")
        """Cluster id -> its slug before papers that share one are told apart (`_assign_slugs`)."""
        self.by_base = SetTable("by-base")
        self.hits_of: Table[tuple[frozenset[int], frozenset[int]]] = Table("hits-of")
        """Cluster id -> the catalog entries (by index) whose phrase its text holds, and those
        whose arXiv id or DOI it has (only clusters some entry finds)."""
        self.holders: tuple[dict[int, set[str]], dict[int, set[str]]] = ({}, {})
        """The same by entry: entry -> clusters by phrase, and by id."""
        self.assigned: dict[str, int] = {}
        """Cluster id -> the catalog entry that describes it."""

    def tables(self) -> list[Table[Any]]:
        return [self.slug_of, self.base_of, self.by_base, self.hits_of]

    def update(self, removed: Iterable[str], added: Mapping[str, Cluster], catalog: Catalog, taxonomy: Taxonomy,
               stored: Callable[[str], Paper], work: Work) -> PaperChanges:
        """Take out the clusters `removed` and put in those `added` (by cluster id);
        `stored(slug)` gives a paper of the last build."""
        gone: set[str] = set()
        for cluster_id in sorted(removed):
            gone.add(self.slug_of.pop(cluster_id))  # type: ignore[arg-type]
            self._unhit(cluster_id)
            self._unbase(cluster_id)
        clusters = dict(added)
        for cluster_id, hits in _hits(catalog, clusters).items():
            self._unhit(cluster_id)
            if hits[0] or hits[1]:
                self.hits_of[cluster_id] = hits
                for holders, entries in zip(self.holders, hits):
                    for entry in entries:
                        holders.setdefault(entry, set()).add(cluster_id)
        hits = {index: sorted(self.holders[0].get(index) or self.holders[1].get(index) or ()) for index in range(len(catalog.entries))}
        assigned, problems = catalog.decide(hits)
        for cluster_id in sorted(assigned.keys() | self.assigned.keys()):
            if assigned.get(cluster_id) != self.assigned.get(cluster_id) and cluster_id not in clusters:
                slug = self.slug_of.get(cluster_id)
                if slug is not None:
                    clusters[cluster_id] = stored(slug).cluster  # its catalog entry changed
        self.assigned = assigned
        order = sorted(clusters)
        made = {cluster_id: make_paper(clusters[cluster_id], catalog.entries[assigned[cluster_id]] if cluster_id in assigned else None)
                for cluster_id in order}
        touched = {base for base in (self.base_of.get(cluster_id) for cluster_id in order) if base is not None}
        for cluster_id in order:
            self._unbase(cluster_id)
        bases = base_slugs([made[cluster_id] for cluster_id in order], work)
        for cluster_id, base in zip(order, bases):
            self.base_of[cluster_id] = base
        self.by_base.add_all(zip(bases, order))
        touched.update(bases)
        # Papers that share a base slug are told apart by their canonical records (see
        # `_assign_slugs`): when a paper joins or leaves a base slug, its other papers may
        # be named again.
        renamed = {cluster_id: stored(self.slug_of[cluster_id]) for base in sorted(touched)
                   for cluster_id in sorted(self.by_base.get(base) or ()) if cluster_id not in made}
        fresh: dict[str, Paper] = {}
        for cluster_id, paper in [*made.items(), *renamed.items()]:
            base = self.base_of[cluster_id]
            slug = base if len(self.by_base[base]) == 1 else distinct_slug(base, paper)
            if cluster_id in renamed and slug == paper.slug:
                continue
            previous = self.slug_of.get(cluster_id)
            if previous is not None:
                gone.add(previous)
            self.slug_of[cluster_id] = slug
            fresh[cluster_id] = evolve(paper, slug=slug)
        result = assign_topics([fresh[cluster_id] for cluster_id in made], taxonomy, work) + [fresh[c] for c in renamed if c in fresh]
        return PaperChanges(frozenset(gone), tuple(sorted(result, key=lambda paper: paper.slug)), tuple(problems))

    @classmethod
    def of(cls, clusters: Mapping[str, Cluster], papers: Sequence[Paper], catalog: Catalog, work: Work) -> Library:
        """The library of a build from nothing: `clusters` by id, and the papers they made."""
        made = cls()
        slugs = {id(paper.cluster): paper.slug for paper in papers}
        for cluster_id, hits in _hits(catalog, clusters).items():
            if hits[0] or hits[1]:
                made.hits_of[cluster_id] = hits
                for holders, entries in zip(made.holders, hits):
                    for entry in entries:
                        holders.setdefault(entry, set()).add(cluster_id)
        hits = {index: sorted(made.holders[0].get(index) or made.holders[1].get(index) or ()) for index in range(len(catalog.entries))}
        made.assigned, _ = catalog.decide(hits)
        order = sorted(clusters)
        by_slug = {paper.slug: paper for paper in papers}
        bases = base_slugs([by_slug[slugs[id(clusters[cluster_id])]] for cluster_id in order], work)
        for cluster_id, base in zip(order, bases):
            made.slug_of[cluster_id] = slugs[id(clusters[cluster_id])]
            made.base_of[cluster_id] = base
        made.by_base.add_all(zip(bases, order))
        return made

    def _unhit(self, cluster_id: str) -> None:
        hits = self.hits_of.pop(cluster_id)
        for holders, entries in zip(self.holders, hits or ()):
            for entry in entries:
                holders[entry].discard(cluster_id)
                if not holders[entry]:
                    del holders[entry]

    def _unbase(self, cluster_id: str) -> None:
        base = self.base_of.pop(cluster_id)
        if base is not None:
            self.by_base.discard(base, cluster_id)


def _hits(catalog: Catalog, clusters: Mapping[str, Cluster]) -> dict[str, tuple[frozenset[int], frozenset[int]]]:
    """For each cluster, the catalog entries whose phrase its records hold (found by the
    clustering: `Cluster.phrases`) or that name one of its records by `source`, and those
    whose arXiv id or DOI it has."""
    ids = list(clusters)
    by_phrase: dict[str, set[int]] = {cluster_id: set() for cluster_id in ids}
    by_id: dict[str, set[int]] = {cluster_id: set() for cluster_id in ids}
    holders: dict[str, list[str]] = {}
    owners: dict[str, list[str]] = {}
    for cluster_id in ids:
        for phrase in clusters[cluster_id].phrases:
            holders.setdefault(phrase, []).append(cluster_id)
        for key in clusters[cluster_id].ids:
            owners.setdefault(key, []).append(cluster_id)
    at = catalog.sources_of(clusters)
    for index, entry in enumerate(catalog.entries):
        if entry.phrase:
            for cluster_id in holders.get(fingerprint(entry.phrase), ()):
                by_phrase[cluster_id].add(index)
        if entry.source in at:
            by_phrase[at[entry.source]].add(index)  # type: ignore[index]
        for key in entry.ids:
            for cluster_id in owners.get(key, ()):
                by_id[cluster_id].add(index)
    return {cluster_id: (frozenset(by_phrase[cluster_id]), frozenset(by_id[cluster_id])) for cluster_id in ids}
