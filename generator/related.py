"""Related papers: each paper's most similar other papers, by TF-IDF cosine.

Chinese-only papers are glossed into English stems (`crosslingual`), so they find their
English neighbours too. Each paper is a row of weights over its stems:

- a term's weight is `tf x idf`, with tf `1 + ln(count)` and idf `ln((N + 1) / (d + 1)) + 1`,
  where N is the number of papers rounded up to a power of two and d the number of papers
  with the term rounded down to one (`idf`). Rounded so, an added paper changes the weight of
  a term only when the term's paper count crosses a power of two, and then only in the rows
  that have the term: an edit changes a few hundred rows, not every row (with exact counts
  every weight moves with N). On the corpus' 35,012 papers, against exact counts
  (`benchmarks/related_quality.py`): 90 % of related papers are the same; the share whose
  first arXiv category is the paper's is 0.587 (exact 0.585), with an author in common
  0.0305 (0.0307);
- terms in more than `cap(N)` papers are dropped, each row keeps its `TERMS_KEPT` heaviest
  terms, and is scaled to unit length;
- a paper's related papers are the `COUNT` best others by cosine (at least `MIN_SCORE`),
  ties by slug.

`rank_related` ranks a whole list; `incremental.neighbours` keeps its result between
builds and ranks again only what an edit changed, with the same result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from sparse_dot_topn import sp_matmul_topn

from .crosslingual import Vector
from .model import Paper, Related, evolve
from .work import Work

COUNT = 5
TERMS_KEPT = 30
MIN_SCORE = 0.02
SHORTLIST = 4 * COUNT + 1
"""Candidates the product keeps per row (the paper itself among them) before ranking."""
PARALLEL_ROWS = 5_000
PARTS = 16
"""Rows from which `Matrix.best` ranks a part at a time, and how many parts."""

Ranked = tuple[tuple[str, float], ...]
"""A paper's related papers: (slug, cosine), best first."""


def size_of(papers: int) -> int:
    """The number of papers as the weights see it: rounded up to a power of two."""
    return 1 << max(1, papers - 1).bit_length()


def cap(size: int) -> float:
    """Papers a term may be in and still count: 2 % of the list, at least 20, at most 700.
    A term in more says little about the topic, and the cap bounds each row's work by
    TERMS_KEPT x 700, so the cost stays linear (at 70,024 papers a 2 % cap alone made
    ranking 2.65 times slower than at 35,012)."""
    return max(20.0, min(0.02 * size, 700.0))


def idf(df: np.ndarray, size: int) -> np.ndarray:
    """Inverse document frequency of terms in `df` papers (rounded down to a power of two)."""
    rounded = np.exp2(np.floor(np.log2(np.maximum(df, 1))))
    return np.log((size + 1) / (rounded + 1.0)) + 1.0


def weight_class(df: int, size: int) -> tuple[int, bool]:
    """What a term's weight depends on besides its own counts: changes only at powers of two."""
    return max(df, 1).bit_length(), df > cap(size)


Packed = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]
"""Vectors as one matrix: (slugs in order, indptr, ids, weights)."""


def pack(vectors: Mapping[str, Vector], dtype: object) -> Packed:
    """Vectors by slug as one matrix, rows in slug order."""
    slugs = sorted(vectors)
    rows = [vectors[slug] for slug in slugs]
    lengths = np.fromiter((len(v.ids) for v in rows), dtype=np.int64, count=len(rows))
    ids = np.concatenate([v.ids for v in rows]) if rows else np.zeros(0, np.int64)
    weights = np.concatenate([v.weights for v in rows]).astype(dtype, copy=False) if rows else np.zeros(0, dtype)  # type: ignore[call-overload]
    return slugs, np.concatenate([[0], np.cumsum(lengths)]), ids, weights


@dataclass(frozen=True)
class Ranking:
    """The related papers of every paper of a list, ranked from scratch, and what ranking
    them took, which the build's state keeps (`incremental.neighbours`)."""

    documents: dict[str, Vector]
    """Each paper's stems (`documents`), by slug."""
    df: dict[int, int]
    """Each term's paper count."""
    size: int
    """The number of papers as the weights see it (`size_of`)."""
    rows: dict[str, Vector]
    """Each paper's row (`prune`), by slug."""
    lists: dict[str, Ranked]
    """Each paper's related papers, by slug."""


def rank_related(papers: Sequence[Paper], work: Work | None = None) -> Ranking:
    """Every paper's related papers, from all papers."""
    work = work or Work()
    return rank_documents(dict(zip((paper.slug for paper in papers), paper_documents(papers, work))), work)


def rank_documents(documents: dict[str, Vector], work: Work) -> Ranking:
    """Every paper's related papers, from every paper's stems (by slug)."""
    ids, counts = np.unique(np.concatenate([v.ids for v in documents.values()]) if documents else np.zeros(0, np.int64), return_counts=True)
    df = dict(zip(ids.tolist(), counts.tolist()))
    size = size_of(len(documents))
    slugs = sorted(documents)
    rows = dict(zip(slugs, prune([documents[slug] for slug in slugs], df, size)))
    matrix = Matrix(pack(rows, np.float64))
    return Ranking(documents, df, size, rows, dict(zip(matrix.slugs, matrix.best(np.arange(len(matrix.slugs)), work))))


def paper_documents(papers: Sequence[Paper], work: Work) -> list[Vector]:
    """Each paper's abstract stems, and its title's when it has a real one."""
    return work.documents([(p.abstract, "" if p.title_derived else p.title, p.language) for p in papers])


