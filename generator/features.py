"""The seam for cached work: what the stages compute from a text, for many texts at once.

Each function takes texts and returns one result a text, asking the active cache (see
`cache`) first and computing only the missing ones. The stages call these instead of
computing per text themselves, so the cache sits here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import cache
from .cache import key_of


def shingles_of(texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Word 3-shingle hashes of each text and their MinHash signature (see `dedupe`)."""
    from .dedupe import Shingler, minhash

    shingler = Shingler()

    def make(missing: list[int]) -> list[tuple[np.ndarray, np.ndarray]]:
        made = [shingler.shingles(texts[i]) for i in missing]
        return [(shingles, minhash(shingles)) for shingles in made]

    return cache.active().compute("shingles", [key_of(t) for t in texts], make)


def terms_of(texts: Sequence[tuple[str, str]]):  # type: ignore[no-untyped-def]
    """Weighted stems of each (text, language) (see `crosslingual.document_terms`)."""
    from .crosslingual import document_terms

    return cache.active().compute("terms", [key_of(t, lang) for t, lang in texts], lambda missing: [document_terms(*texts[i]) for i in missing])


def cognates_of(texts: Sequence[tuple[str, str]], kind: str):  # type: ignore[no-untyped-def]
    """Spellings or sounds (`kind`) of each (text, language) (see `cognates`)."""
    from .cognates import cognates
    from .crosslingual import Vector

    def make(missing: list[int]) -> list[Vector]:
        return [Vector.of(cognates(*texts[i], kind)) for i in missing]

    return cache.active().compute("cognates", [key_of(t, lang, kind) for t, lang in texts], make)


def embeddings_of(texts: Sequence[str]) -> np.ndarray:
    """Unit-length multilingual sentence embeddings; the encoder loads only if one is missing."""
    from .translations import encode

    def make(missing: list[int]) -> list[np.ndarray]:
        return list(encode([texts[i] for i in missing]))

    rows = cache.active().compute("embedding", [key_of(t) for t in texts], make)
    return np.stack(rows) if rows else np.zeros((0, 512))
