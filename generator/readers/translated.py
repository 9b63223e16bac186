"""Abstracts separated by the line `translated by 谷歌翻译`, in any language."""

from __future__ import annotations

import re

from .base import SENTENCE_END, Collector, Format, Line, split_glued, split_lines

SEPARATOR = re.compile(r"^\s*translated by 谷歌翻译\s*$", re.IGNORECASE)
GLUED = re.compile(SENTENCE_END + r"\s*(?=translated by 谷歌翻译)|(?<=谷歌翻译)(?=\s*\S)", re.IGNORECASE)


def detect(text: str, suffix: str) -> float:
    """Any separator marks the format; a file mostly of `Abstract:` lines still wins."""
    return 0.75 if "translated by 谷歌翻译" in text.casefold() else 0.0


def read(text: str, out: Collector) -> None:
    """Each block between separators is one abstract, however many lines it spans."""
    block: list[Line] = []
    lines = split_glued(split_lines(text), GLUED, out, "a 'translated by' separator", lambda text: "谷歌翻译" in text)
    for line in lines + [Line(0, "translated by 谷歌翻译")]:
        if SEPARATOR.match(line.text):
            if block:
                out.add(block[0].number, " ".join(part.text for part in block))
            block = []
        elif line.text.strip():
            block.append(line)


FORMAT = Format("translated", detect, read, "a file of abstracts separated by 'translated by 谷歌翻译'")
