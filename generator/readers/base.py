"""What every reader shares: decoding, lines, and the collector that checks each abstract."""

from __future__ import annotations

import codecs
import gzip
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from ..arxiv import arxiv_date
from ..model import STRUCTURED, Problem, Record, Source
from ..language import identify
from ..text import clean, excerpt

MIN_ABSTRACT_CHARS = 20
"""Shorter text is not an abstract: a stray word, a page number, a scraping leftover."""
MAX_ABSTRACT_CHARS = 20_000
"""Real abstracts stay under 5,000 characters (arXiv caps them at 1,920); 20,000 leaves room
for merged lines, and anything longer is a scraping accident that would swamp a page."""

_CONTROL_BYTES = bytes(b for b in range(32) if b < 9 or 13 < b)
"""Bytes that text files do not contain (tabs and line breaks aside)."""
ABSTRACT_PREFIX = re.compile(r"^\s*abstract\s*[:：]\s*", re.IGNORECASE)
LINE_BREAK = re.compile(r"\r\n|\r|\n")
SENTENCE_END = r"(?<=[.!?。！？)\]\"'”’])"
"""Where a record appended without a final newline can start: right after a sentence."""


@dataclass(frozen=True)
class Line:
    """A line of a seed file and its 1-based number."""

    number: int
    text: str


@dataclass(frozen=True)
class Reading:
    """What reading one seed file gave."""

    records: tuple[Record, ...]
    problems: tuple[Problem, ...]
    format: str | None
    """The format the file was read as; None when it was not read (undecodable, or a format
    the generator recognises but does not read)."""


@dataclass(frozen=True)
class Format:
    """A seed format: how sure it is that a text is in it, and how to read it."""

    name: str
    detect: Callable[[str, str], float]
    """(text, file suffix) -> confidence from 0 to 1. The suffix is a hint, never decisive."""
    read: Callable[[str, "Collector"], None] | None
    """Reads the text into the collector; None for a format that is recognised only to be
    refused (see `unsupported`)."""
    label: str = ""
    """How to name the format in messages ("a BibTeX file")."""


class DecodeError(ValueError):
    """The bytes are not text we can read."""


