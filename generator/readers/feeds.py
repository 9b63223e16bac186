"""Atom and RSS feeds saved to a file, read with feedparser: arXiv API responses (Atom),
arXiv's RSS and Atom listing feeds, and any other feed of papers.

From arXiv they carry the id with its version, the title, authors, abstract, primary
category and dates. An entry's line is found by walking the `<entry>`/`<item>` tags in
order (feedparser keeps no line numbers).
"""

from __future__ import annotations

import html
import re
from typing import Any

from . import fields
from .base import Collector, Format

ROOT = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(feed|rss|rdf:RDF)\b", re.IGNORECASE | re.DOTALL)
ENTRY_TAG = re.compile(r"<(entry|item)[\s>]", re.IGNORECASE)
_RSS_ABSTRACT = re.compile(r"^\s*arXiv:\S+\s+Announce Type:\s*\S+\s*Abstract:\s*", re.IGNORECASE)


def detect(text: str, suffix: str) -> float:
    return 1.0 if ROOT.match(text) else 0.0


def _authors(entry: Any) -> tuple[str, ...]:
    names = [str(author.get("name", "")) for author in entry.get("authors", []) if author.get("name")]
    if len(names) == 1 and ("," in names[0] or " and " in names[0]):  # RSS dc:creator "A, B, C"
        return fields.authors(names[0].replace(" and ", ", ") if ";" not in names[0] else names[0])
    return tuple(fields.text(name) or "" for name in names if fields.text(name))


def _date(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        parsed = entry.get(key)
        if parsed:
            return fields.iso_date((parsed.tm_year, parsed.tm_mon, parsed.tm_mday))
    return None


def read(text: str, out: Collector) -> None:
    import feedparser

    feed = feedparser.parse(text)
    lines = [text.count("\n", 0, match.start()) + 1 for match in ENTRY_TAG.finditer(text)]
    if feed.bozo and not feed.entries:
        out.reject(1, f"feed does not parse: {feed.get('bozo_exception')}")
        return
    if feed.bozo:
        out.warn(1, f"feed has an XML error, read as far as possible: {feed.get('bozo_exception')}")
    for index, entry in enumerate(feed.entries):
        line = lines[index] if index < len(lines) else 1
        links = [link.get("href") for link in entry.get("links", []) if link.get("href")]
        ids = fields.identifiers(entry.get("id"), entry.get("guid"), entry.get("link"), *links, entry.get("arxiv_doi"))
        summary = str(entry.get("summary") or entry.get("description") or "")
        if entry.get("summary_detail", {}).get("type") == "text/html":
            summary = html.unescape(re.sub(r"<[^>]+>", " ", summary))
        category = entry.get("arxiv_primary_category", {}).get("term") if isinstance(entry.get("arxiv_primary_category"), dict) else None
        tags = [tag.get("term") for tag in entry.get("tags", []) if tag.get("term")]
        out.add(
            line,
            _RSS_ABSTRACT.sub("", summary),
            title=fields.text(entry.get("title")),
            authors=_authors(entry),
            date=_date(entry),
            category=category or (tags[0] if tags and re.fullmatch(r"[a-z\-]+\.[A-Za-z\-]+", tags[0]) else None),
            url=fields.text(entry.get("link")) if not ids.get("arxiv") else None,
            **ids,
        )


FORMAT = Format("feed", detect, read, "an Atom or RSS feed")
