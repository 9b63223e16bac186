"""`Abstract: ...` records: one a line, or wrapped over several lines, blank lines or not."""

from __future__ import annotations

import re

from .base import ABSTRACT_PREFIX, SENTENCE_END, Collector, Format, Line, paragraphs, split_glued, split_lines

GLUED = re.compile(SENTENCE_END + r"\s*(?=abstract\s*[:：])", re.IGNORECASE)


def detect(text: str, suffix: str) -> float:
    """The share of record starts (a prefixed line, or the first line of a paragraph) that
    carry the prefix: 1.0 for a file of `Abstract:` records however they are wrapped."""
    lines = split_lines(text)
    prefixed = {line.number for line in lines if ABSTRACT_PREFIX.match(line.text)}
    if not prefixed:
        return 0.0
    starts = prefixed | {paragraph[0].number for paragraph in paragraphs(lines)}
    return len(prefixed) / len(starts)


def read(text: str, out: Collector) -> None:
    """An `Abstract:` line starts a record; unprefixed lines continue it, across blank lines."""
    current: list[Line] = []

    def flush() -> None:
        if current:
            out.add(current[0].number, " ".join(line.text for line in current))

    for line in split_glued(split_lines(text), GLUED, out, "an 'Abstract:' record", lambda text: "bstract" in text or "BSTRACT" in text):
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


FORMAT = Format("abstract-lines", detect, read, "a file of 'Abstract:' records")
