"""Formats the generator recognises only to refuse them as a whole.

Read as prose, an HTML page, a JSON document or a spreadsheet would become pages of markup.
Each is detected from the content (the file suffix only breaks ties) and the whole file is
reported with the format named, so the user knows what to convert.
"""

from __future__ import annotations

import csv
import io
import json
import re

from .base import Format

_MARKUP = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|div|p|feed|rss|rdf:rdf|\w+)", re.IGNORECASE | re.DOTALL)


def _markup(text: str) -> str | None:
    match = _MARKUP.match(text)
    if not match:
        return None
    tag = match[1].lower()
    if tag == "feed":
        return "Atom feed"
    if tag in ("rss", "rdf:rdf"):
        return "RSS feed"
    if tag.startswith("!doctype") or tag in ("html", "head", "body", "div", "p"):
        return "HTML document"
    return "XML document" if text.lstrip().startswith("<?xml") or re.search(rf"</{re.escape(tag)}\s*>", text) else None


def detect_html(text: str, suffix: str) -> float:
    return 1.0 if _markup(text) == "HTML document" else 0.0


def detect_xml(text: str, suffix: str) -> float:
    return 1.0 if _markup(text) in ("XML document", "Atom feed", "RSS feed") else 0.0


def detect_json(text: str, suffix: str) -> float:
    """A JSON document, or one JSON object a line."""
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return 0.0
    try:
        json.loads(stripped)
        return 1.0
    except ValueError:
        pass
    lines = [line for line in stripped.splitlines() if line.strip()]
    try:
        return 1.0 if all(isinstance(json.loads(line), (dict, list)) for line in lines[:20]) else 0.0
    except ValueError:
        return 0.6 if suffix in (".json", ".jsonl") else 0.0


BIBTEX_ENTRY = re.compile(r"^\s*@[A-Za-z]+\s*[{(]", re.MULTILINE)


def detect_bibtex(text: str, suffix: str) -> float:
    """An `@type{` entry before any other text (comments and blank lines aside)."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        return 1.0 if BIBTEX_ENTRY.match(line) else 0.0
    return 0.0


COLUMN_NAMES = frozenset("title authors author abstract summary arxiv arxiv_id eprint doi url link date year topics keywords".split())


def detect_table(text: str, suffix: str) -> float:
    """A header row of short column names, and rows with as many fields."""
    lines = [line for line in text.splitlines() if line.strip()][:50]
    if len(lines) < 2:
        return 0.0
    delimiter = "\t" if lines[0].count("\t") >= 1 else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    header = [cell.strip().lower() for cell in rows[0]]
    if len(header) < 2 or not all(0 < len(cell) <= 40 for cell in header):
        return 0.0
    if COLUMN_NAMES & set(header):
        return 0.95
    same = sum(1 for row in rows[1:] if len(row) == len(header))
    return 0.8 if same >= 0.8 * (len(rows) - 1) and suffix in (".csv", ".tsv") else 0.0


_LINK = re.compile(r"\]\([^)\s]+\)|https?://\S+|\barxiv:\s*\d{4}\.\d{4,5}|\b10\.\d{4,9}/\S+", re.IGNORECASE)
_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def link_line(line: str) -> bool:
    """A list item with a link, or a short line that starts or ends with a link: not an
    abstract (prose mentions links mid-sentence, and ends with a full stop)."""
    links = list(_LINK.finditer(line))
    if not links:
        return False
    if _LIST_ITEM.match(line):
        return True
    stripped = line.strip()
    at_edge = links[0].start() <= line.index(stripped[0]) + 1 or links[-1].end() >= len(line.rstrip()) - 1
    return at_edge and len(line.split()) <= 25


def detect_links(text: str, suffix: str) -> float:
    """The share of content lines (headings aside) that are links."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return 0.0
    share = sum(1 for line in lines if link_line(line)) / len(lines)
    return share if share >= 0.5 else 0.0


FORMATS = (
    Format("html", detect_html, None, "an HTML document"),
    Format("xml", detect_xml, None, "an XML document (Atom, RSS or other)"),
    Format("json", detect_json, None, "a JSON file"),
    Format("bibtex", detect_bibtex, None, "a BibTeX file"),
    Format("table", detect_table, None, "a CSV or TSV table"),
    Format("links", detect_links, None, "a list of links"),
)
