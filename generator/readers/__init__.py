"""Seed readers: bytes of one seed file in, records and problems out. No I/O here.

One module a format, each with a `Format`: `detect(text, suffix) -> confidence` and
`read(text, collector)`. `read_seed` decodes the bytes, asks every format how sure it is,
and reads the file as the surest one at or above `MIN_CONFIDENCE`; prose that fits no
format falls back to one abstract per paragraph, with a warning. Formats that are
recognised but not read (markup, data files) refuse the whole file, naming the format.
Nothing is dropped silently: text that is not used becomes a Problem with its file and line.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..model import Problem
from . import abstract_lines, bibtex, feeds, jsonfiles, links, listing, paragraphs, table, translated, unsupported
from .base import Collector, DecodeError, Format, Line, Reading, decode, split_lines
from .listing import split_title_authors

FORMATS: tuple[Format, ...] = (
    bibtex.FORMAT,
    *jsonfiles.FORMATS,
    feeds.FORMAT,
    table.FORMAT,
    *unsupported.FORMATS,
    listing.FORMAT,
    abstract_lines.FORMAT,
    translated.FORMAT,
    links.FORMAT,
)
"""In order of precedence when two are equally sure."""
FALLBACK = paragraphs.FORMAT
MIN_CONFIDENCE = 0.5

__all__ = ["FORMATS", "Line", "Reading", "detect_format", "read_seed", "split_lines", "split_title_authors"]


DETECT_CHARS = 65_536
"""Formats are told apart on the file's first 64 kB (whole lines): a few hundred records."""


def detect_format(text: str, name: str = "") -> Format:
    """The surest format for a text (judged on its start), or the paragraph fallback."""
    suffix = PurePosixPath(name.removesuffix(".gz")).suffix.lower()
    if len(text) > DETECT_CHARS:
        text = text[: text.rfind("\n", 0, DETECT_CHARS) + 1 or DETECT_CHARS]
    best, confidence = FALLBACK, MIN_CONFIDENCE
    for candidate in FORMATS:
        score = candidate.detect(text, suffix)
        if score > confidence or (score == confidence and best is FALLBACK):
            best, confidence = candidate, score
    return best


def read_seed(data: bytes, name: str) -> Reading:
    """Read one seed file's bytes. `name` is how the file is named in sources and reports."""
    try:
        text, repairs = decode(data)
    except DecodeError as error:
        return Reading((), (Problem(name, 0, f"file skipped: it {error}"),), None)
    format = detect_format(text, name)
    out = Collector(name, format.name)
    for repair in repairs:
        out.warn(0, repair)
    if format.read is None:
        out.reject(0, f"file skipped: it looks like {format.label}, which is not a seed format the generator reads (see the README, 'Adding seeds')")
        return Reading((), tuple(out.problems), None)
    if not text.strip():
        out.warn(0, "file is empty")
    elif format is FALLBACK:
        out.warn(
            1,
            "no known format (no 'Abstract:' lines, listing headers or 'translated by' separators); "
            "read one abstract per paragraph",
        )
    format.read(text, out)
    return Reading(tuple(out.records), tuple(out.problems), format.name)
