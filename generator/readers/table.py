"""CSV or TSV with a header row (a spreadsheet export), read with the csv module.

Columns are matched by name, case-insensitively, with common aliases; see COLUMNS. A row
without an abstract is a paper too when it has a title or an identifier.
"""

from __future__ import annotations

import csv
import io

from . import fields
from .base import Collector, Format

COLUMNS = {
    "title": ("title", "name", "paper", "paper title"),
    "authors": ("authors", "author", "creators", "author(s)"),
    "abstract": ("abstract", "summary", "description", "abstract note"),
    "arxiv": ("arxiv", "arxiv id", "arxiv_id", "eprint", "arxiv url"),
    "doi": ("doi",),
    "url": ("url", "link", "pdf", "href"),
    "date": ("date", "published", "publication date", "listed", "date added"),
    "year": ("year", "publication year"),
    "topics": ("topics", "keywords", "tags", "manual tags"),
    "category": ("category", "primary category", "arxiv category"),
    "venue": ("venue", "journal", "conference", "publication title", "booktitle"),
}
"""Our field -> the column names that hold it (compared lower-cased, spaces and
underscores alike). The first column found wins."""

_ALIASES = {alias.replace("_", " "): name for name, aliases in COLUMNS.items() for alias in aliases}


def _key(column: str) -> str:
    return " ".join(column.strip().lower().replace("_", " ").split())


def _dialect(text: str, suffix: str) -> str:
    first = next((line for line in text.splitlines() if line.strip()), "")
    return "\t" if suffix == ".tsv" or first.count("\t") > first.count(",") else ","


def detect(text: str, suffix: str) -> float:
    """A header row that names at least a title, abstract or identifier column, and rows."""
    lines = [line for line in text.splitlines() if line.strip()][:50]
    if len(lines) < 2:
        return 0.0
    header = next(csv.reader([lines[0]], delimiter=_dialect(text, suffix)))
    known = {_ALIASES.get(_key(cell)) for cell in header} - {None}
    if len(header) >= 2 and known & {"title", "abstract", "arxiv", "doi", "url"}:
        return 0.95
    return 0.0


def read(text: str, out: Collector) -> None:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_dialect(text, "." + out.name.rsplit(".", 1)[-1].lower()))
    header: list[str] | None = None
    columns: dict[str, int] = {}
    line = 1
    for row in reader:
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        if header is None:
            header = row
            for index, cell in enumerate(row):
                name = _ALIASES.get(_key(cell))
                if name and name not in columns:
                    columns[name] = index
            ignored = [cell for index, cell in enumerate(row) if index not in columns.values() and cell.strip()]
            if ignored:
                out.warn(start, f"columns not read: {', '.join(ignored)} (known: {', '.join(COLUMNS)})")
            continue
        if len(row) != len(header):
            out.warn(start, f"row has {len(row)} fields, the header {len(header)}", ",".join(row))
        value = lambda name: row[columns[name]] if name in columns and columns[name] < len(row) else ""  # noqa: E731
        ids = fields.identifiers(value("arxiv"), value("doi"), value("url"))
        out.add(
            start,
            fields.tex(value("abstract")) or "",
            title=fields.tex(fields.plain(value("title"))),
            authors=fields.authors(fields.tex(value("authors"))),
            date=fields.iso_date(value("date")),
            year=fields.year_of(value("year") or value("date")),
            category=fields.text(value("category")),
            url=fields.text(value("url")) if not ids.get("arxiv") else None,
            keywords=fields.keywords(value("topics")),
            venue=fields.venue(value("venue")),
            **ids,
        )


FORMAT = Format("table", detect, read, "a CSV or TSV table")
