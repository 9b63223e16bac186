"""Ways to take papers out of the site: BibTeX, JSON, Atom. Pure functions returning text."""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree as ET

from .model import Member, Paper
from .parallel import cores

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
    # took 2.70 s for 23.9 MB, level 1 0.72 s for 29.3 MB. An edit recompresses most of it.
    return gzip.compress(text.encode("utf-8"), compresslevel=4, mtime=0)


GZIP_BLOCK = 256
"""Lines a gzip member holds in a compressed export, on average (at most 4x)."""


def _blocks(lines: Sequence[str]) -> list[Sequence[str]]:
    """Runs of lines, each ending at a line whose key says so (1 line in GZIP_BLOCK): cut by
    content, not by count, so an added paper changes the block it lands in, not every block
    after it (see `compress_lines`)."""
    from .cache import key_of

    return [lines[start:end] for start, end in block_cuts([key_crc(key_of(line)) for line in lines])]


def key_crc(key: str) -> int:
    """A 32-bit number from a line's cache key (`cache.key_of`, hexadecimal), for `block_cuts`."""
    return int(key[:8], 16)


def block_cuts(crcs: Sequence[int]) -> list[tuple[int, int]]:
    """(start, end) of each block of lines with these 32-bit numbers (see `_blocks`)."""
    cuts, start = [], 0
    for i, crc in enumerate(crcs):
        if crc % GZIP_BLOCK == 0 or i + 1 - start >= 4 * GZIP_BLOCK:
            cuts.append((start, i + 1))
            start = i + 1
    if start < len(crcs):
        cuts.append((start, len(crcs)))
    return cuts


def compress_lines(lines: Sequence[str], head: str, tail: str, separator: str) -> bytes:
    """`head + separator.join(lines) + tail`, gzip-compressed as a series of members (gzip
    readers read the members as one stream). Each member is a pure function of its lines,
    so a change recompresses one block (a cached one for the rest, see `cache`), not 80 MB:
    3 s at 35,000 papers."""
    from . import cache

    return compress_blocks([cache.key_of(line) for line in lines], lambda start, end: lines[start:end], head, tail, separator)


def compress_blocks(keys: Sequence[str], lines: Callable[[int, int], Sequence[str]], head: str, tail: str, separator: str,
                    forked: bool = False) -> bytes:
    """`compress_lines` for lines known by keys of all they show: `lines(start, end)` makes
    a block's lines, asked for only when the block is not cached; in forked worker
    processes when `forked` and there are many."""
    from . import cache
    from .parallel import parallel_map

    cuts = block_cuts([key_crc(key) for key in keys])
    last = len(cuts) - 1
    block_keys = [cache.key_of("head", head)] + [cache.key_of(separator, i < last, *keys[start:end]) for i, (start, end) in enumerate(cuts)]
    block_keys.append(cache.key_of("tail", tail))

    def text(i: int) -> str:
        if i == 0:
            return head
        if i == len(cuts) + 1:
            return tail
        start, end = cuts[i - 1]
        # Each block's text made once (joined, then a separator added, it was two copies of
        # the export at once: 88 MB more at the peak of a run at 48,956 records).
        return separator.join([*lines(start, end), ""] if i - 1 < last else lines(start, end))

    def make(missing: list[int]) -> list[bytes]:
        if forked and len(missing) >= 8:
            return parallel_map(lambda i: compress(text(i)), missing, "exports", worth_it=True, chunk=1)
        # zlib lets go of the GIL while it compresses: threads use every core.
        with ThreadPoolExecutor(min(cores(), 4)) as pool:
            return list(pool.map(lambda i: compress(text(i)), missing))

    return b"".join(cache.active().compute("gzip", block_keys, make))


def read_papers_export(path: Path) -> list[dict[str, object]]:
    """The papers of a papers.json export, plain or gzip-compressed (`.gz` beside it is
    tried when `path` is missing). Raises OSError or ValueError for a file that is not one."""
    if not path.exists() and Path(f"{path}.gz").exists():
        path = Path(f"{path}.gz")
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return json.loads(data.decode("utf-8"))["papers"]


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
    (an indented dump goes through its pure-Python one, 7 s for the corpus)."""
    head, separator, tail = PAPERS_JSON
    return head + separator.join(lines) + tail


def atom_feed(papers: Sequence[Paper], site_name: str, base_url: str) -> str:
    """Atom feed of the FEED_ENTRIES newest dated papers. Papers with neither date nor year
    are left out (Atom needs a time). Links are relative unless a site URL is given."""
    dated = sorted(
        (p for p in papers if p.date or p.year),
        key=lambda p: (p.date or f"{p.year}-01-01", p.slug),
        reverse=True,
    )[:FEED_ENTRIES]
    # Unqualified elements under a default namespace set by hand: ElementTree's prefix
    # registry is global, and MathML serialisation must not change the feed's output.
    feed = ET.Element("feed", xmlns="http://www.w3.org/2005/Atom")
    ET.SubElement(feed, "title").text = site_name
    ET.SubElement(feed, "id").text = (base_url or "urn:reading-list:") + "feed.xml"
    ET.SubElement(feed, "link", rel="self", href=f"{base_url}feed.xml")
    newest = (dated[0].date or f"{dated[0].year}-01-01") if dated else "1970-01-01"
    ET.SubElement(feed, "updated").text = f"{newest}T00:00:00Z"
    for paper in dated:
        entry = ET.SubElement(feed, "entry")
        ET.SubElement(entry, "title").text = paper.title
        ET.SubElement(entry, "id").text = f"urn:reading-list:{paper.slug}"
        ET.SubElement(entry, "link", href=f"{base_url}papers/{paper.slug}/")
        ET.SubElement(entry, "updated").text = f"{paper.date or f'{paper.year}-01-01'}T00:00:00Z"
        for name in paper.authors or ("Unknown",):
            author = ET.SubElement(entry, "author")
            ET.SubElement(author, "name").text = name
        for topic in paper.topics:
            ET.SubElement(entry, "category", term=topic)
        ET.SubElement(entry, "summary").text = paper.abstract
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n"
