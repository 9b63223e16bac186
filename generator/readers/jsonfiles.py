"""JSON seed files: CSL-JSON (Zotero's "CSL JSON" export) and our own papers.json export.

Items are read with their line: the top-level list is walked with `raw_decode`, so each
object's first line is known without a second parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from . import fields
from .base import Collector, Format

_PAPERS_START = re.compile(r'\A\s*\{\s*"papers"\s*:\s*\[')
CSL_KEYS = frozenset(["type", "title", "author", "issued", "abstract", "DOI", "URL", "container-title", "id"])


def items(text: str) -> Iterator[tuple[int, Any]]:
    """(line, value) of each element of the top-level JSON list (or of `{"papers": [...]}`),
    or of each line of a JSON Lines file. Raises ValueError for text that is none of these."""
    decoder = json.JSONDecoder()
    stripped = text.lstrip()
    wrapper = _PAPERS_START.match(text)
    if wrapper:
        start = wrapper.end() - 1
    elif stripped.startswith("["):
        start = len(text) - len(stripped)
    elif stripped.startswith("{"):
        yield from _json_lines(text)
        return
    else:
        raise ValueError("not a JSON list")
    position = start + 1
    while True:
        while position < len(text) and text[position] in " \t\r\n,":
            position += 1
        if position >= len(text) or text[position] == "]":
            return
        value, end = decoder.raw_decode(text, position)
        yield text.count("\n", 0, position) + 1, value
        position = end


def _json_lines(text: str) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            yield number, json.loads(line)


def _sample(text: str) -> list[Any]:
    """The first 20 items, or as many as parse before an error (detection sees the start
    of a file, which may cut the document short)."""
    sample: list[Any] = []
    try:
        for _, value in items(text):
            sample.append(value)
            if len(sample) == 20:
                break
    except ValueError:
        pass
    return sample


def detect_csl(text: str, suffix: str) -> float:
    sample = _sample(text)
    hits = sum(1 for item in sample if isinstance(item, dict) and "type" in item and len(CSL_KEYS & set(item)) >= 2)
    return 1.0 if sample and hits >= 0.8 * len(sample) else 0.0


def detect_papers(text: str, suffix: str) -> float:
    if not text.lstrip().startswith("{"):
        return 0.0
    sample = _sample(text)
    hits = sum(1 for item in sample if isinstance(item, dict) and "slug" in item and "abstract" in item)
    return 1.0 if sample and hits == len(sample) else 0.0


def _csl_name(person: Any) -> str:
    if isinstance(person, dict):
        if person.get("literal"):
            return str(person["literal"])
        return " ".join(str(person[part]) for part in ("given", "non-dropping-particle", "family", "suffix") if person.get(part))
    return str(person)


def _csl_date(value: Any) -> tuple[str | None, int | None]:
    parts = value.get("date-parts") if isinstance(value, dict) else None
    if parts and isinstance(parts, list) and parts[0]:
        first = parts[0]
        return fields.iso_date(first), fields.year_of(first[0])
    raw = value.get("raw") if isinstance(value, dict) else value
    return fields.iso_date(raw), fields.year_of(raw)


def read_csl(text: str, out: Collector) -> None:
    _read(text, out, _csl_record)


def _csl_record(item: dict[str, Any]) -> dict[str, Any]:
    date, year = _csl_date(item.get("issued"))
    number = str(item.get("number") or "")
    if not str(item.get("archive") or item.get("publisher") or "").lower().startswith("arxiv") and not number.lower().startswith("arxiv:"):
        number = ""  # a report or issue number, unless the item is arXiv's or the number says so
    ids = fields.identifiers(number, item.get("DOI"), item.get("URL"), item.get("note"), item.get("id"))
    people = item.get("author") or item.get("editor") or item.get("director") or ()  # a book of chapters names its editors
    return dict(
        abstract=fields.abstract(item.get("abstract")),
        title=fields.tex(fields.plain(item.get("title"))),
        authors=tuple(name for person in people if (name := fields.tex(_csl_name(person)))),
        date=date,
        year=year,
        url=fields.text(item.get("URL")) if not ids.get("arxiv") else None,
        keywords=fields.keywords(item.get("keyword")),
        venue=fields.venue(fields.plain(item.get("container-title"))),
        **ids,
    )


def read_papers(text: str, out: Collector) -> None:
    _read(text, out, _papers_record)


def _papers_record(item: dict[str, Any]) -> dict[str, Any]:
    """A paper of our own papers.json export: its settled metadata and canonical abstract."""
    ids = fields.identifiers(item.get("arxiv"), item.get("doi"))
    return dict(
        abstract=str(item.get("abstract") or ""),
        title=fields.text(item.get("title")) if not item.get("title_derived") else None,
        authors=tuple(str(a) for a in item.get("authors") or ()),
        affiliations=tuple(str(a) for a in item.get("affiliations") or ()),
        date=fields.iso_date(item.get("date")),
        year=item.get("year") if isinstance(item.get("year"), int) else None,
        category=fields.text(item.get("category")),
        url=fields.text(item.get("url")),
        venue=fields.text(item.get("venue")),
        **ids,
    )


def _read(text: str, out: Collector, convert: Any) -> None:
    try:
        for line, item in items(text):
            if not isinstance(item, dict):
                out.reject(line, f"expected a JSON object, got {type(item).__name__}", str(item))
                continue
            out.add(line, **convert(item))
    except ValueError as error:
        line = getattr(error, "lineno", 0)
        out.reject(line, f"JSON syntax error: {getattr(error, 'msg', error)}; the rest of the file was not read")


FORMATS = (
    Format("csl-json", detect_csl, read_csl, "CSL-JSON"),
    Format("papers-json", detect_papers, read_papers, "a papers.json export"),
)
