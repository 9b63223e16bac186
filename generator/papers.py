"""Clusters -> papers: settle each paper's title, authors, date and slug."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from slugify import slugify

from .catalog import Entry
from .model import Cluster, Paper
from .text import fingerprint, latex_to_text

SLUG_WORDS_MAX = 60
"""Characters of title kept in a slug: readable in a URL, short enough for any file system."""
RESERVED_SLUGS = frozenset(
    ["index", "con", "prn", "aux", "nul", "tags", "search", "assets"]
    + [f"com{i}" for i in range(10)]
    + [f"lpt{i}" for i in range(10)]
)
"""Names that clash with MkDocs pages or are device names on Windows."""

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def derive_title(abstract: str, words: int = 12) -> str:
    """A readable title from an abstract: its first sentence, cut to about a dozen words."""
    first = latex_to_text(_SENTENCE_END.split(abstract, maxsplit=1)[0]).strip().rstrip(".。")
    if " " not in first:  # Chinese and Japanese have no spaces: count characters instead
        return first if len(first) <= 30 else first[:30] + "…"
    tokens = first.split()
    return " ".join(tokens) if len(tokens) <= words else " ".join(tokens[:words]) + " …"


def make_slug(title: str) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word end within SLUG_WORDS_MAX.

    (python-slugify's own `word_boundary` skips words that do not fit and keeps later
    ones, which garbles titles.)"""
    slug = slugify(title) or "paper"
    if len(slug) > SLUG_WORDS_MAX:
        cut = slug.rfind("-", 0, SLUG_WORDS_MAX + 1)
        slug = slug[: cut if cut > 0 else SLUG_WORDS_MAX].strip("-")
    return slug


def make_papers(clusters: Sequence[Cluster], entries: Mapping[int, Entry]) -> list[Paper]:
    """One paper per cluster, with the catalog entry (by cluster index) applied and unique
    slugs, sorted by slug."""
    papers = [_make_paper(cluster, entries.get(index)) for index, cluster in enumerate(clusters)]
    return sorted(_assign_slugs(papers), key=lambda paper: paper.slug)


def _make_paper(cluster: Cluster, entry: Entry | None) -> Paper:
    records = [member.record for member in cluster.members]
    canonical = cluster.canonical
    title = entry.title if entry and entry.title else next((r.title for r in records if r.title), None)
    authors = entry.authors if entry and entry.authors else next((r.authors for r in records if r.authors), ())
    date = next((r.date for r in records if r.date), None)
    year = entry.year if entry and entry.year else (int(date[:4]) if date else None)
    return Paper(
        slug="",
        title=latex_to_text(title) if title else derive_title(canonical.abstract),
        title_derived=title is None,
        authors=tuple(authors),
        date=date,
        year=year,
        language=canonical.language,
        abstract=canonical.abstract,
        cluster=cluster,
        topics=entry.topics if entry else (),
        affiliations=next((r.affiliations for r in records if r.affiliations), ()),
        category=next((r.category for r in records if r.category), None),
        arxiv=entry.arxiv if entry else None,
        doi=entry.doi if entry else None,
        url=entry.url if entry else None,
        notes=entry.notes if entry else None,
        machine_translated=canonical.language != "en",
    )


def _assign_slugs(papers: list[Paper]) -> list[Paper]:
    """Slugs from titles; a clash, or a reserved name, gets a suffix from the abstract's hash.

    The suffix depends only on the paper's own text, never on the order papers are seen,
    so adding a paper never renames another one.
    """
    bases = [make_slug(paper.title) for paper in papers]
    counts: dict[str, int] = {}
    for base in bases:
        counts[base] = counts.get(base, 0) + 1
    result = []
    for paper, base in zip(papers, bases):
        slug = base
        if counts[base] > 1 or base in RESERVED_SLUGS:
            digest = hashlib.sha1(fingerprint(paper.abstract).encode("utf-8")).hexdigest()[:8]
            slug = f"{base}-{digest}"
        result.append(replace(paper, slug=slug))
    return result
