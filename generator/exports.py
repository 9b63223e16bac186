"""Ways to take papers out of the site: BibTeX, JSON, Atom. Pure functions returning text."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from xml.etree import ElementTree as ET

from .model import Member, Paper
from .work import Work

_BIBTEX_SPECIAL = re.compile(r"([{}\\%&$#_^~])")


def bibtex_escape(text: str) -> str:
    """Text safe inside a BibTeX field: specials escaped, braces balanced by construction."""
    return _BIBTEX_SPECIAL.sub(lambda m: {"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"}.get(m[1], "\\" + m[1]), text)


def _ascii_word(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def citation_base(paper: Paper) -> str:
    """`surname2022word`: the first author's surname, the year and the first long title word."""
    surname = _ascii_word(paper.authors[0].split()[-1]) if paper.authors else ""
    word = next((w for w in (_ascii_word(w) for w in paper.title.split()) if len(w) > 3), "paper")
    return (surname or "anon") + (str(paper.year) if paper.year else "") + word


def numbered(base: str, slugs: Iterable[str]) -> dict[str, str]:
    """The citation keys of the papers (by slug) whose base key is `base`: the base alone
    for one paper, else a, b, c... in slug order."""
    slugs = sorted(slugs)
    return {slug: base + (_suffix(n) if len(slugs) > 1 else "") for n, slug in enumerate(slugs)}


def citation_keys(papers: Sequence[Paper]) -> dict[str, str]:
    """slug -> `surname2022word`, unique: clashes get a, b, c... in slug order."""
    by_base: dict[str, list[str]] = {}
    for paper in papers:
        by_base.setdefault(citation_base(paper), []).append(paper.slug)
    return {slug: key for base, slugs in by_base.items() for slug, key in numbered(base, slugs).items()}


def _suffix(number: int) -> str:
    """0 -> a, 25 -> z, 26 -> aa, ..."""
    letters = ""
    number += 1
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(97 + remainder) + letters
    return letters


