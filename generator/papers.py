"""Clusters -> papers: settle each paper's title, authors, date and slug."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from .catalog import Entry
from .dedupe import canonical_rank
from .model import Cluster, Paper, Record, evolve
from .text import fingerprint, latex_to_text, title_slug
from .work import Work

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


def make_papers(clusters: Sequence[Cluster], entries: Mapping[int, Entry], work: Work | None = None) -> list[Paper]:
    """One paper per cluster, with the catalog entry (by cluster index) applied and its
    slug, sorted by slug (see `Catalog.assign` for the entries)."""
    papers = [make_paper(cluster, entries.get(index)) for index, cluster in enumerate(clusters)]
    return sorted(assign_slugs(papers, work or Work()), key=lambda paper: paper.slug)


def likely_papers(records: Iterable[Record]) -> list[Record]:
    """The record each paper of these records will most likely show, for work started
    before the clustering: one a distinct abstract, the record whose title `make_paper`
    would take of those with that abstract (the corpus' 48,956 records make 35,024 such, and
    its 35,012 papers ask for the documents of 35,012 of them)."""
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
    split by guesswork. (The catalog beats them all; see `make_paper`.)"""
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
    """The paper's arXiv id or DOI: the canonical record's, else the first of the others (as
    a record writes it), else one the catalog gives (in `Cluster.ids`). A value that is not
    itself the paper's key (a Figshare version DOI) gives way to one that is."""
    written = [str(value) for member in cluster.members if (value := getattr(member.record, kind))]
    keyed = next((value for value in written if f"{kind}:{value.lower()}" in cluster.ids), None)
    if keyed or written:
        return keyed or written[0]
    values = sorted(key.split(":", 1)[1] for key in cluster.ids if key.startswith(kind + ":"))
    return values[0] if values else None


def make_paper(cluster: Cluster, entry: Entry | None) -> Paper:
    """Metadata by precedence: the catalog, then structured sources, then link lists, then
    listings; the abstract is the canonical record's (English first). A published version
    (a record naming its venue, one with a DOI first) gives the venue and the year: a
    preprint and its conference paper are cited as the conference paper."""
    records = _ranked([member.record for member in cluster.members])
    canonical = cluster.canonical
    title = entry.title if entry and entry.title else _best(records, "title")
    authors = entry.authors if entry and entry.authors else _best(records, "authors") or ()
    date = _best(records, "date")
    published = next((r for r in records if r.venue and r.doi), None) or next((r for r in records if r.venue), None)
    year = (entry.year if entry and entry.year else (published.year if published and published.year else None)
            or _best(records, "year") or (int(str(date)[:4]) if date else None))
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
        venue=published.venue if published else None,
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


def assign_slugs(papers: Sequence[Paper], work: Work) -> list[Paper]:
    """Every paper's slug from its title and identity (see `make_slug`)."""
    bases = base_slugs(papers, work)
    counts = Counter(bases)
    return [evolve(paper, slug=base if counts[base] == 1 else distinct_slug(base, paper)) for paper, base in zip(papers, bases)]


def base_slugs(papers: Sequence[Paper], work: Work) -> list[str]:
    """Each paper's slug from its title and its identity (`make_slug`)."""
    titles = sorted({paper.title for paper in papers})
    by_title = dict(zip(titles, work.slugs(titles)))
    return [_joined(by_title[paper.title], identity(paper)) for paper in papers]


def distinct_slug(base: str, paper: Paper) -> str:
    """The slug of a paper whose base slug another paper has too (one identity: entries
    without abstract or id that the user forced apart, say): its canonical record's place
    tells it apart."""
    return _joined(base[: -SLUG_HASH_CHARS - 1], f"{identity(paper)}@{paper.cluster.canonical.source}")


