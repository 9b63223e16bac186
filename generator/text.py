"""Text normalisation shared by the readers and the duplicate finder."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Sequence

from slugify import slugify

SLUG_WORDS_MAX = 60
"""Characters of title kept in a slug: readable in a URL, short enough for any file system."""
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\u2028\u2029\ufeff]")
_NON_WORD = re.compile(r"[\W_]+")
_ASCII_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_ASCII_NON_WORD = bytes(c for c in range(128) if not chr(c).isalnum())


def clean(text: str) -> str:
    """Unicode NFC, control characters removed, whitespace collapsed to single spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        text = _CONTROL.sub(" ", text)
    elif not text.isprintable():
        text = _CONTROL.sub(" ", text)
    return " ".join(text.split())  # the same as _SPACE.sub(" ", text).strip(), 4 times as fast


def fingerprint(text: str) -> str:
    """The text reduced for exact comparison: NFKC, case-folded, no punctuation or spaces.

    Two abstracts with the same fingerprint differ only in case, spacing, punctuation or
    Unicode form, and are word-for-word duplicates.
    """
    if text.isascii():  # as bytes: one C pass, half the time of `str.translate`
        return text.encode("ascii").translate(_ASCII_LOWER, _ASCII_NON_WORD).decode("ascii")
    text = unicodedata.normalize("NFKC", text).casefold()
    return _NON_WORD.sub("", text)


def fold(word: str) -> str:
    """A word without accents: NFKD, combining marks dropped."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def excerpt(text: str, width: int = 60) -> str:
    """The start of a text, one line, for error messages."""
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


_LATEX_SYMBOLS = {
    "circ": "°", "sim": "~", "times": "×", "leftrightarrow": "↔", "rightarrow": "→", "to": "→",
    "leftarrow": "←", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "approx": "≈", "pm": "±",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "lambda": "λ",
    "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "theta": "θ", "infty": "∞", "cdot": "·",
}
_MATH_SPAN = re.compile(r"\$([^$]{1,300})\$")


def latex_to_text(text: str) -> str:
    """Plain text for inline LaTeX (`$360^{\\circ}$` -> `360°`), for titles and listings
    where math markup cannot be rendered."""

    def plain(match: re.Match[str]) -> str:
        math = re.sub(r"\\(?:mathrm|mathbf|mathit|mathcal|mathbb|text|textbf|textit|texttt|operatorname|href)\s*", "", match[1])
        math = re.sub(r"\\([A-Za-z]+)", lambda m: _LATEX_SYMBOLS.get(m[1], m[1]), math)
        math = re.sub(r"\^\s*\{?\s*°\s*\}?", "°", math)
        return re.sub(r"[{}\\^_]", "", math).strip()

    return _MATH_SPAN.sub(plain, text)


def plural(count: int, word: str, many: str | None = None) -> str:
    """`1 warning`, `2 warnings`, `0 papers`; `many` for irregular plurals."""
    return f"{count:,} {word if count == 1 else many or word + 's'}"


class PhraseIndex:
    """Which of many texts contain a phrase: the texts joined into one string and searched
    with `find`, instead of one substring test a text. Joined as UTF-8 bytes: as a string,
    one Chinese text would make it two bytes a character (a phrase is in a text's UTF-8
    exactly when it is in the text). Texts must not contain NUL."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.starts: list[int] = []
        position = 0
        encoded = []
        for text in texts:
            data = text.encode("utf-8", "surrogatepass")
            encoded.append(data)
            self.starts.append(position)
            position += len(data) + 1
        self.joined = b"\0".join(encoded)

    def holders(self, phrase: str) -> list[int]:
        """Indices of the texts that contain `phrase`, in order."""
        found: list[int] = []
        if not phrase:
            return found
        needle = phrase.encode("utf-8", "surrogatepass")
        at = self.joined.find(needle)
        while at != -1:
            index = bisect_right(self.starts, at) - 1
            found.append(index)
            following = self.starts[index + 1] if index + 1 < len(self.starts) else len(self.joined)
            at = self.joined.find(needle, following)
        return found


def title_slug(title: str) -> str:
    """Lower-case ASCII words joined by hyphens, cut at a word end within SLUG_WORDS_MAX.

    (python-slugify's own `word_boundary` skips words that do not fit and keeps later
    ones, which garbles titles.)"""
    slug = slugify(title) or "paper"
    if len(slug) > SLUG_WORDS_MAX:
        cut = slug.rfind("-", 0, SLUG_WORDS_MAX + 1)
        slug = slug[: cut if cut > 0 else SLUG_WORDS_MAX].strip("-")
    return slug
