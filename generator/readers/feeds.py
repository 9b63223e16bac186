"""Atom and RSS feeds saved to a file, read with feedparser: arXiv API responses (Atom),
arXiv's RSS and Atom listing feeds, and any other feed of papers.

From arXiv they carry the id with its version, the title, authors, abstract, primary
category and dates. An entry's line is found by walking the `<entry>`/`<item>` tags in
order (feedparser keeps no line numbers).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from . import fields
from .base import Collector, Format

ROOT = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(feed|rss|rdf:RDF)\b", re.IGNORECASE | re.DOTALL)
ENTRY_TAG = re.compile(r"<(entry|item)[\s>]", re.IGNORECASE)


def detect(text: str, suffix: str) -> float:
    return 1.0 if ROOT.match(text) else 0.0


def _authors(entry: Any) -> tuple[str, ...]:
    names = [fields.tex(str(author.get("name", ""))) or "" for author in entry.get("authors", []) if author.get("name")]  # `Mart\'inez`
    if len(names) == 1 and ("," in names[0] or " and " in names[0]):  # RSS dc:creator "A, B, C"
        return fields.authors(names[0].replace(" and ", ", ") if ";" not in names[0] else names[0])
    return tuple(name for name in names if name)


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
        html_summary = entry.get("summary_detail", {}).get("type") == "text/html"
        parts = bilingual(fields.tex(entry.get("title")) or "", _blocks(summary) if html_summary else [summary])
        if not ids.get("arxiv"):
            ids.update({key: value for key, value in fields.identifiers(*parts.urls).items() if key not in ids})
        category = entry.get("arxiv_primary_category", {}).get("term") if isinstance(entry.get("arxiv_primary_category"), dict) else None
        tags = [tag.get("term") for tag in entry.get("tags", []) if tag.get("term")]
        announced = (parts.announce or str(entry.get("arxiv_announce_type") or "")).lower()
        # A replaced paper's item is dated by its new version's announcement: the paper's
        # date is the arXiv id's (`Collector.add`), not the feed's.
        date = None if announced.startswith("replace") and ids.get("arxiv") else _date(entry)
        metadata = dict(
            authors=_authors(entry),
            date=date,
            category=category or (tags[0] if tags and re.fullmatch(r"[a-z\-]+\.[A-Za-z\-]+", tags[0]) else None),
            url=fields.text(entry.get("link")) if not ids.get("arxiv") else None,
            venue=fields.venue(entry.get("arxiv_journal_ref")),
            **ids,
        )
        out.add(line, parts.abstract, title=parts.title or None, **metadata)
        if parts.other_abstract:  # the same paper in another language: a translation, joined by its id
            out.add(line, parts.other_abstract, title=parts.other_title or None, **metadata)


@dataclass(frozen=True)
class Parts:
    """What an item of a (perhaps bilingual) feed holds."""

    title: str
    abstract: str
    other_title: str = ""
    other_abstract: str = ""
    """The item's text in another script than the abstract's (a machine translation or summary)."""
    announce: str = ""
    """arXiv's announcement type (`new`, `cross`, `replace`, `replace-cross`), from the text."""
    urls: tuple[str, ...] = ()


_ANNOUNCED = re.compile(r"arXiv:(\S+)\s+Announce Type:\s*(\S+)\s*Abstract:\s*", re.IGNORECASE)
_URL = re.compile(r"https?://\S+")
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _cjk(text: str) -> bool:
    """Whether a text is mostly Chinese, Japanese or Korean."""
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(1 for c in letters if _CJK_CHAR.match(c)) * 2 > len(letters)


def _blocks(markup: str) -> list[str]:
    """The text of an HTML description, a block a paragraph or line."""
    text = re.sub(r"(?i)<\s*(?:br|/p|/div|/li|/h\d)\s*/?>", "\n", markup)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return [block for block in (re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()) if block]


def bilingual(title: str, blocks: list[str]) -> Parts:
    """The parts of an item: an arXiv listing's `arXiv:... Announce Type: ... Abstract:`
    text, and the blocks of a machine-translated feed, where the title may be a one-line
    summary in Chinese and the description holds the titles and abstracts in both
    languages. The English (Latin-script) title and abstract are the record; the other
    language's are its translation."""
    whole = "\n".join(blocks)
    urls = tuple(_URL.findall(whole))
    announced = _ANNOUNCED.search(whole)
    if announced:
        before, after = whole[: announced.start()].strip(), whole[announced.end():].strip()
        other = before if before and _cjk(before) else ""
        return Parts(title, fields.tex(after) or "", "", fields.text(other) or "", announced[2], urls + (f"arXiv:{announced[1]}",))
    prose = [block for block in blocks if not _URL.fullmatch(block)]
    latin = [block for block in prose if not _cjk(block)]
    foreign = [block for block in prose if _cjk(block)]
    if not foreign or not latin:
        return Parts(title, fields.tex(whole if not urls else " ".join(prose)) or "", urls=urls)
    abstract = max(latin, key=len)
    english_title = title if title and not _cjk(title) else next((b for b in latin if b is not abstract and len(b.split()) <= 40), "")
    other_abstract = max(foreign, key=len)
    # The description's own title before the item's: there, the item's may be a one-line summary.
    other_title = next((b for b in foreign if b is not other_abstract), "") or (title if title and _cjk(title) else "")
    return Parts(fields.tex(english_title) or "", fields.tex(abstract) or "", other_title, other_abstract, "", urls)


FORMAT = Format("feed", detect, read, "an Atom or RSS feed")
