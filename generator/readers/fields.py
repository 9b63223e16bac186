"""Turning the fields of structured sources into record metadata: names, dates, ids."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from .. import arxiv
from ..text import clean

_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")


def text(value: object) -> str | None:
    """A field as one clean line of text, or None when empty."""
    if value is None:
        return None
    result = clean(str(value))
    return result or None


_INLINE_MARKUP = re.compile(r"</?(?:i|b|em|strong|sup|sub|sc|scp|span|u|mml:[a-z]+|jats:[a-z]+)(?:\s[^<>]*)?/?>", re.IGNORECASE)


def plain(value: object) -> str | None:
    """A title as CSL-JSON and publishers' exports write it, with inline markup (`<i>`,
    `<sup>`, JATS's `<scp>`) dropped and entities decoded."""
    result = text(value)
    if result is None or "<" not in result and "&" not in result:
        return result
    import html

    return text(html.unescape(_INLINE_MARKUP.sub("", result)))


_TEX_COMMAND = re.compile(r"\\(?:[A-Za-z]+|[^A-Za-z\s])")
_MENDELEY_BACKSLASH = re.compile(r"\$\\backslash\$")


def tex(value: object, braces: bool = False) -> str | None:
    """A field whose text may hold text-mode TeX (`Schr\\"odinger`, `R\\'{e}nyi`, `\\&`), as
    Unicode text (pylatexenc); math (`$x^2$`) is kept for the page to render. Text without a
    TeX command is only cleaned (its braces are its own), unless `braces` says they are
    TeX's (BibTeX's `{Case}` protection)."""
    result = text(value)
    if result is None or not (_TEX_COMMAND.search(result) or (braces and "{" in result)):
        return result
    result = _MENDELEY_BACKSLASH.sub(lambda _: "\\textbackslash{}", result)  # Mendeley writes a backslash so
    return text(_latex_to_text(result))


LABEL = re.compile(r"^Abstract\s+(?=[A-Z])")
"""An abstract field that starts with its label, as copied from a publisher's page."""


NOT_A_VENUE = re.compile(r"\b(?:arxiv|corr|preprint|biorxiv|medrxiv|ssrn|openreview|e-?prints?|submitted|under review)\b", re.IGNORECASE)
"""A journal or proceedings field that names a preprint server, not where the paper was published."""


def venue(value: object, braces: bool = False) -> str | None:
    """Where a paper was published (`journal`, `booktitle`, CSL's `container-title`, arXiv's
    `journal_ref`), or None for a preprint server."""
    if isinstance(value, list):
        value = value[0] if value else None
    found = tex(value, braces)
    if not found or NOT_A_VENUE.search(found):
        return None
    return found[:200]


def abstract(value: object, braces: bool = False) -> str:
    """An abstract field's text (`tex`), without a leading `Abstract` label."""
    return LABEL.sub("", tex(value, braces) or "", count=1)


@cache
def _converter():  # type: ignore[no-untyped-def]
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="verbatim")


def _latex_to_text(value: str) -> str:
    try:
        return str(_converter().latex_to_text(value))
    except Exception:  # noqa: BLE001  (pylatexenc raises many kinds on broken TeX; the text stays as written)
        return value


def year_of(value: object) -> int | None:
    match = _YEAR.search(str(value or ""))
    return int(match[1]) if match else None


def iso_date(value: object) -> str | None:
    """`YYYY-MM-DD` from `2024-01-05`, `2024-01-05T10:00:00Z` or (year, month, day)."""
    if isinstance(value, (list, tuple)):
        parts = [int(part) for part in value[:3] if str(part).strip().lstrip("-").isdigit()]
        if len(parts) == 3:
            value = f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"
        else:
            return None
    match = _ISO_DATE.match(str(value or "").strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


def authors(value: object) -> tuple[str, ...]:
    """Author names from `A and B`, `A; B`, `Last, First and ...` or a list."""
    if not value:
        return ()
    if isinstance(value, (list, tuple)):
        names = [str(name) for name in value]
    else:
        raw = str(value)
        names = re.split(r"\s+and\s+|\s*;\s*", raw) if re.search(r"\s+and\s+|;", raw) else [n for n in raw.split(",")]
    result = []
    for name in names:
        name = clean(name)
        if "," in name and name.count(",") == 1:  # "Hubinger, Evan"
            last, first = (part.strip() for part in name.split(","))
            name = f"{first} {last}".strip()
        if name:
            result.append(name)
    return tuple(result)


def identifiers(*fields: object) -> dict[str, object]:
    """arXiv id (and version) and DOI found in the given fields, first found wins."""
    found: dict[str, object] = {}
    for field in fields:
        if not field:
            continue
        value = str(field)
        if "arxiv" not in found:
            parsed = arxiv.arxiv_id(value) or arxiv.arxiv_id(value, anywhere=True) if re.search(r"arxiv|\d{4}\.\d{4,5}|[a-z]/\d{7}", value, re.IGNORECASE) else None
            if parsed:
                found["arxiv"], found["version"] = parsed
        if "doi" not in found:
            doi = arxiv.doi(value)
            if doi:
                found["doi"] = doi
    return found


def keywords(value: object) -> tuple[str, ...]:
    if isinstance(value, (list, tuple)):
        return tuple(k for k in (text(v) for v in value) if k)
    return tuple(k for k in (text(v) for v in re.split(r"[,;]", str(value or ""))) if k)