def add_related(papers: Sequence[Paper], lists: Mapping[str, Ranked]) -> list[Paper]:
    """Papers with their related papers (`lists`, by slug), with titles and scores."""
    titles = {paper.slug: paper.title for paper in papers}
    return [evolve(paper, related=related_of(lists.get(paper.slug, ()), titles)) for paper in papers]


def related_of(ranked: Ranked, titles: Mapping[str, str]) -> tuple[Related, ...]:
    """A paper's related papers, with their titles and scores to 3 places."""
    return tuple(Related(other, titles[other], round(score, 3)) for other, score in ranked)


def best_of(candidates: Iterable[tuple[str, float]]) -> Ranked:
    """The COUNT best (slug, score) pairs, best first, ties by slug."""
    return tuple(sorted(candidates, key=lambda pair: (-pair[1], pair[0]))[:COUNT])


def same_vector(a: Vector, b: Vector) -> bool:
    return np.array_equal(a.ids, b.ids) and np.array_equal(a.weights, b.weights)


def prune(documents: Sequence[Vector], df: Mapping[int, int], size: int) -> list[Vector]:
    """Each document as its row: tf x idf over the terms in at most `cap(size)` papers, the
    TERMS_KEPT heaviest kept (ties by term), scaled to unit length."""
    if not documents:
        return []
    lengths = np.fromiter((len(d.ids) for d in documents), dtype=np.int64, count=len(documents))
    ids = np.concatenate([d.ids for d in documents])
    tf = np.concatenate([d.weights for d in documents]).astype(np.float64)
    if len(documents) > 1000:  # every paper (the first build): one lookup for each distinct term
        terms, inverse = np.unique(ids, return_inverse=True)
        counts = np.fromiter(map(df.__getitem__, terms.tolist()), dtype=np.int64, count=len(terms))[inverse]
    else:
        counts = np.fromiter(map(df.__getitem__, ids.tolist()), dtype=np.int64, count=len(ids))
    weights = np.where(tf >= 1, 1.0 + np.log(np.maximum(tf, 1)), tf) * idf(counts, size)
    rows = np.repeat(np.arange(len(documents)), lengths)
    kept = (counts <= cap(size)) & (weights != 0)
    rows, ids, weights = rows[kept], ids[kept], weights[kept]
    order = np.lexsort((ids, -weights, rows))  # by row, heaviest first, ties by term
    starts = np.searchsorted(rows[order], np.arange(len(documents)))
    rank = np.arange(len(order)) - starts[rows[order]]
    keep = np.sort(order[rank < TERMS_KEPT])  # back in row, term order
    rows, ids, weights = rows[keep], ids[keep], weights[keep]
    bounds = np.searchsorted(rows, np.arange(len(documents) + 1))
    result = []
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        part = weights[start:end]
        norm = math.sqrt(float(np.dot(part, part))) or 1.0
        result.append(Vector(ids[start:end].copy(), part / norm))
    return result


class Matrix:
    """The rows of all papers as one sparse matrix (columns: the terms, in term order), for
    products with sparse_dot_topn. A score is summed over the two rows' shared terms in
    term order whichever side computes it, so a pair scores the same, to the bit, in a
    ranking from scratch and in an update."""

    def __init__(self, rows: Packed) -> None:
        self.slugs, indptr, ids, weights = rows
        terms, columns = np.unique(ids, return_inverse=True)
        self.matrix = sparse.csr_matrix((weights, columns, indptr), shape=(len(self.slugs), len(terms)))
        self._transposed: sparse.csr_matrix | None = None

    @property
    def transposed(self) -> sparse.csr_matrix:
        if self._transposed is None:
            self._transposed = self.matrix.T.tocsr()
        return self._transposed

    def best(self, rows: np.ndarray, work: Work) -> list[Ranked]:
        """The related papers of the papers at `rows`, from all papers: many rows a part at
        a time (each row's products and ranking are its own)."""
        if len(rows) < PARALLEL_ROWS:
            return self._best(rows, threads=2)
        self.transposed  # made once, before the parts
        parts = np.array_split(rows, PARTS)
        ranked = work.each(lambda i: self._best(parts[i], threads=1), list(range(len(parts))), "related", heavy=True)
        return [lists for part in ranked for lists in part]

    def _best(self, rows: np.ndarray, threads: int) -> list[Ranked]:
        if not len(rows):
            return []
        found = sparse.csr_matrix(sp_matmul_topn(self.matrix[rows], self.transposed, top_n=SHORTLIST, threshold=MIN_SCORE, n_threads=threads))
        result = []
        for at, row in enumerate(rows.tolist()):
            start, end = found.indptr[at], found.indptr[at + 1]
            columns, scores = found.indices[start:end], found.data[start:end]
            ranked = best_of((self.slugs[c], s) for c, s in zip(columns.tolist(), scores.tolist()) if c != row)
            if end - start == SHORTLIST and len(ranked) == COUNT and scores.min() >= ranked[-1][1]:
                ranked = self._everything(row)  # more candidates may tie with the last one kept
            result.append(ranked)
        return result

    def _everything(self, row: int) -> Ranked:
        found = sparse.csr_matrix(sp_matmul_topn(self.matrix[[row]], self.transposed, top_n=len(self.slugs), threshold=MIN_SCORE, n_threads=1))
        return best_of((self.slugs[c], s) for c, s in zip(found.indices.tolist(), found.data.tolist()) if c != row)

    def scores_against(self, columns: np.ndarray) -> sparse.csr_matrix:
        """Every paper's scores (at least MIN_SCORE) against the papers at `columns`: row j,
        column c is paper j's score for paper columns[c], summed as j's own ranking sums it."""
        other = self.matrix[columns].T.tocsr()
        return sparse.csr_matrix(sp_matmul_topn(self.matrix, other, top_n=len(columns), threshold=MIN_SCORE, n_threads=2))
