"""The seam for cached work: what the stages compute from a text, for many texts at once.

Each function takes texts and returns one result a text, asking the active cache (see
`cache`) first and computing only the missing ones. The stages call these instead of
computing per text themselves, so the cache sits here and nowhere else. Many missing texts
are computed by worker processes (`parallel`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np

from . import cache
from .cache import text_key
from .parallel import parallel_map

T = TypeVar("T")

SPREAD = 2_000
"""Missing texts from which work goes to worker processes (below, forking costs more)."""


def each(make: Callable[[int], T], missing: list[int], description: str) -> list[T]:
    """`[make(i) for i in missing]`, spread over the cores when there are many."""
    return parallel_map(make, missing, description, worth_it=len(missing) >= SPREAD)


def shingles_of(texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Word 3-shingle hashes of each text and their MinHash signature (see `dedupe`)."""
    from .dedupe import Shingler, minhash

    shingler = Shingler()

    def make(i: int) -> tuple[bytes, int]:
        shingles = shingler.shingles(texts[i])
        return shingles.astype(np.uint64, copy=False).tobytes() + minhash(shingles).astype(np.uint32, copy=False).tobytes(), len(shingles)

    # Kept as one buffer a text, as `crosslingual.Vector` is: fewer objects to unpickle from the cache.
    packed = cache.active().compute("shingles", [text_key(t) for t in texts], lambda missing: each(make, missing, "shingles"))
    return [(np.frombuffer(data, np.uint64, count), np.frombuffer(data, np.uint32, offset=8 * count)) for data, count in packed]


def terms_of(texts: Sequence[tuple[str, str]]):  # type: ignore[no-untyped-def]
    """Weighted stems of each (text, language) (see `crosslingual.document_terms`)."""
    from .crosslingual import document_terms

    return cache.active().compute("terms", [text_key(t, lang) for t, lang in texts], lambda missing: each(lambda i: document_terms(*texts[i]), missing, "terms"))


def documents_of(texts: Sequence[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    """The stems of each (abstract, title, language), as one vector (see `related`): the
    abstract's terms merged with the title's. One cached vector a paper; the term sets it
    is made of are not kept (85 MB of the cache at 48,956 records, asked for again only by
    translations, which keep their own)."""
    return cache.active().compute("document", [text_key(*text) for text in texts], lambda missing: each(lambda i: _document(*texts[i]), missing, "documents"))


def documents_ahead(texts: Sequence[tuple[str, str, str]]) -> None:
    """Start making the documents of these texts on a spare core, for `documents_of` to take."""
    cache.active().ahead("document", [text_key(*text) for text in texts], lambda i: _document(*texts[i]))


def _document(abstract: str, title: str, language: str):  # type: ignore[no-untyped-def]
    from .crosslingual import Vector, document_terms, english_words

    if language == "en":  # the words of both at once: the same sum, 28 % faster than merging two vectors
        return english_words(f"{abstract}\n{title}")
    return Vector.merge(document_terms(abstract, language).words, document_terms(title, language).words)


def cognates_of(texts: Sequence[tuple[str, str]], kind: str):  # type: ignore[no-untyped-def]
    """Spellings or sounds (`kind`) of each (text, language) (see `cognates`)."""
    from .cognates import cognates
    from .crosslingual import Vector

    return cache.active().compute("cognates", [text_key(t, lang, kind) for t, lang in texts],
                                  lambda missing: each(lambda i: Vector.of(cognates(*texts[i], kind)), missing, "cognates"))


def embeddings_of(texts: Sequence[str]) -> np.ndarray:
    """Unit-length multilingual sentence embeddings; the encoder loads only if one is missing."""
    from .translations import encode

    def make(missing: list[int]) -> list[np.ndarray]:
        return list(encode([texts[i] for i in missing]))

    rows = cache.active().compute("embedding", [text_key(t) for t in texts], make)
    return np.stack(rows) if rows else np.zeros((0, 512))
