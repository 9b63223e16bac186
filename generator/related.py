"""Related papers: each paper's most similar other papers, by TF-IDF cosine.

Chinese-only papers are glossed into English stems (`crosslingual`), so they find their
English neighbours too. To keep the cost near-linear, each paper keeps only its
`TERMS_KEPT` heaviest terms, terms in more than `MAX_DF` of the papers are dropped, and the
similarity matrix is computed in blocks.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from sparse_dot_topn import sp_matmul_topn

from .crosslingual import Space, Vector
from .features import documents_of
from .model import Paper, Related, evolve

COUNT = 5
TERMS_KEPT = 30
MAX_DF = 0.02
"""A term in more than 2 % of papers (and more than 20) says little about the topic. With
30 terms kept, related papers for the 35,012-paper corpus take 9.6 s (40 terms and 5 %:
17.2 s, with neighbours of much the same quality by eye)."""
MAX_POSTINGS = 700
"""...and never more than 700 papers (2 % of the corpus): the work per paper is then bounded
by TERMS_KEPT x MAX_POSTINGS, so the stage stays linear (at 70,024 papers a 2 % cap alone
made it 2.65 times slower than at 35,012)."""
MIN_SCORE = 0.02


def _documents(papers: Sequence[Paper]) -> list[Vector]:
    """Each paper's abstract stems, and its title's when it has a real one."""
    return documents_of([(p.abstract, "" if p.title_derived else p.title, p.language) for p in papers])


def add_related(papers: Sequence[Paper]) -> list[Paper]:
    """Papers with up to COUNT related papers each, best first (ties by slug)."""
    if len(papers) < 2:
        return list(papers)
    documents = _documents(papers)
    matrix = _prune(Space(documents).matrix(documents))
    # The best 4 x COUNT per row (ties at the cut are broken by slug below), by a
    # multithreaded top-n product: 35,000 papers in about a second.
    best = sparse.csr_matrix(sp_matmul_topn(matrix, matrix.T.tocsr(), top_n=4 * COUNT + 1, threshold=MIN_SCORE, n_threads=2))
    # Each row's candidates ranked at once: best score (to 6 places) first, ties by slug.
    slug_rank = np.argsort(np.argsort(np.array([p.slug for p in papers], dtype=object), kind="stable"), kind="stable")
    rows = np.repeat(np.arange(len(papers)), np.diff(best.indptr))
    scores = np.round(best.data, 6)
    others = best.indices != rows
    order = np.lexsort((slug_rank[best.indices], -scores, rows))
    order = order[others[order]]
    place = np.arange(len(order)) - np.searchsorted(rows[order], rows[order], side="left")
    kept = order[place < COUNT]
    found: list[list[Related]] = [[] for _ in papers]
    for row, column, score in zip(rows[kept].tolist(), best.indices[kept].tolist(), scores[kept].tolist()):
        found[row].append(Related(papers[column].slug, papers[column].title, round(score, 3)))
    return [evolve(paper, related=tuple(related)) for paper, related in zip(papers, found)]


def _prune(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Drop very common terms and keep each row's TERMS_KEPT heaviest terms, then
    re-normalise."""
    matrix = sparse.csr_matrix(matrix)
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    common = df > max(20, min(MAX_DF * matrix.shape[0], MAX_POSTINGS))
    matrix = sparse.csr_matrix(matrix @ sparse.diags((~common).astype(float)))
    matrix.eliminate_zeros()
    rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    order = np.lexsort((matrix.indices, -matrix.data, rows))  # by row, heaviest first, ties by column
    rank = np.arange(len(order)) - matrix.indptr[rows[order]]
    keep = order[rank < TERMS_KEPT]
    pruned = sparse.csr_matrix((matrix.data[keep], (rows[keep], matrix.indices[keep])), shape=matrix.shape)
    norms = np.sqrt(np.asarray(pruned.multiply(pruned).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1.0 / norms) @ pruned)
