"""The curated catalog: metadata the user supplies for papers, found by phrase, arXiv id, DOI or source line.

A phrase survives re-scrapes, reworded versions and new seed files, where a hash of the
abstract would break on any edit. See the README for the file format.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from . import arxiv, curated
from .model import Cluster, Problem
from .text import PhraseIndex, fingerprint

ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
T = TypeVar("T")
MIN_PHRASE_CHARS = 16
"""A shorter phrase (after dropping spaces and punctuation) would match too many abstracts."""


@dataclass(frozen=True)
class Entry:
    """One paper described by the user."""

    match: str
    """How the entry is shown in messages: its phrase, else its arXiv id or DOI."""
    line: int
    """Line of the entry in the catalog file, for messages."""
    title: str | None = None
    authors: tuple[str, ...] = ()
    year: int | None = None
    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None
    notes: str | None = None
    topics: tuple[str, ...] = ()
    topic_lines: tuple[int, ...] = ()
    """Line of each topic slug, for warnings about unknown topics."""
    phrase: str | None = None
    """The `match` phrase, when the entry has one (an arXiv id given as `match` is not)."""
    source: str | None = None
    """`file:line` of a record of the paper (`source:`): for a paper no phrase can single
    out, such as one whose abstract another paper's contains whole."""

    @property
    def ids(self) -> frozenset[str]:
        """The identity keys this entry gives its paper (see `Record.ids`)."""
        keys = [f"arxiv:{arxiv.arxiv_id(self.arxiv)[0]}"] if self.arxiv and arxiv.arxiv_id(self.arxiv) else []  # type: ignore[index]
        return frozenset(keys + ([f"doi:{self.doi.lower()}"] if self.doi else []))


@dataclass(frozen=True)
class Catalog:
    entries: tuple[Entry, ...]
    name: str = "catalog.yml"

    def pins(self) -> list[tuple[str, frozenset[str], str]]:
        """(phrase fingerprint, ids, where) for entries that give ids to a paper they find
        by phrase: records carrying those ids join that paper (see `dedupe.pin_ids`)."""
        return [(fingerprint(e.phrase), e.ids, f"{self.name} line {e.line}") for e in self.entries if e.phrase and e.ids]

    def phrases(self) -> frozenset[str]:
        """The fingerprints of the entries' phrases: the clustering finds them in each group's
        text once (`Group.phrases`), and entries find their papers by them (`papers._hits`)."""
        return frozenset(fingerprint(e.phrase) for e in self.entries if e.phrase)

    def assign(self, clusters: Sequence[Cluster]) -> tuple[dict[int, Entry], list[Problem]]:
        """Which entry describes which cluster (by index), and warnings for entries that
        match nothing or more than one paper. An entry finds its paper by phrase, or by an
        arXiv id or DOI that any record of the paper (or the catalog itself) gives it."""
        texts = PhraseIndex([" ".join(m.record.key for m in cluster.members) for cluster in clusters])
        owners: dict[str, list[int]] = {}
        for index, cluster in enumerate(clusters):
            for key in cluster.ids:
                owners.setdefault(key, []).append(index)
        at = self.sources_of(clusters)
        hits: dict[int, list[int]] = {}
        for number, entry in enumerate(self.entries):
            key = fingerprint(entry.phrase) if entry.phrase else None
            by_text = (texts.holders(key) if key else []) or ([at[entry.source]] if entry.source in at else [])
            hits[number] = by_text or sorted({index for id_key in entry.ids for index in owners.get(id_key, [])})
        assigned, problems = self.decide(hits)
        return {cluster: self.entries[number] for cluster, number in assigned.items()}, problems

    def sources_of(self, clusters: Mapping[T, Cluster] | Sequence[Cluster]) -> dict[str, T]:
        """The cluster (by key or index) of each record an entry names by `source`."""
        wanted = {entry.source for entry in self.entries if entry.source}
        if not wanted:
            return {}
        pairs = clusters.items() if isinstance(clusters, Mapping) else enumerate(clusters)
        return {where: key for key, cluster in pairs for member in cluster.members  # type: ignore[misc]
                if (where := f"{member.record.source.file}:{member.record.source.line}") in wanted}

    def decide(self, hits: Mapping[int, Sequence[T]]) -> tuple[dict[T, int], list[Problem]]:
        """Which entry (by index) describes which paper, given the papers each entry finds
        (`hits`, by entry index): an entry that finds one paper not yet described describes
        it; an entry that finds none, several, or one already described is a warning."""
        assigned: dict[T, int] = {}
        problems: list[Problem] = []
        for number, entry in enumerate(self.entries):
            found = hits.get(number, ())
            if not found:
                problems.append(Problem(self.name, entry.line, "catalog entry matches no paper", "warning", entry.match, curated=True))
            elif len(found) > 1:
                problems.append(Problem(self.name, entry.line, f"catalog entry matches {len(found)} papers; make the phrase longer", "warning", entry.match, curated=True))
            elif found[0] in assigned:
                problems.append(Problem(self.name, entry.line, f"paper already described by the entry on line {self.entries[assigned[found[0]]].line}", "warning", entry.match, curated=True))
            else:
                assigned[found[0]] = number
        return assigned, problems

    def check_topics(self, known: list[str]) -> list[Problem]:
        """Warnings for pinned topics the taxonomy does not have, with the closest slug."""
        problems = []
        for entry in self.entries:
            for topic, line in zip(entry.topics, entry.topic_lines):
                if topic not in known:
                    problems.append(Problem(self.name, line, f"unknown topic {topic!r}{curated.suggest(topic, known)}", "warning", entry.match, curated=True))
        return problems


def load_catalog(path: Path) -> Catalog:
    """Read and validate the catalog file; a missing file is an empty catalog. Raises
    CuratedFileError for anything that cannot be used as written."""
    document = curated.load(path, "catalog")
    entries, issues = [], []
    id_lines: dict[tuple[str, str], int] = {}
    for index, item in enumerate(document.data.get("papers") or []):
        at = ("papers", index)
        arxiv_given = item.get("arxiv")
        match = (item.get("match") or arxiv_given or item.get("doi") or item.get("source") or "").strip()
        if "match" in item and ARXIV_ID.match(match) and not arxiv_given:
            arxiv_given = match  # `match: 2401.05566` is an arXiv id
        if "match" in item and not ARXIV_ID.match(match) and len(fingerprint(match)) < MIN_PHRASE_CHARS:
            issues.append(document.issue((*at, "match"), f"match phrase too short to be distinctive ({len(fingerprint(match))} letters, at least {MIN_PHRASE_CHARS}): {match!r}"))
        for field in ("arxiv", "doi"):
            value = item.get(field)
            if value and (field, value.lower()) in id_lines:
                issues.append(document.issue((*at, field), f"{field} {value} is already given to the entry on line {id_lines[field, value.lower()]}"))
            elif value:
                id_lines[field, value.lower()] = document.line(at)
        topics = tuple(item.get("topics") or ())
        entries.append(Entry(
            match=match,
            line=document.line(at),
            title=item.get("title"),
            authors=tuple(item.get("authors") or ()),
            year=int(item["year"]) if item.get("year") else None,
            arxiv=arxiv_given,
            doi=item.get("doi"),
            url=item.get("url"),
            notes=item.get("notes"),
            topics=topics,
            topic_lines=tuple(document.line((*at, "topics", i)) for i in range(len(topics))),
            phrase=item["match"] if "match" in item and not ARXIV_ID.match(item["match"]) else None,
            source=item.get("source"),
        ))
    if issues:
        raise curated.CuratedFileError(document.name, issues)
    return Catalog(tuple(entries), document.name)