def bibtex(paper: Paper, key: str, with_abstract: bool = False) -> str:
    """One @misc entry (arXiv style when the id is known); papers.bib carries abstracts,
    so importing it (or a Zotero copy of it) into an empty list gives the papers back."""
    fields = [("title", "{" + bibtex_escape(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(bibtex_escape(a) for a in paper.authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.arxiv:
        fields += [("eprint", paper.arxiv), ("archivePrefix", "arXiv")]
        if paper.category:
            fields.append(("primaryClass", paper.category))
        fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv}"))
    elif paper.url:
        fields.append(("url", bibtex_escape(paper.url)))
    if paper.doi:
        fields.append(("doi", bibtex_escape(paper.doi)))
    if paper.venue:
        fields.append(("howpublished", bibtex_escape(paper.venue)))
    notes = []
    if paper.title_derived:
        notes.append("title derived from the abstract")
    if paper.machine_translated:
        notes.append(f"abstract only available as a machine translation ({paper.language})")
    if notes:
        fields.append(("note", "; ".join(notes)))
    if with_abstract and paper.abstract:
        fields.append(("abstract", bibtex_escape(paper.abstract)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def papers_bib(entries: Sequence[str]) -> str:
    return "\n".join(entries)


FEED_ENTRIES = 100
"""The newest papers in the Atom feed: a feed says what is new (and all of them at 70,000
papers would be 55 MB)."""
LARGE_LIST = 5_000
"""Past this many papers, every byte a paper costs counts against GitHub Pages' 1 GB (70,000
papers at 14 kB is 980 MB), so: papers.json and papers.bib are published gzip-compressed
(plain, they take 2 and 1.5 kB a paper; compressed 0.7 and 0.5), papers.bib leaves the
abstracts to papers.json (0.15 kB), and topic pages list titles without first sentences."""


def large(papers: int) -> bool:
    return papers > LARGE_LIST


def export_names(papers: int) -> tuple[str, str]:
    """The file names of the JSON and BibTeX exports for a list of this size."""
    suffix = ".gz" if large(papers) else ""
    return f"papers.json{suffix}", f"papers.bib{suffix}"


def compress(text: str) -> bytes:
    """Deterministic gzip: no time stamp, no file name."""
    # Level 4: papers.json of the 48,956-record corpus (88 MB) in 1.17 s and 25.2 MB; level 6
    # took 2.70 s for 23.9 MB, level 1 0.72 s for 29.3 MB.
    return gzip.compress(text.encode("utf-8"), compresslevel=4, mtime=0)


GZIP_BLOCK = 256
"""Papers a gzip member of a compressed export holds, on average (at most 4x)."""


def block_cuts(slugs: Sequence[str]) -> list[tuple[int, int]]:
    """(start, end) of each block of a compressed export, whose papers have these slugs in
    order: a block ends at a paper whose slug says so (1 in GZIP_BLOCK), so an added paper
    changes the block it lands in, not every block after it, and a block of unchanged
    papers compresses to the same bytes (see `incremental.rendering`)."""
    cuts, start = [], 0
    for i, slug in enumerate(slugs):
        if zlib.crc32(slug.encode("utf-8")) % GZIP_BLOCK == 0 or i + 1 - start >= 4 * GZIP_BLOCK:
            cuts.append((start, i + 1))
            start = i + 1
    if start < len(slugs):
        cuts.append((start, len(slugs)))
    return cuts


def block_text(lines: Sequence[str], separator: str, last: bool) -> str:
    """A block's lines as they stand in the file: each followed by the separator, but the
    file's last line."""
    return separator.join([*lines, ""] if not last else lines)


def export_files(papers: Sequence[Paper], cites: Mapping[str, str], work: Work | None = None) -> dict[str, str | bytes]:
    """papers.json and papers.bib of these papers (in slug order), plain or, past
    LARGE_LIST papers, gzip-compressed a block of papers at a time (`block_cuts`): each
    block a gzip member (gzip readers read the members as one stream), made only when the
    cache does not have it (the block's papers are its key)."""
    work = work or Work()
    count = len(papers)
    json_name, bib_name = export_names(count)
    with_abstracts = not large(count)
    if not json_name.endswith(".gz"):
        return {json_name: papers_json([paper_json(paper) for paper in papers]),
                bib_name: papers_bib([bibtex(paper, cites[paper.slug], with_abstracts) for paper in papers])}
    cuts = block_cuts([paper.slug for paper in papers])
    head, separator, tail = PAPERS_JSON
    return {
        json_name: compressed("json", cuts, head, tail, separator, lambda start, end: [paper_json(p) for p in papers[start:end]],
                              lambda start, end: papers[start:end], work),
        bib_name: compressed("bib", cuts, "", "", "\n", lambda start, end: [bibtex(p, cites[p.slug], False) for p in papers[start:end]],
                             lambda start, end: [part for p in papers[start:end] for part in (p, cites[p.slug])], work),
    }


def compressed(name: str, cuts: Sequence[tuple[int, int]], head: str, tail: str, separator: str,
               lines: Callable[[int, int], Sequence[str]], shown: Callable[[int, int], Sequence[object]], work: Work) -> bytes:
    """`head + separator.join(lines) + tail` as gzip members: the head, a block of lines
    each (`lines(start, end)`), the tail. `shown(start, end)`: everything the lines of a
    block show (its key for the cache, see `work.Work.results`)."""
    last = len(cuts) - 1
    keys: list[tuple[object, ...]] = [(name, "head", head)]
    keys += [(name, separator, "last" if i == last else "", *shown(start, end)) for i, (start, end) in enumerate(cuts)]
    keys.append((name, "tail", tail))

    def text(i: int) -> str:
        if i == 0:
            return head
        if i == len(cuts) + 1:
            return tail
        start, end = cuts[i - 1]
        return block_text(lines(start, end), separator, i - 1 == last)

    def made(missing: list[int]) -> list[bytes]:
        texts = work.each(text, missing, "exports", heavy=len(missing) >= 8)
        return work.each(lambda j: compress(texts[j]), list(range(len(texts))), "compress", heavy=True, native=True)

    return b"".join(work.results("gzip", keys, made))


def paper_record(paper: Paper) -> dict[str, object]:
    """Every field of a paper, with its sources and duplicates, for papers.json. A source's
    abstract is given when it differs from the paper's."""
    return {
        "slug": paper.slug,
        "title": paper.title,
        "title_derived": paper.title_derived,
        "authors": list(paper.authors),
        "affiliations": list(paper.affiliations),
        "date": paper.date,
        "year": paper.year,
        "language": paper.language,
        "machine_translated": paper.machine_translated,
        "category": paper.category,
        "arxiv": paper.arxiv,
        "doi": paper.doi,
        "url": paper.url,
        **({"venue": paper.venue} if paper.venue else {}),
        "notes": paper.notes,
        "topics": list(paper.topics),
        "abstract": paper.abstract,
        "related": [{"slug": r.slug, "score": r.score} for r in paper.related],
        "sources": [source_record(m, with_abstract=m.record.abstract != paper.abstract) for m in paper.cluster.members],
    }


def source_record(member: Member, with_abstract: bool = False) -> dict[str, object]:
    """Where a member record came from, how it was matched, and (for exports) its text."""
    record = {
        "file": member.record.source.file,
        "line": member.record.source.line,
        "format": member.record.source.format,
        "kind": member.kind,
        "score": member.score,
        "language": member.record.language,
        "reason": member.reason,
    }
    if with_abstract:
        record["abstract"] = member.record.abstract
    return record


def paper_json(paper: Paper) -> str:
    """A paper's line of papers.json."""
    return json_text(paper_record(paper))


json_text = json.JSONEncoder(ensure_ascii=False).encode
"""`json.dumps(value, ensure_ascii=False)`, without making an encoder each call."""


PAPERS_JSON = ('{"papers": [\n', ",\n", "\n]}\n")
"""Head, separator and tail of papers.json around its one-paper lines."""


def papers_json(lines: Sequence[str]) -> str:
    """`{"papers": [...]}` with one paper a line: diffable, and encoded by json's C encoder
    (an indented dump goes through its pure-Python one)."""
    head, separator, tail = PAPERS_JSON
    return head + separator.join(lines) + tail


def _day(paper: Paper) -> str:
    """A paper's date as a day (`YYYY-MM-DD`): a month or a year alone is its first day."""
    date = paper.date or str(paper.year)
    return date + "-01" * ((10 - len(date)) // 3)


def atom_feed(papers: Sequence[Paper], site_name: str, base_url: str, author: str = "") -> str:
    """Atom feed of the FEED_ENTRIES newest dated papers. Papers with neither date nor year
    are left out (Atom needs a time). Links are relative unless a site URL is given."""
    base_url = base_url + "/" if base_url and not base_url.endswith("/") else base_url
    dated = sorted(
        (p for p in papers if p.date or p.year),
        key=lambda p: (_day(p), p.slug),
        reverse=True,
    )[:FEED_ENTRIES]
    # Unqualified elements under a default namespace set by hand: ElementTree's prefix
    # registry is global, and MathML serialisation must not change the feed's output.
    feed = ET.Element("feed", xmlns="http://www.w3.org/2005/Atom")
    ET.SubElement(feed, "title").text = site_name
    if author:
        ET.SubElement(ET.SubElement(feed, "author"), "name").text = author
    ET.SubElement(feed, "id").text = (base_url or "urn:reading-list:") + "feed.xml"
    ET.SubElement(feed, "link", rel="self", href=f"{base_url}feed.xml")
    newest = _day(dated[0]) if dated else "1970-01-01"
    ET.SubElement(feed, "updated").text = f"{newest}T00:00:00Z"
    for paper in dated:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "title").text = paper.title
        ET.SubElement(entry, "id").text = f"urn:reading-list:{paper.slug}"
        ET.SubElement(entry, "link", href=f"{base_url}papers/{paper.slug}/")
        ET.SubElement(entry, "updated").text = f"{_day(paper)}T00:00:00Z"
        for name in paper.authors or ("Unknown",):
            author = ET.SubElement(entry, "author")
            ET.SubElement(author, "name").text = name
        for topic in paper.topics:
            ET.SubElement(entry, "category", term=topic)
        ET.SubElement(entry, "summary").text = paper.abstract
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
