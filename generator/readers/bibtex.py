"""BibTeX (a Zotero or Better BibTeX export, or our own papers.bib), read with bibtexparser 2.x.

LaTeX is decoded to Unicode by bibtexparser's LatexDecodingMiddleware (pylatexenc):
accents, `{}` case protection, `--`. Math (`$x^2$`) is left for the page to render. An
entry that does not parse is reported with its line; the others are read.
"""

from __future__ import annotations

import logging
import re

from . import fields
from .base import Collector, Format

ENTRY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]", re.MULTILINE)
SKIPPED_TYPES = frozenset(["comment", "preamble", "string"])


def detect(text: str, suffix: str) -> float:
    """An `@type{` entry before any other text (comments and blank lines aside), or a .bib
    file with entries."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        if ENTRY.match(line):
            return 1.0
        break
    return 0.9 if suffix == ".bib" and ENTRY.search(text) else 0.0


def _name(parts: object) -> str:
    """`NameParts(first=['Evan'], last=['Hubinger'])` -> `Evan Hubinger`."""
    words = [*getattr(parts, "first", []), *getattr(parts, "von", []), *getattr(parts, "last", [])]
    name = " ".join(words)
    jr = getattr(parts, "jr", [])
    return f"{name}, {' '.join(jr)}" if jr else name


def read(text: str, out: Collector) -> None:
    import bibtexparser
    from bibtexparser import middlewares

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # failures are reported below, with lines
    library = bibtexparser.parse_string(
        text,
        append_middleware=[middlewares.LatexDecodingMiddleware(), middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()],
    )
    for block in library.failed_blocks:
        line = block.start_line + 1
        first = block.raw.strip().splitlines()[0] if block.raw.strip() else ""
        out.reject(line, "BibTeX entry does not parse (an unclosed brace or quote?)", first)
    for entry in library.entries:
        if entry.entry_type.lower() in SKIPPED_TYPES:
            continue
        values = {key.lower(): field.value for key, field in entry.fields_dict.items()}
        eprint = values.get("eprint") if str(values.get("archiveprefix", "arxiv")).lower() == "arxiv" else None
        ids = fields.identifiers(eprint, values.get("doi"), values.get("url"), values.get("note"), values.get("howpublished"), values.get("journal"))
        authors = values.get("author") or ()
        out.add(
            entry.start_line + 1,
            str(values.get("abstract") or ""),
            title=fields.text(values.get("title")),
            authors=tuple(_name(parts) for parts in authors) if isinstance(authors, list) else fields.authors(authors),
            date=fields.iso_date(values.get("date")),
            year=fields.year_of(values.get("year") or values.get("date")),
            category=fields.text(values.get("primaryclass")),
            url=fields.text(values.get("url")) if not ids.get("arxiv") else None,
            keywords=fields.keywords(values.get("keywords")),
            **ids,
        )


FORMAT = Format("bibtex", detect, read, "a BibTeX file")
