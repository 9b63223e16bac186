"""arXiv-style listings: a `<category><Mon D, YYYY>` line, a title+authors line, the abstract."""

from __future__ import annotations

import re
from datetime import date

from .. import arxiv
from ..text import clean
from .base import SENTENCE_END, Collector, Format, Line, split_glued, split_lines

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_HEADER = (
    r"(?P<category>[A-Za-z][A-Za-z.\-]*?)\s*"
    r"(?P<month>" + "|".join(MONTHS) + r")[a-z]*\.?\s+(?P<day>\d{1,2}),\s*(?P<year>\d{4})\s*$"
)
HEADER = re.compile(r"^\s*" + _HEADER)
GLUED = re.compile(SENTENCE_END + r"\s*(?=" + _HEADER + ")")


def detect(text: str, suffix: str) -> float:
    """Header lines explain three lines each."""
    lines = [line.text for line in split_lines(text) if line.text.strip()]
    headers = sum(1 for line in lines if HEADER.match(line))
    return min(1.0, 3 * headers / len(lines)) if headers else 0.0


def read(text: str, out: Collector) -> None:
    """Blocks of a header line, a title+authors line and the abstract. The abstract runs to
    the next header line, so wrapped abstracts stay whole. A record's line is its header's."""
    blocks: list[list[Line]] = []
    for line in split_glued(split_lines(text), GLUED, out, "a listing header", lambda text: text.rstrip()[-4:].isdigit()):
        if HEADER.match(line.text):
            blocks.append([line])
        elif line.text.strip():
            if blocks:
                blocks[-1].append(line)
            else:
                out.warn(line.number, "text before the first listing header, read as an abstract", line.text)
                out.add(line.number, line.text)
    for header, *rest in blocks:
        match = HEADER.match(header.text)
        assert match  # blocks start with header lines by construction
        if len(rest) < 2:
            out.reject(header.number, "listing block without a title line and an abstract", " ".join(l.text for l in [header, *rest]))
            continue
        title, authors, affiliations = split_title_authors(clean(rest[0].text))
        if not authors:
            out.warn(rest[0].number, "could not tell the title from the authors; used the whole line as the title", rest[0].text)
        out.add(
            header.number,
            " ".join(line.text for line in rest[1:]),
            title=title or None,
            authors=authors,
            affiliations=affiliations,
            date=_listing_date(match),
            category=arxiv.category_code(match["category"]),
        )


FORMAT = Format("listing", detect, read, "an arXiv-style listing")


_NAME_PART = re.compile(r"(?:Mc|Mac|O'|D'|De|Di|La|Le)?[^\W\d_][^\W\d_A-Z]*\.?")
_PARTICLES = frozenset("van von der den de del della di da du la le dos das bin al ibn y".split())
_LEADING_AND = re.compile(r"^\s*(and|&)\s+")
_ET_AL = re.compile(r",?\s*(et al\.?|and others)\s*$")
_GLUE = re.compile(r"(?<=\S)[A-Z]")
_GIVEN_NAME = re.compile(r"[A-Z](?:[a-z'’]+(?:-[A-Z]?[a-z]+)*|\.)")
_AND = re.compile(r"^(and|&)\s+")


def _is_name_word(word: str) -> bool:
    """`Yuntao`, `J.`, `Jean-Luc`, `McKenzie`, `d'Alembert`, `van`: one word of a person's name."""
    if word.lower() in _PARTICLES:
        return True
    parts = word.split("-")
    return all(part[:1].isupper() and _NAME_PART.fullmatch(part) for part in parts)


def _is_author_list(text: str) -> bool:
    """Comma-separated names of one to five name words each."""
    for name in text.split(","):
        words = _LEADING_AND.sub("", name).split()
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
    head = _ET_AL.sub("", head.strip())
    for glue in _GLUE.finditer(head):
        rest = head[glue.start():]
        first_word = rest.split(" ", 1)[0].rstrip(",")
        if not _GIVEN_NAME.fullmatch(first_word):
            continue
        if _is_author_list(rest):
            authors = tuple(_AND.sub("", name.strip()) for name in rest.split(","))
            return head[: glue.start()].strip(), authors, affiliations
    return head, (), affiliations


def _listing_date(match: re.Match[str]) -> str | None:
    try:
        day = date(int(match["year"]), MONTHS.index(match["month"][:3]) + 1, int(match["day"]))
    except ValueError:
        return None
    return day.isoformat()
