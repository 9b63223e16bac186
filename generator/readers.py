"""Seed readers: bytes of one seed file in, records and problems out. No I/O here.

A reader per format, registered by name in READERS. `read_seed` decodes the bytes, detects
the format and runs the reader. Nothing is dropped silently: text that is not used becomes
a Problem with its file and line.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from . import arxiv
from .model import Problem, Record, Source
from .text import clean, detect_language, excerpt

MIN_ABSTRACT_CHARS = 20
"""Shorter text is not an abstract: a stray word, a page number, a scraping leftover."""
MAX_ABSTRACT_CHARS = 20_000
"""Real abstracts stay under 5,000 characters (arXiv caps them at 1,920); 20,000 leaves room
for merged lines, and anything longer is a scraping accident that would swamp a page."""

ABSTRACT_PREFIX = re.compile(r"^\s*abstract\s*[:：]\s*", re.IGNORECASE)
TRANSLATED_SEPARATOR = re.compile(r"^\s*translated by 谷歌翻译\s*$", re.IGNORECASE)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
LISTING_HEADER = re.compile(
    r"^\s*(?P<category>[A-Za-z][A-Za-z.\-]*?)\s*"
    r"(?P<month>" + "|".join(MONTHS) + r")[a-z]*\.?\s+(?P<day>\d{1,2}),\s*(?P<year>\d{4})\s*$"
)
LINE_BREAK = re.compile(r"\r\n|\r|\n")


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
    """The detected format, None when the file could not be decoded."""


class DecodeError(ValueError):
    """The bytes are not text we can read."""


# ---------------------------------------------------------------- decoding


def decode(data: bytes) -> tuple[str, list[str]]:
    """Decode a seed file: UTF-8 (with or without BOM), or UTF-16/32 with a BOM.

    Returns the text and warnings about repairs. Raises DecodeError for anything else:
    guessing a legacy encoding would silently produce mojibake pages.
    """
    warnings: list[str] = []
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
    binary = sum(1 for b in sample if b < 9 or 13 < b < 32) > 0.05 * max(len(sample), 1)
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


# ---------------------------------------------------------------- records


class _Collector:
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
        abstract = clean(abstract)
        if len(abstract) < MIN_ABSTRACT_CHARS:
            what = "empty abstract" if not abstract else f"abstract too short ({len(abstract)} characters, at least {MIN_ABSTRACT_CHARS} needed)"
            self.reject(line, what, abstract)
            return
        if len(abstract) > MAX_ABSTRACT_CHARS:
            self.reject(line, f"abstract too long ({len(abstract):,} characters, at most {MAX_ABSTRACT_CHARS:,})", abstract)
            return
        source = Source(self.name, line, self.format)
        self.records.append(Record(source, abstract, detect_language(abstract), **metadata))  # type: ignore[arg-type]


def _paragraphs(lines: list[Line]) -> list[list[Line]]:
    """Runs of non-blank lines."""
    runs: list[list[Line]] = [[]]
    for line in lines:
        if line.text.strip():
            runs[-1].append(line)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def read_abstract_lines(lines: list[Line], out: _Collector) -> None:
    """One abstract a line, prefixed `Abstract:`. An unprefixed line continues the one before."""
    current: list[Line] = []

    def flush() -> None:
        if current:
            out.add(current[0].number, " ".join(ABSTRACT_PREFIX.sub("", line.text, count=1) for line in current))

    for line in lines:
        if not line.text.strip():
            continue
        if ABSTRACT_PREFIX.match(line.text):
            flush()
            current = [line]
        elif current:
            current.append(line)
        else:
            out.warn(line.number, "text before the first 'Abstract:' line, read as an abstract", line.text)
            current = [line]
    flush()


def read_translated(lines: list[Line], out: _Collector) -> None:
    """Abstracts separated by the line `translated by 谷歌翻译`; each may span several lines."""
    block: list[Line] = []
    for line in lines + [Line(0, "translated by 谷歌翻译")]:
        if TRANSLATED_SEPARATOR.match(line.text):
            if block:
                out.add(block[0].number, " ".join(part.text for part in block))
            block = []
        elif line.text.strip():
            block.append(line)


def read_listing(lines: list[Line], out: _Collector) -> None:
    """Blocks of a `<category><Mon D, YYYY>` line, a title+authors line and the abstract.

    The abstract runs to the next header line, so wrapped abstracts stay whole.
    """
    blocks: list[list[Line]] = []
    for line in lines:
        if LISTING_HEADER.match(line.text):
            blocks.append([line])
        elif line.text.strip():
            if blocks:
                blocks[-1].append(line)
            else:
                out.warn(line.number, "text before the first listing header, read as an abstract", line.text)
                out.add(line.number, line.text)
    for header, *rest in blocks:
        match = LISTING_HEADER.match(header.text)
        assert match  # blocks start with header lines by construction
        if len(rest) < 2:
            out.reject(header.number, "listing block without a title line and an abstract", " ".join(l.text for l in [header, *rest]))
            continue
        title, authors, affiliations = split_title_authors(clean(rest[0].text))
        if not authors:
            out.warn(rest[0].number, "could not tell the title from the authors; used the whole line as the title", rest[0].text)
        out.add(
            rest[1].number,
            " ".join(line.text for line in rest[1:]),
            title=title or None,
            authors=authors,
            affiliations=affiliations,
            date=_listing_date(match),
            category=arxiv.category_code(match["category"]),
        )


def read_paragraphs(lines: list[Line], out: _Collector) -> None:
    """The fallback: one abstract per paragraph (run of non-blank lines)."""
    for paragraph in _paragraphs(lines):
        out.add(paragraph[0].number, " ".join(line.text for line in paragraph))


READERS: dict[str, Callable[[list[Line], _Collector], None]] = {
    "abstract-lines": read_abstract_lines,
    "listing": read_listing,
    "translated": read_translated,
    "paragraphs": read_paragraphs,
}


def detect_format(lines: list[Line]) -> str:
    """The format that explains most of the file's non-blank lines.

    Listing headers explain three lines each, `Abstract:` lines one each; a format must
    explain at least half the lines. Any `translated by` separator marks the third format.
    Everything else falls back to `paragraphs`.
    """
    text = [line.text for line in lines if line.text.strip()]
    if not text:
        return "paragraphs"
    headers = sum(1 for t in text if LISTING_HEADER.match(t))
    prefixed = sum(1 for t in text if ABSTRACT_PREFIX.match(t))
    separators = sum(1 for t in text if TRANSLATED_SEPARATOR.match(t))
    if 3 * headers >= 0.5 * len(text) and headers >= prefixed:
        return "listing"
    if prefixed >= 0.5 * len(text):
        return "abstract-lines"
    if separators:
        return "translated"
    return "paragraphs"


def read_seed(data: bytes, name: str) -> Reading:
    """Read one seed file's bytes. `name` is how the file is named in sources and reports."""
    try:
        text, repairs = decode(data)
    except DecodeError as error:
        return Reading((), (Problem(name, 0, f"file skipped: it {error}"),), None)
    lines = split_lines(text)
    format = detect_format(lines)
    out = _Collector(name, format)
    for repair in repairs:
        out.warn(0, repair)
    if not any(line.text.strip() for line in lines):
        out.warn(0, "file is empty")
    elif format == "paragraphs":
        out.warn(
            1,
            "no known format (no 'Abstract:' lines, listing headers or 'translated by' separators); "
            "read one abstract per paragraph",
        )
    READERS[format](lines, out)
    return Reading(tuple(out.records), tuple(out.problems), format)


