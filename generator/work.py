"""The seam for per-text work: what the stages compute from one text (its shingles, stems,
cognates, embedding, topic scores, a title's slug), asked for many texts at once, and how
they run many independent items.

Stages take a `Work` as an argument and ask it; they never compute per-text results
themselves, and know nothing of caches or processes. This one computes everything here,
one item after another: the reference. The machinery layer's `incremental.cache.CachedWork`
gives the same results from the cache and from work started ahead, and spreads the rest
over worker processes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar

import numpy as np

from .cognates import cognates
from .crosslingual import Terms, Vector, document, document_terms
from .digests import digest
from .encoder import encode
from .shingles import Shingler, minhash
from .text import title_slug

T = TypeVar("T")
Shingles = tuple[np.ndarray, np.ndarray]
"""A text's sorted unique word 3-shingle hashes, and their MinHash signature."""


class Scored(Protocol):
    """What topic scores are asked of (`topics.Taxonomy`)."""

    topics: Sequence[Hashable]

    def scores(self, title: str, text: str) -> dict[str, int]: ...


class Work:
    """Per-text results, each made here when asked for."""

    def results(self, kind: str, keys: Sequence[tuple[Any, ...]], make: Callable[[list[int]], list[T]]) -> list[T]:
        """The result of each of `keys` (everything result i depends on is in `keys[i]`):
        `make(indices)` makes those at the indices asked for."""
        return make(list(range(len(keys))))

    def each(self, make: Callable[[int], T], items: Sequence[int], description: str, heavy: bool = False, native: bool = False) -> list[T]:
        """`[make(i) for i in items]`, for independent items; `heavy`: each is worth sending
        elsewhere, or there are many; `native`: `make` spends its time outside Python
        (compressing), so threads of this process can make them side by side."""
        return [make(i) for i in items]

    # ------------------------------------------------------------ what the stages ask for

    def shingles(self, texts: Sequence[str]) -> list[Shingles]:
        """Word 3-shingle hashes of each text and their MinHash signature (see `shingles`)."""
        shingler = Shingler()

        def make(i: int) -> Shingles:
            found = shingler.shingles(texts[i])
            return found, minhash(found)

        return self.results("shingles", [(text,) for text in texts], lambda missing: self.each(make, missing, "shingles", len(missing) >= SPREAD))

    def terms(self, texts: Sequence[tuple[str, str]]) -> list[Terms]:
        """Weighted stems of each (text, language) (see `crosslingual.document_terms`)."""
        return self.results("terms", texts, lambda missing: self.each(lambda i: document_terms(*texts[i]), missing, "terms", len(missing) >= SPREAD))

    def documents(self, texts: Sequence[tuple[str, str, str]]) -> list[Vector]:
        """The stems of each (abstract, title, language) as one vector (see `crosslingual.document`)."""
        return self.results("document", texts, lambda missing: self.each(lambda i: document(*texts[i]), missing, "documents", len(missing) >= SPREAD))

    def cognates(self, texts: Sequence[tuple[str, str]], kind: str) -> list[Vector]:
        """Spellings or sounds (`kind`) of each (text, language) (see `cognates`)."""
        return self.results("cognates", [(text, language, kind) for text, language in texts],
                            lambda missing: self.each(lambda i: Vector.of(cognates(*texts[i], kind)), missing, "cognates", len(missing) >= SPREAD))

    def embeddings(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length multilingual sentence embeddings, as rows (see `encoder`)."""
        rows = self.results("embedding", [(text,) for text in texts], lambda missing: list(encode([texts[i] for i in missing])) if missing else [])
        return np.stack(rows) if rows else np.zeros((0, 512))

    def topic_scores(self, texts: Sequence[tuple[str, str]], taxonomy: Scored) -> list[dict[str, int]]:
        """Every topic's score for each (title, text) (see `topics.Taxonomy.scores`)."""
        return self.results("topics", topic_keys(texts, taxonomy),
                            lambda missing: self.each(lambda i: taxonomy.scores(*texts[i]), missing, "topics", len(missing) >= SPREAD))

    def slugs(self, titles: Sequence[str]) -> list[str]:
        """Each title's part of a paper's URL (see `text.title_slug`)."""
        return self.results("slug", [(title,) for title in titles], lambda missing: [title_slug(titles[i]) for i in missing])


def topic_keys(texts: Sequence[tuple[str, str]], taxonomy: Scored) -> list[tuple[str, str, str]]:
    """What each (title, text)'s topic scores depend on: the text, and the taxonomy."""
    version = digest(*taxonomy.topics)
    return [(version, title, text) for title, text in texts]


SPREAD = 2_000
"""Missing texts from which making them is worth other processes (below, forking costs more)."""
