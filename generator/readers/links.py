"""Markdown or plain-text lists of papers: `- [Title](https://arxiv.org/abs/2401.05566)`,
`Title https://doi.org/10.1000/xyz`, or a bare link a line.

A line reader, not Python-Markdown: a README's list is one paper a line, and a line is
what a record's provenance names. The link text is the title; the link gives the arXiv id,
DOI or URL. There is no abstract: the paper waits for one from another file.
"""

from __future__ import annotations

import re

from . import fields
from .base import Collector, Format

MARKDOWN_LINK = re.compile(r"\[(?P<text>(?:[^\[\]]|\[[^\[\]]*\])+)\]\((?P<href><[^>]+>|[^()\s]+(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\)")
BARE = re.compile(r"(?P<href>https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"])|(?P<id>\barXiv:\s*\d{4}\.\d{4,5}(?:v\d+)?|\b10\.\d{4,9}/\S+)", re.IGNORECASE)
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[[ xX]\]\s+)?")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s")


def link_line(line: str) -> bool:
    """A list item with a link, or a short line that starts or ends with a link: not an
    abstract (prose mentions links mid-sentence, and ends with a full stop)."""
    if "](" not in line and "://" not in line and "10." not in line and "rxiv" not in line.lower():
        return False  # no link of any kind: skip the regular expressions
    links = list(MARKDOWN_LINK.finditer(line)) or list(BARE.finditer(line))
    if not links:
        return False
    if LIST_ITEM.match(line):
        return True
    stripped = line.strip()
    at_edge = links[0].start() <= len(line) - len(line.lstrip()) or links[-1].end() >= len(line.rstrip())
    return at_edge and len(stripped.split()) <= 25


def detect(text: str, suffix: str) -> float:
    """The share of content lines (headings aside) that are links, when at least half are."""
    lines = [line for line in text.splitlines() if line.strip() and not HEADING.match(line)]
    if not lines:
        return 0.0
    share = sum(1 for line in lines if link_line(line)) / len(lines)
    return share if share >= 0.5 else 0.0


def read(text: str, out: Collector) -> None:
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or HEADING.match(line):
            continue
        if not link_line(line):
            if LIST_ITEM.match(line):  # prose between the items is not a paper; an item may be
                out.warn(number, "list item without a link to a paper; skipped", line)
            continue
        body = LIST_ITEM.sub("", line).strip()
        markdown = MARKDOWN_LINK.search(body)
        if markdown:
            title, href = markdown["text"], markdown["href"].strip("<>")
            title = re.sub(r"[*_`]", "", title)
        else:
            bare = BARE.search(body)
            href = bare[0] if bare else ""
            title = body[: bare.start()] if bare else body
        title = re.sub(r"[\s:–—-]+$", "", fields.text(title) or "").strip() or None
        ids = fields.identifiers(href)
        if title and (fields.identifiers(title) or title == href):
            title = None  # the link text was the link itself
        out.add(number, "", title=title, url=href if not ids.get("arxiv") and href.startswith("http") else None, **ids)


FORMAT = Format("links", detect, read, "a list of links")
