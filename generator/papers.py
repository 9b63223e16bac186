"""Clusters -> papers: settle each paper's title, authors, date and slug."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slugify import slugify

from . import cache
from .catalog import Catalog, Entry
from .dedupe import canonical_rank
from .model import Cluster, Paper, Problem, Record, evolve
from .text import fingerprint, latex_to_text
from .tables import SetTable, Table
from .topics import Taxonomy

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
    return _joined(title_slug(title), identity)


def _joined(title_part: str, identity: str) -> str:
    return f"{title_part}-{hashlib.sha1(identity.encode('utf-8')).hexdigest()[:SLUG_HASH_CHARS]}"


def identity(paper: Paper) -> str:
    """What a paper is, whatever it is called: its arXiv id (version dropped), else its DOI,
    else the fingerprint of its canonical abstract."""
    if paper.arxiv:
        return "arxiv:" + re.sub(r"v\d+$", "", paper.arxiv)
    if paper.doi:
        return "doi:" + paper.doi.lower()
    canonical = paper.cluster.canonical
    if canonical.key:
        return "text:" + canonical.key
    return f"url:{paper.url}" if paper.url else f"title:{fingerprint(paper.title)}"


def make_papers(clusters: Sequence[Cluster], entries: Mapping[int, Entry]) -> list[Paper]:
    """One paper per cluster, with the catalog entry (by cluster index) applied and its
    slug, sorted by slug."""
    papers = [_make_paper(cluster, entries.get(index)) for index, cluster in enumerate(clusters)]
    return sorted(_assign_slugs(papers), key=lambda paper: paper.slug)


def likely_papers(records: Iterable[Record]) -> list[Record]:
    """The record each paper of these records will most likely show, for work started
    before the clustering (see `build._run`): one a distinct abstract, the record whose
    title `_make_paper` would take of those with that abstract. The corpus' 48,956 records
    make 35,024 such (against 38,217 distinct abstracts and titles), and its 35,012 papers
    ask for the documents of 35,012 of them and the topic scores of 35,000."""
    def title_rank(record: Record) -> tuple[object, ...]:  # whose title a paper shows: the first with one by `_ranked`
        return (not record.title, source_rank(record), canonical_rank(record))

    best: dict[str, Record] = {}
    alone = []
    for record in records:
        if not record.abstract:
            alone.append(record)  # a paper each, most likely
            continue
        other = best.setdefault(record.abstract, record)
        if other is not record and title_rank(record) < title_rank(other):
            best[record.abstract] = record
    return [*best.values(), *alone]


def source_rank(record: Record) -> int:
    """Whose metadata wins: a structured source (BibTeX, CSL-JSON, a feed, a table) names
    its fields; a link list's title is the link's text; a listing's title and authors are
    split by guesswork. (The catalog beats them all; see `_make_paper`.)"""
    if record.structured:
        return 0
    return 1 if record.source.format == "links" else 2


def _ranked(records: Sequence[Record]) -> Sequence[Record]:
    """Records by whose metadata wins (ties: canonical order)."""
    if len(records) == 1:
        return records
    return [records[i] for i in sorted(range(len(records)), key=lambda i: (source_rank(records[i]), i))]


def _best(ranked: Sequence[Record], field: str) -> object:
    """The field from the best-ranked record that has it (see `_ranked`)."""
    return next((value for record in ranked if (value := getattr(record, field))), None)


def _id(cluster: Cluster, kind: str) -> str | None:
    """The paper's arXiv id or DOI: the canonical record's, else the first of the others."""
    own = getattr(cluster.canonical, kind)
    values = sorted(key.split(":", 1)[1] for key in cluster.ids if key.startswith(kind + ":"))
    return own or (values[0] if values else None)


def _make_paper(cluster: Cluster, entry: Entry | None) -> Paper:
    """Metadata by precedence: the catalog, then structured sources, then link lists, then
    listings; the abstract is the canonical record's (English first)."""
    records = _ranked([member.record for member in cluster.members])
    canonical = cluster.canonical
    title = entry.title if entry and entry.title else _best(records, "title")
    authors = entry.authors if entry and entry.authors else _best(records, "authors") or ()
    date = _best(records, "date")
    year = entry.year if entry and entry.year else _best(records, "year") or (int(str(date)[:4]) if date else None)
    arxiv = entry.arxiv if entry and entry.arxiv else _id(cluster, "arxiv")
    doi = entry.doi if entry and entry.doi else _id(cluster, "doi")
    return Paper(
        slug="",
        title=shown_title(title) if title else fallback_title(canonical.abstract, arxiv, doi, _best(records, "url")),
        title_derived=title is None,
        authors=tuple(authors),  # type: ignore[arg-type]
        date=date,  # type: ignore[arg-type]
        year=year,  # type: ignore[arg-type]
        language=canonical.language,
        abstract=canonical.abstract,
        cluster=cluster,
        topics=entry.topics if entry else (),
        affiliations=_best(records, "affiliations") or (),  # type: ignore[arg-type]
        category=_best(records, "category"),  # type: ignore[arg-type]
        arxiv=arxiv,
        doi=doi,
        url=entry.url if entry and entry.url else _best(records, "url"),  # type: ignore[arg-type]
        notes=entry.notes if entry else None,
        machine_translated=bool(canonical.abstract) and canonical.language != "en" and canonical.source.format == "translated",
    )


