"""Formats the generator recognises only to refuse them as a whole.

Read as prose, an HTML page or a JSON or XML document of unknown shape would become pages
of markup.
Each is detected from the content (the file suffix only breaks ties) and the whole file is
reported with the format named, so the user knows what to convert.
"""

from __future__ import annotations

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


MARKDOWN = (".md", ".markdown")
"""Markdown may start with HTML (a centred heading): in a file so named, a Markdown reader
that finds its content wins over these."""


def detect_html(text: str, suffix: str) -> float:
    return (0.5 if suffix in MARKDOWN else 1.0) if _markup(text) == "HTML document" else 0.0


def detect_xml(text: str, suffix: str) -> float:
    return (0.5 if suffix in MARKDOWN else 1.0) if _markup(text) in ("XML document", "Atom feed", "RSS feed") else 0.0


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


FORMATS = (
    Format("html", detect_html, None, "an HTML document"),
    Format("xml", detect_xml, None, "an XML document other than an Atom or RSS feed"),
    Format("json", detect_json, None, "a JSON file other than CSL-JSON or a papers.json export"),
)
