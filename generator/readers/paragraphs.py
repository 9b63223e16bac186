"""The fallback for prose: one abstract per paragraph (run of non-blank lines)."""

from __future__ import annotations

from .base import Collector, Format, paragraphs, split_lines


def detect(text: str, suffix: str) -> float:
    return 0.0  # never chosen by confidence: `read_seed` falls back to it, with a warning


def read(text: str, out: Collector) -> None:
    for paragraph in paragraphs(split_lines(text)):
        out.add(paragraph[0].number, " ".join(line.text for line in paragraph))


FORMAT = Format("paragraphs", detect, read, "prose paragraphs")