# ---------------------------------------------------------------- listing details

_NAME_PART = re.compile(r"(?:Mc|Mac|O'|D'|De|Di|La|Le)?[^\W\d_][^\W\d_A-Z]*\.?")
_PARTICLES = frozenset("van von der den de del della di da du la le dos das bin al ibn y".split())


def _is_name_word(word: str) -> bool:
    """`Yuntao`, `J.`, `Jean-Luc`, `McKenzie`, `d'Alembert`, `van`: one word of a person's name."""
    if word.lower() in _PARTICLES:
        return True
    parts = re.split(r"-", word)
    return all(part[:1].isupper() and _NAME_PART.fullmatch(part) for part in parts)


def _is_author_list(text: str) -> bool:
    """Comma-separated names of one to five name words each."""
    for name in text.split(","):
        words = re.sub(r"^\s*(and|&)\s+", "", name).split()
        if not 1 <= len(words) <= 5 or not all(_is_name_word(word) for word in words):
            return False
        if all(word.lower() in _PARTICLES for word in words):
            return False
    return True


def split_title_authors(line: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Split `<Title><Author, Author et al.> · <affiliations>` into its parts.

    The first author's given name is glued to the last word of the title
    (`...Human FeedbackYuntao Bai`). Candidate glue points are the capitals inside a word
    that start a plain capitalised tail (`Yuntao`, not `ScoreTianyi`); the first candidate,
    from the left, after which the rest of the line is a list of personal names wins.
    Camel-case in the title (`LLaMA`, `BERTScore`, `GPT-4`, `RLHF:`) is never a candidate
    or is followed by title words that are not names, and titles may contain commas.
    Returns the line (less affiliations) as the title and no authors when no split works.
    """
    head, _, tail = line.partition(" · ")
    affiliations = tuple(part.strip() for part in tail.split(",") if part.strip())
    head = re.sub(r",?\s*(et al\.?|and others)\s*$", "", head.strip())
    for glue in re.finditer(r"(?<=\S)[A-Z]", head):
        rest = head[glue.start():]
        first_word = rest.split(" ", 1)[0].rstrip(",")
        if not re.fullmatch(r"[A-Z](?:[a-z'’]+(?:-[A-Z]?[a-z]+)*|\.)", first_word):
            continue
        if _is_author_list(rest):
            authors = tuple(re.sub(r"^(and|&)\s+", "", name.strip()) for name in rest.split(","))
            return head[: glue.start()].strip(), authors, affiliations
    return head, (), affiliations


def _listing_date(match: re.Match[str]) -> str | None:
    try:
        day = date(int(match["year"]), MONTHS.index(match["month"][:3]) + 1, int(match["day"]))
    except ValueError:
        return None
    return day.isoformat()
