"""Moved papers: when a paper's URL changes, its old URL keeps working as a redirect.

A slug changes only when the paper itself changes (a curated title, a newly known arXiv
id). The previous build's papers (its papers.json) say what each old slug was; the paper
that now holds the most of its identity keys (abstract fingerprints, arXiv id, DOI) is where
it moved. Redirects accumulate in the manifest, so a page that moved twice still leads to
its current URL, and an old URL that a paper takes again becomes a real page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from .model import Paper
from .text import fingerprint


def paper_keys(paper: Paper) -> set[str]:
    """The identity keys of a current paper."""
    keys = {member.record.key for member in paper.cluster.members if member.record.key} | set(paper.cluster.ids)
    keys |= {f"arxiv:{re.sub(r'v[0-9]+$', '', paper.arxiv)}"} if paper.arxiv else set()
    return keys | ({f"doi:{paper.doi.lower()}"} if paper.doi else set())


def exported_keys(record: Mapping[str, object]) -> set[str]:
    """The identity keys of a paper as papers.json exported it."""
    texts = [str(record.get("abstract") or "")] + [str(s.get("abstract", "")) for s in record.get("sources", []) if isinstance(s, dict)]  # type: ignore[union-attr]
    keys = {fingerprint(text) for text in texts}
    keys.discard("")
    if record.get("arxiv"):
        keys.add(f"arxiv:{re.sub(r'v[0-9]+$', '', str(record['arxiv']))}")
    if record.get("doi"):
        keys.add(f"doi:{str(record['doi']).lower()}")
    return keys


def find_moves(
    vanished: Iterable[tuple[str, set[str]]], owners: Mapping[str, Iterable[str]], current: set[str], moved: Mapping[str, str]
) -> dict[str, str]:
    """old slug -> current slug, for the slugs of the last build that no paper has now
    (`vanished`, with their keys) and the redirects kept from earlier builds (`moved`).
    `owners`: the current papers (slugs) that hold each key; `current`: every current slug."""
    successor: dict[str, str] = {}
    for slug, keys in vanished:
        votes: dict[str, int] = {}
        for key in keys:
            for candidate in owners.get(key, ()):
                votes[candidate] = votes.get(candidate, 0) + 1
        if votes:
            successor[slug] = min(votes, key=lambda candidate: (-votes[candidate], candidate))
    result = {}
    for old, target in {**moved, **successor}.items():
        if target not in current:
            target = successor.get(target, target)
        if old not in current and target in current:
            result[old] = target
    return dict(sorted(result.items()))


@dataclass(frozen=True)
class Previous:
    """What the last build wrote, as far as redirects need it (see `writer.previous_build`)."""

    slugs: frozenset[str] = frozenset()
    """Its papers."""
    moved: Mapping[str, str] = field(default_factory=dict)
    """The redirects it kept (old slug -> new slug)."""
    exported: Callable[[set[str]], Mapping[str, Mapping[str, object]]] = lambda slugs: {}
    """Its papers.json records of these slugs."""

    def vanished(self, current: set[str]) -> dict[str, set[str]]:
        """The identity keys of its papers that no current paper (`current`, slugs) is."""
        gone = set(self.slugs) - current
        exported = self.exported(gone) if gone else {}
        return {slug: exported_keys(exported[slug]) for slug in sorted(exported)}

    def moves(self, papers: Sequence[Paper]) -> dict[str, str]:
        """Redirects for these papers (see `find_moves`)."""
        current = {paper.slug for paper in papers}
        vanished = self.vanished(current)
        owners: dict[str, list[str]] = {}
        if vanished:
            for paper in papers:
                for key in paper_keys(paper):
                    owners.setdefault(key, []).append(paper.slug)
        return find_moves(vanished.items(), owners, current, self.moved)
