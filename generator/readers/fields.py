"""Turning the fields of structured sources into record metadata: names, dates, ids."""

from __future__ import annotations

import re
from datetime import date

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