def shown_title(title: object) -> str:
    """A title as a paper shows it: inline LaTeX made plain text."""
    return latex_to_text(str(title))


def fallback_title(abstract: str, arxiv: str | None, doi: str | None, url: object) -> str:
    """A title when nobody gave one: from the abstract, else the paper's id or link."""
    if abstract:
        return derive_title(abstract)
    if arxiv:
        return f"arXiv:{arxiv}"
    return f"DOI {doi}" if doi else str(url or "Untitled paper")


def _assign_slugs(papers: list[Paper]) -> list[Paper]:
    """Every paper's slug from its title and identity (see `make_slug`). The title part
    comes from the cache: python-slugify took 0.6 s for the corpus' 35,000 titles."""
    titles = sorted({paper.title for paper in papers})
    slugs = cache.active().compute("slug", [cache.text_key(title) for title in titles], lambda missing: [title_slug(titles[i]) for i in missing])
    by_title = dict(zip(titles, slugs))
    result = [evolve(paper, slug=_joined(by_title[paper.title], identity(paper))) for paper in papers]
    counts = Counter(paper.slug for paper in result)
    # Two papers with one identity (entries without abstract or id that the user forced
    # apart, say) fall back on their canonical record's place: still their own.
    return [evolve(p, slug=_joined(by_title[p.title], f"{identity(p)}@{p.cluster.canonical.source}")) if counts[p.slug] > 1 else p
            for p in result]


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
               stored: Callable[[str], Paper]) -> PaperChanges:
        """Take out the clusters `removed` and put in those `added` (by cluster id);
        `stored(slug)` gives a paper of the last build."""
        from .topics import assign_topics

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
        made = {cluster_id: _make_paper(clusters[cluster_id], catalog.entries[assigned[cluster_id]] if cluster_id in assigned else None)
                for cluster_id in order}
        touched = {base for base in (self.base_of.get(cluster_id) for cluster_id in order) if base is not None}
        for cluster_id in order:
            self._unbase(cluster_id)
        bases = _base_slugs([made[cluster_id] for cluster_id in order])
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
            slug = base if len(self.by_base[base]) == 1 else _joined(base[: -SLUG_HASH_CHARS - 1], f"{identity(paper)}@{paper.cluster.canonical.source}")
            if cluster_id in renamed and slug == paper.slug:
                continue
            previous = self.slug_of.get(cluster_id)
            if previous is not None:
                gone.add(previous)
            self.slug_of[cluster_id] = slug
            fresh[cluster_id] = evolve(paper, slug=slug)
        result = assign_topics([fresh[cluster_id] for cluster_id in made], taxonomy) + [fresh[c] for c in renamed if c in fresh]
        return PaperChanges(frozenset(gone), tuple(sorted(result, key=lambda paper: paper.slug)), tuple(problems))

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
    clustering: `Cluster.phrases`), and those whose arXiv id or DOI it has."""
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
    for index, entry in enumerate(catalog.entries):
        if entry.phrase:
            for cluster_id in holders.get(fingerprint(entry.phrase), ()):
                by_phrase[cluster_id].add(index)
        for key in entry.ids:
            for cluster_id in owners.get(key, ()):
                by_id[cluster_id].add(index)
    return {cluster_id: (frozenset(by_phrase[cluster_id]), frozenset(by_id[cluster_id])) for cluster_id in ids}


def _base_slugs(papers: Sequence[Paper]) -> list[str]:
    """Each paper's slug from its title (the title part from the cache) and its identity."""
    titles = sorted({paper.title for paper in papers})
    parts = cache.active().compute("slug", [cache.text_key(title) for title in titles], lambda missing: [title_slug(titles[i]) for i in missing])
    by_title = dict(zip(titles, parts))
    return [_joined(by_title[paper.title], identity(paper)) for paper in papers]
