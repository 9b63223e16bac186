"""Text normalisation shared by the readers and the duplicate finder."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u2028\u2029\ufeff]")
_NON_WORD = re.compile(r"[\W_]+")


def clean(text: str) -> str:
    """Unicode NFC, control characters removed, whitespace collapsed to single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def fingerprint(text: str) -> str:
    """The text reduced for exact comparison: NFKC, case-folded, no punctuation or spaces.

    Two abstracts with the same fingerprint differ only in case, spacing, punctuation or
    Unicode form, and are word-for-word duplicates.
    """
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub("", text)


_SCRIPTS = (
    # (language, first and last code point of its letters)
    ("zh", "\u4e00", "\u9fff"),
    ("ja", "\u3040", "\u30ff"),
    ("ko", "\uac00", "\ud7af"),
    ("ru", "\u0400", "\u04ff"),
    ("ar", "\u0600", "\u06ff"),
    ("he", "\u0590", "\u05ff"),
)


def detect_language(text: str) -> str:
    """Guess the language from the script of its letters; Latin script counts as English.

    A non-Latin script wins when it makes up at least a fifth of the letters: translations
    keep Latin acronyms (LLM, GPT-4), so they never reach 100 %. Kana marks Japanese even
    when Han characters outnumber it.
    """
    letters = [c for c in text if c.isalpha()]
    counts = {lang: sum(1 for c in letters if lo <= c <= hi) for lang, lo, hi in _SCRIPTS}
    if counts["ja"] >= 5 and counts["ja"] + counts["zh"] >= 0.2 * len(letters):
        return "ja"
    for lang, _, _ in _SCRIPTS:
        if letters and counts[lang] >= 0.2 * len(letters):
            return lang
    return "en"


def excerpt(text: str, width: int = 60) -> str:
    """The start of a text, one line, for error messages."""
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"
