"""Clusters -> papers: settle each paper's title, authors, date and slug."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace

from slugify import slugify

from .catalog import Entry
from .model import Cluster, Paper
from .text import latex_to_text

SLUG_WORDS_MAX = 60
"""Characters of title kept in a slug: readable in a URL, short enough for any file system."""
SLUG_HASH_CHARS = 6
"""Hex digits of the paper's identity after the title: 16.7 million values, for papers
whose titles already share a slug."""

_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def derive_title(abstract: str, words: int = 12) -> str:
    """A readable title from an abstract: its first sentence, cut to about a dozen words."""
    first = latex_to_text(_SENTENCE_END.split(abstract, maxsplit=1)[0]).strip().rstrip(".。")
    if " " not in first:  # Chinese and Japanese have no spaces: count characters instead
        return first if len(first) <= 30 else first[:30] + "…"
    tokens = first.split()
    return " ".join(tokens) if len(tokens) <= words else " ".join(tokens[:words]) + " …"


def title_slug(title: str) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word end within SLUG_WORDS_MAX.

    (python-slugify's own `word_boundary` skips words that do not fit and keeps later
    ones, which garbles titles.)"""
    slug = slugify(title) or "paper"
    if len(slug) > SLUG_WORDS_MAX:
        cut = slug.rfind("-", 0, SLUG_WORDS_MAX + 1)
        slug = slug[: cut if cut > 0 else SLUG_WORDS_MAX].strip("-")
    return slug


def make_slug(title: str, identity: str) -> str:
    """`<title words>-<6 hex digits of the identity>`: a pure function of the paper itself.

    Every slug carries the suffix, so no rule about clashes is needed: with a suffix only
    on clashes, adding a paper with the same title as an existing one renamed the existing
    page (29 of 3,000 corpus papers carried such suffixes). Now adding, removing or
    reordering other papers never changes a paper's URL."""
    return f"{title_slug(title)}-{hashlib.sha1(identity.encode('utf-8')).hexdigest()[:SLUG_HASH_CHARS]}"


def identity(paper: Paper) -> str:
    """What a paper is, whatever it is called: its arXiv id (version dropped), else its DOI,
    else the fingerprint of its canonical abstract."""
    if paper.arxiv:
        return "arxiv:" + re.sub(r"v\d+$", "", paper.arxiv).lower()
    if paper.doi:
        return "doi:" + paper.doi.lower()
    return "text:" + paper.cluster.canonical.key


def make_papers(clusters: Sequence[Cluster], entries: Mapping[int, Entry]) -> list[Paper]:
    """One paper per cluster, with the catalog entry (by cluster index) applied and its
    slug, sorted by slug."""
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
    """Every paper's slug from its title and identity (see `make_slug`)."""
    result = [replace(paper, slug=make_slug(paper.title, identity(paper))) for paper in papers]
    slugs = [paper.slug for paper in result]
    if len(set(slugs)) != len(slugs):  # only two papers with one identity could do this
        raise ValueError(f"two papers share a slug: {sorted(s for s in slugs if slugs.count(s) > 1)[:3]}")
    return result