def decode(data: bytes) -> tuple[str, list[str]]:
    """Decode a seed file: UTF-8 (with or without BOM), or UTF-16/32 with a BOM.

    A gzip-compressed file (an export of a large list, `papers.json.gz`) is decompressed
    first. Returns the text and warnings about repairs. Raises DecodeError for anything
    else: guessing a legacy encoding would silently produce mojibake pages.
    """
    warnings: list[str] = []
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as error:
            raise DecodeError(f"is a damaged gzip file ({error})") from None
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), [f"decoded as {encoding.upper()} (byte-order mark)"]
            except UnicodeDecodeError as error:
                raise DecodeError(f"has a {encoding.upper()} byte-order mark but is not valid {encoding.upper()}: {error.reason}") from None
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    sample = data[:65536]
    binary = len(sample) - len(sample.translate(None, _CONTROL_BYTES)) > 0.05 * max(len(sample), 1)
    if b"\x00" in data and not binary:
        nuls = data.count(b"\x00")
        data = data.replace(b"\x00", b"")
        warnings.append(f"removed {nuls} NUL byte(s)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        if binary:
            raise DecodeError("is a binary file, not text") from None
        line = data[: error.start].count(b"\n") + 1
        hint = ""
        try:
            if re.search(r"[\u4e00-\u9fff]", data.decode("gb18030")):
                hint = "; it looks like GB18030 Chinese: convert it with `iconv -f GB18030 -t UTF-8`"
        except UnicodeDecodeError:
            pass
        raise DecodeError(f"is not UTF-8 text: invalid byte 0x{data[error.start]:02x} on line {line}{hint}") from None
    if binary:
        raise DecodeError("is a binary file, not text")
    return text, warnings


def split_lines(text: str) -> list[Line]:
    """Lines numbered from 1, split on LF, CRLF or CR only (not on Unicode line separators,
    so numbers match what an editor shows)."""
    return [Line(number, raw) for number, raw in enumerate(LINE_BREAK.split(text), start=1)]


def paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Runs of non-blank lines."""
    runs: list[list[Line]] = [[]]
    for line in lines:
        if line.text.strip():
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def split_glued(lines: list[Line], marker: re.Pattern[str], out: Collector, what: str, may_hold: Callable[[str], bool]) -> list[Line]:
    """Lines with a record marker inside them (after the end of a sentence) split in two.

    `echo "Abstract: ..." >> seeds/x.txt` on a file without a final newline glues the new
    record onto the last one; reading it as one abstract would lose a paper silently. Both
    parts keep the line's number, and a warning names it. `may_hold` is a cheap test that
    spares most lines the marker's regular expression."""
    result = []
    for line in lines:
        if not may_hold(line.text):  # cheap: most lines hold no marker at all
            result.append(line)
            continue
        starts = [m.start() for m in marker.finditer(line.text) if line.text[: m.start()].strip()]
        if not starts:
            result.append(line)
            continue
        out.warn(line.number, f"{what} inside this line (appended without a newline?); split there", line.text)
        bounds = [0, *starts, len(line.text)]
        result += [Line(line.number, line.text[a:b]) for a, b in zip(bounds, bounds[1:])]
    return result


PLACEHOLDER = re.compile(r"^\s*(?:untitled(?:\s+\w*)?|no title|n/?a|null|none|title|\[?no title\]?)\s*$", re.IGNORECASE)
"""A title field that holds no title (Zotero's `Untitled Item`, cut short or not)."""
_NOT_A_TITLE = [
    (re.compile(r"^\s{0,3}#{1,6}(?:[^\w#]|$)"), "the title is a Markdown heading"),
    (re.compile(r"^\s*\|\s|\s\|\s.*\s\|(?:\s|$)"), "the title is a table row"),
    (re.compile(r"\s*(?:!\[|\[!\[)|.*(?:img\.shields\.io|badge\.fury\.io)"), "the title is a badge or an image"),
    (re.compile(r"\]\(|\[\[|\]\]|\*\*|__|<(?:/?(?:a|img|br|div|span|details|summary|p|table|tr|td)\b)|^\s*[-*+>]\s", re.IGNORECASE), "the title is markup"),
]


def undecorated(title: str) -> str:
    """A title without the marks a list decorates it with: `⭐ Title ⭐⭐`, `🔥Title (NEW)`
    keep `Title (NEW)`; symbols inside the title stay."""
    if not title or title.isascii():
        return title.strip()
    start = next((i for i, c in enumerate(title) if not _decoration(c)), len(title))
    end = len(title) - next((i for i, c in enumerate(reversed(title)) if not _decoration(c)), len(title))
    return title[start:end].strip() if start < end else title.strip()


def _decoration(character: str) -> bool:
    return character.isspace() or character in "\ufe0f\u200d" or (unicodedata.category(character) in ("So", "Sk", "Cs", "Co") and character != "°")


_CELL = re.compile(r"\s\|(?:\s|$)")


def not_a_title(title: str, markdown: bool = False) -> str:
    """Why a title is none (a heading, a table row, a list number, a badge, markup, no
    words), or "". In Markdown (`markdown`) one ` | ` is a table's too; a feed's or a
    bibliography's title may hold one (`Navigating the Post-API Dilemma | Search Engine
    Results Pages ...`)."""
    if not any(c.isalpha() for c in title):
        return "the title is a number or punctuation" if title.strip() else "the title is empty"
    if markdown and _CELL.search(title):
        return "the title is a table row"
    return next((why for pattern, why in _NOT_A_TITLE if pattern.search(title)), "")


def not_an_abstract(abstract: str) -> str:
    """Why an abstract that a title would be made from is none (it starts as a table row or a
    badge), or "". (A leading `#` may be the abstract's own: `Abstract: # of samples ...`.)"""
    return next((why.replace("the title is", "the text is") for pattern, why in _NOT_A_TITLE[1:3] if pattern.match(abstract[:200])), "")


class Collector:
    """Builds records and problems for one file, checking every abstract on the way."""

    def __init__(self, name: str, format: str) -> None:
        self.name = name
        self.format = format
        self.records: list[Record] = []
        self.problems: list[Problem] = []

    def warn(self, line: int, reason: str, text: str = "") -> None:
        self.problems.append(Problem(self.name, line, reason, "warning", excerpt(text)))

    def reject(self, line: int, reason: str, text: str = "") -> None:
        self.problems.append(Problem(self.name, line, reason, "error", excerpt(text)))

    def add(self, line: int, abstract: str, **metadata: object) -> None:
        """A record from `line`, if its abstract is usable. A leading `Abstract:` is never
        part of the text, whatever the format.

        An entry of a structured source (BibTeX, a link, ...) with a title or an identifier
        is a paper even without an abstract: it is kept with an empty one."""
        abstract = ABSTRACT_PREFIX.sub("", clean(abstract), count=1)
        title = undecorated(str(metadata.get("title") or ""))
        if metadata.get("title"):
            metadata["title"] = title or None
        if title and PLACEHOLDER.match(title):
            self.warn(line, "the title is a placeholder; entry kept without it", title)
            metadata["title"] = title = ""
        why = not_a_title(title, self.format == "links") if title else not_an_abstract(abstract)
        if why:
            self.reject(line, f"{why}: not a paper", title or abstract)
            return
        if metadata.get("arxiv") and not metadata.get("date") and not metadata.get("year"):
            metadata.update(arxiv_date(str(metadata["arxiv"])))  # no better date is known
        named = any(metadata.get(field) for field in ("title", "arxiv", "doi", "url"))
        if len(abstract) < MIN_ABSTRACT_CHARS and named:
            if abstract:
                self.warn(line, f"abstract too short ({len(abstract)} characters); entry kept without it", abstract)
            source = Source(self.name, line, self.format)
            found = identify(str(metadata.get("title") or ""))
            self.records.append(Record(source, "", found.language, language_reason=found.reason, **metadata))  # type: ignore[arg-type]
            return
        if len(abstract) < MIN_ABSTRACT_CHARS:
            what = ("no title, arXiv id, DOI, link or abstract" if not abstract and (self.format in STRUCTURED or self.format == "links") else
                    "empty abstract") if not abstract else f"abstract too short ({len(abstract)} characters, at least {MIN_ABSTRACT_CHARS} needed)"
            self.reject(line, what, abstract)
            return
        if len(abstract) > MAX_ABSTRACT_CHARS:
            self.reject(line, f"abstract too long ({len(abstract):,} characters, at most {MAX_ABSTRACT_CHARS:,})", abstract)
            return
        source = Source(self.name, line, self.format)
        found = identify(abstract)
        self.records.append(Record(source, abstract, found.language, language_reason=found.reason, **metadata))  # type: ignore[arg-type]
