"""The curated catalog: metadata the user supplies for papers, matched by phrase or arXiv id.

A phrase survives re-scrapes, reworded versions and new seed files, where a hash of the
abstract would break on any edit. See the README for the file format.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from .model import Cluster, Problem
from .text import fingerprint

ARXIV_ID = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")
MIN_PHRASE_CHARS = 16
"""A shorter phrase (after dropping spaces and punctuation) would match too many abstracts."""


@dataclass(frozen=True)
class Entry:
    """One paper described by the user."""

    match: str
    """A phrase of the abstract, or an arXiv id."""
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


@dataclass(frozen=True)
class Catalog:
    entries: tuple[Entry, ...]
    name: str = "catalog.yml"

    def assign(self, clusters: Sequence[Cluster]) -> tuple[dict[int, Entry], list[Problem]]:
        """Which entry describes which cluster (by index), and warnings for entries that
        match nothing or more than one paper."""
        texts = [" ".join(m.record.key for m in cluster.members) for cluster in clusters]
        assigned: dict[int, Entry] = {}
        problems: list[Problem] = []
        for entry in self.entries:
            key = fingerprint(entry.match)
            hits = [index for index, text in enumerate(texts) if key in text]
            if not hits:
                problems.append(Problem(self.name, entry.line, "catalog entry matches no paper", "warning", entry.match))
            elif len(hits) > 1:
                problems.append(Problem(self.name, entry.line, f"catalog entry matches {len(hits)} papers; make the phrase longer", "warning", entry.match))
            elif hits[0] in assigned:
                problems.append(Problem(self.name, entry.line, f"paper already described by the entry on line {assigned[hits[0]].line}", "warning", entry.match))
            else:
                assigned[hits[0]] = entry
        return assigned, problems


def load_catalog(path: Path) -> tuple[Catalog, list[Problem]]:
    """Read the catalog file; a missing file is an empty catalog."""
    if not path.exists():
        return Catalog((), path.name), []
    try:
        node = yaml.compose(path.read_text("utf-8"))
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return Catalog((), path.name), [Problem(path.name, 0, f"catalog not read: {error}")]
    items = data.get("papers") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return Catalog((), path.name), [Problem(path.name, 0, "catalog must be a mapping with a 'papers' list")]
    lines = _item_lines(node)
    entries, problems = [], []
    for index, item in enumerate(items):
        line = lines[index] if index < len(lines) else 0
        try:
            entries.append(_entry(item, line))
        except ValueError as error:
            problems.append(Problem(path.name, line, f"catalog entry skipped: {error}"))
    return Catalog(tuple(entries), path.name), problems


def _item_lines(node: yaml.Node | None) -> list[int]:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "papers" and isinstance(value, yaml.SequenceNode):
                return [item.start_mark.line + 1 for item in value.value]
    return []


def _entry(item: object, line: int) -> Entry:
    if not isinstance(item, dict):
        raise ValueError(f"expected a mapping, got {item!r}")
    unknown = set(item) - {"match", "title", "authors", "year", "arxiv", "doi", "url", "notes", "topics"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)!r}")
    match = str(item.get("match") or item.get("arxiv") or "").strip()
    if not match:
        raise ValueError("needs a 'match' phrase or an 'arxiv' id")
    if not ARXIV_ID.match(match) and len(fingerprint(match)) < MIN_PHRASE_CHARS:
        raise ValueError(f"match phrase too short to be distinctive: {match!r}")
    arxiv = str(item["arxiv"]) if item.get("arxiv") else None
    if arxiv and not ARXIV_ID.match(arxiv):
        raise ValueError(f"not an arXiv id: {arxiv!r}")
    authors = item.get("authors") or []
    if not isinstance(authors, list):
        raise ValueError(f"'authors' must be a list, got {authors!r}")
    topics = item.get("topics") or []
    if not isinstance(topics, list):
        raise ValueError(f"'topics' must be a list, got {topics!r}")
    year = item.get("year")
    if year is not None and not (isinstance(year, int) and 1900 < year < 2200):
        raise ValueError(f"'year' must be a year, got {year!r}")
    return Entry(
        match=match,
        line=line,
        title=_text(item.get("title")),
        authors=tuple(str(a) for a in authors),
        year=year,
        arxiv=arxiv,
        doi=_text(item.get("doi")),
        url=_text(item.get("url")),
        notes=_text(item.get("notes")),
        topics=tuple(str(t) for t in topics),
    )


def _text(value: object) -> str | None:
    return str(value).strip() or None if value is not None else None
