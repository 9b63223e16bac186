"""Related papers: each paper's most similar other papers, by TF-IDF cosine, kept up to date
paper by paper between builds.

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

`Neighbours` keeps all of this between builds. An update recomputes the rows whose weights
changed; a paper whose list held a changed or removed paper is ranked again against all
papers; every other list only takes in the changed rows that now beat its last paper. The
result equals a ranking of everything from scratch, which is what the first build does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
from scipy import sparse

from sparse_dot_topn import sp_matmul_topn

from .crosslingual import Vector
from .features import documents_of
from .model import Paper, Related, evolve
from .parallel import parallel_map, workers
from .tables import Kept, Layered, SetTable, Table

COUNT = 5
TERMS_KEPT = 30
MIN_SCORE = 0.02
SHORTLIST = 4 * COUNT + 1
"""Candidates the product keeps per row (the paper itself among them) before ranking."""
PARALLEL_ROWS = 5_000
"""Rows from which `_Matrix.best` ranks in worker processes."""

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


def _weight_class(df: int, size: int) -> tuple[int, bool]:
    """What a term's weight depends on besides its own counts: changes only at powers of two."""
    return max(df, 1).bit_length(), df > cap(size)


Packed = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]
"""Vectors as one matrix: (slugs in order, indptr, ids, weights)."""


def _pack(vectors: Mapping[str, Vector], dtype: object) -> Packed:
    slugs = sorted(vectors)
    rows = [vectors[slug] for slug in slugs]
    lengths = np.fromiter((len(v.ids) for v in rows), dtype=np.int64, count=len(rows))
    ids = np.concatenate([v.ids for v in rows]) if rows else np.zeros(0, np.int64)
    weights = np.concatenate([v.weights for v in rows]).astype(dtype, copy=False) if rows else np.zeros(0, dtype)  # type: ignore[call-overload]
    return slugs, np.concatenate([[0], np.cumsum(lengths)]), ids, weights


class Vectors:
    """Vectors by slug: a packed matrix (kept in a table row of its own, see `tables.Kept`)
    and the changes made since it was packed. 35,000 vectors read back as four arrays and a
    list of slugs (0.04 s; as objects 0.25 s), and a build writes only its changes until
    they outgrow a twentieth of the matrix."""

    def __init__(self, table: Table[Packed] | None = None, key: str = "vectors", dtype: object = np.float64) -> None:
        self.dtype = dtype
        self._kept = Kept(table if table is not None else Table(key), key, _pack({}, dtype))
        self._gone: set[str] = set()
        self._new: dict[str, Vector] = {}
        self._row: dict[str, int] | None = None
        self._merged: Packed | None = None

    def __getstate__(self) -> dict[str, object]:
        base = len(self._kept.value[0])
        if len(self._gone) + len(self._new) > max(256, base // 20):
            self._kept.replace(self.packed())
            self._gone, self._new, self._row = set(), {}, None
        return {"dtype": self.dtype, "_kept": self._kept, "_gone": self._gone, "_new": self._new}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._row = self._merged = None

    @property
    def base(self) -> Packed:
        return self._kept.value

    @property
    def row(self) -> dict[str, int]:
        if self._row is None:
            self._row = {slug: i for i, slug in enumerate(self.base[0])}
        return self._row

    def __contains__(self, slug: object) -> bool:
        return slug in self._new or (slug in self.row and slug not in self._gone)

    def __getitem__(self, slug: str) -> Vector:
        if slug in self._new:
            return self._new[slug]
        if slug in self._gone:
            raise KeyError(slug)
        _, indptr, ids, weights = self.base
        i = self.row[slug]
        start, end = indptr[i], indptr[i + 1]
        return Vector(ids[start:end], weights[start:end])

    def __setitem__(self, slug: str, vector: Vector) -> None:
        if slug in self.row:
            self._gone.add(slug)
        self._new[slug] = vector
        self._merged = None

    def pop(self, slug: str) -> Vector:
        vector = self[slug]
        self._new.pop(slug, None)
        if slug in self.row:
            self._gone.add(slug)
        self._merged = None
        return vector

    def __len__(self) -> int:
        return len(self.base[0]) - len(self._gone) + sum(1 for slug in self._new if slug not in self.row or slug in self._gone)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def keys(self) -> list[str]:
        return [slug for slug in self.base[0] if slug not in self._gone] + [slug for slug in self._new if slug not in self.row or slug in self._gone]

    def holders(self, terms: Sequence[int]) -> set[str]:
        """Slugs of the vectors that have any of `terms`."""
        if not terms:
            return set()
        wanted = np.array(sorted(terms), dtype=np.int64)
        slugs, indptr, ids, _ = self.base
        rows = np.searchsorted(indptr, np.flatnonzero(np.isin(ids, wanted)), side="right") - 1
        found = {slugs[i] for i in np.unique(rows).tolist()} - self._gone
        return found | {slug for slug, vector in self._new.items() if np.isin(vector.ids, wanted).any()}

    def packed(self) -> Packed:
        """Every vector as one matrix, rows in slug order."""
        if not self._gone and not self._new:
            return self.base
        if self._merged is None:
            slugs, indptr, ids, weights = self.base
            mask = np.ones(len(slugs), dtype=bool)
            mask[[self.row[slug] for slug in self._gone]] = False
            kept = np.flatnonzero(mask)
            added = sorted(self._new)
            names = [slugs[i] for i in kept.tolist()] + added
            new_lengths = np.array([len(self._new[slug].ids) for slug in added], dtype=np.int64)
            lengths = np.concatenate([indptr[kept + 1] - indptr[kept], new_lengths])
            starts = np.concatenate([indptr[kept], len(ids) + np.cumsum(new_lengths) - new_lengths])
            source_ids = np.concatenate([ids, *(self._new[slug].ids for slug in added)])
            source_weights = np.concatenate([weights, *(self._new[slug].weights.astype(self.dtype, copy=False) for slug in added)])  # type: ignore[call-overload]
            order = np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)
            length, start = lengths[order], starts[order]
            gather = np.repeat(start - (np.cumsum(length) - length), length) + np.arange(int(length.sum()))
            self._merged = ([names[i] for i in order.tolist()], np.concatenate([[0], np.cumsum(length)]), source_ids[gather], source_weights[gather])
        return self._merged

    @classmethod
    def of(cls, vectors: Mapping[str, Vector], table: Table[Packed] | None = None, key: str = "vectors", dtype: object = np.float64) -> Vectors:
        made = cls(table, key, dtype)
        made._kept.replace(_pack(vectors, dtype))
        return made


class Neighbours:
    """Every paper's document vector, the terms' paper counts, each paper's pruned row and
    its related papers, by slug: what an update needs of the last build. The related lists
    are a table (a row a paper), with the papers that list each paper and each list's last
    score, so an update reads only the lists it may change."""

    def __init__(self) -> None:
        self.size = 0
        self.packed: Table[Any] = Table("packed-vectors")
        self.df: Layered[int, int] = Layered(self.packed, "df")
        self.documents = Vectors(self.packed, "documents", np.float32)
        self.rows = Vectors(self.packed, "rows", np.float64)
        self.lists: Table[Ranked] = Table("related")
        self.listers = SetTable("listed-by")
        """Slug -> the papers whose related papers include it."""
        self.last: Layered[str, float] = Layered(self.packed, "last")
        """Slug -> the score of its list's last paper, for full lists."""

    def tables(self) -> list[Table[Any]]:
        return [self.packed, self.lists, self.listers]

    def update(self, removed: Iterable[str], added: Mapping[str, Vector]) -> set[str]:
        """Take out the papers in `removed` and put in (or replace) those in `added`; returns
        the slugs whose related papers changed (every added one among them)."""
        added = dict(added)
        if not self.documents:  # the first build: everything at once
            self.documents = Vectors.of(added, self.packed, "documents", np.float32)
            ids, counts = np.unique(np.concatenate([v.ids for v in added.values()]) if added else np.zeros(0, np.int64), return_counts=True)
            self.df = Layered(self.packed, "df", dict(zip(ids.tolist(), counts.tolist())))
            self.size = size_of(len(added))
            return self._rank_all() | set(added)
        gone = {slug for slug in set(removed) | set(added) if slug in self.documents}
        old = [self.documents.pop(slug).ids.tolist() for slug in sorted(gone)]
        new = [vector.ids.tolist() for vector in added.values()]
        touched = {term for ids in old + new for term in ids}
        before = {term: self.df.get(term, 0) for term in touched}
        for ids in old:
            for term in ids:
                self.df[term] -= 1
        for ids in new:
            for term in ids:
                self.df[term] = self.df.get(term, 0) + 1
        for term in touched:
            if self.df.get(term) == 0:
                del self.df[term]
        for slug, vector in added.items():
            self.documents[slug] = vector
        size = size_of(len(self.documents))
        if size != self.size:
            self.size = size
            return self._rank_all() | set(added)
        crossed = [term for term in touched if before[term] and term in self.df
                   and _weight_class(before[term], size) != _weight_class(self.df[term], size)]
        again = sorted(set(added) | self.documents.holders(crossed))
        new_rows = dict(zip(again, _prune([self.documents[slug] for slug in again], self.df, size)))
        changed = {slug for slug, row in new_rows.items() if slug not in self.rows or not _same(row, self.rows[slug])}
        vanished = {slug for slug in gone if slug not in self.documents}
        for slug in vanished:
            self.rows.pop(slug)
        for slug in changed:
            self.rows[slug] = new_rows[slug]
        return self._rank_changed(changed, vanished) | set(added)

    def _rank_all(self) -> set[str]:
        slugs = sorted(self.documents.keys())
        self.rows = Vectors.of(dict(zip(slugs, _prune([self.documents[slug] for slug in slugs], self.df, self.size))), self.packed, "rows")
        matrix = _Matrix(self.rows)
        current = set(matrix.slugs)
        for slug in sorted(set(self.lists.keys()) - current):
            for other, _ in self.lists.pop(slug) or ():
                self.listers.discard(other, slug)
            self.last.pop(slug, None)
        return self._store(dict(zip(matrix.slugs, matrix.best(np.arange(len(matrix.slugs))))))

    def _store(self, lists: dict[str, Ranked]) -> set[str]:
        """Write these lists; returns the slugs whose list changed."""
        changed = set()
        listed = []
        for slug, ranked in lists.items():
            before = self.lists.get(slug)
            if before == ranked:
                continue
            changed.add(slug)
            for other, _ in before or ():
                self.listers.discard(other, slug)
            listed += [(other, slug) for other, _ in ranked]
            self.lists[slug] = ranked
            if len(ranked) == COUNT:
                self.last[slug] = ranked[-1][1]
            else:
                self.last.pop(slug, None)
        self.listers.add_all(listed)
        return changed

    def _rank_changed(self, changed: set[str], vanished: set[str]) -> set[str]:
        """Lists after the rows in `changed` were replaced (or added) and those in `vanished`
        taken out."""
        stale = changed | vanished
        holding = {slug for other in sorted(stale) for slug in self.listers.get(other) or ()}
        for slug in sorted(vanished):
            for other, _ in self.lists.pop(slug) or ():
                self.listers.discard(other, slug)
            self.last.pop(slug, None)
        if not stale:
            return set()
        matrix = _Matrix(self.rows)
        position = {slug: index for index, slug in enumerate(matrix.slugs)}
        again = sorted((changed | holding) - vanished)
        result: dict[str, Ranked] = dict(zip(again, matrix.best(np.array([position[slug] for slug in again], dtype=np.int64))))
        if changed:
            # Every other paper keeps its list, but for the changed rows that now beat its
            # last paper (a full list's last score tells which cannot, without reading it).
            columns = np.array(sorted(position[slug] for slug in changed), dtype=np.int64)
            scores = matrix.scores_against(columns)
            redo = set(again)
            offered: dict[str, list[tuple[str, float]]] = {}
            for row in np.flatnonzero(np.diff(scores.indptr)).tolist():
                slug = matrix.slugs[row]
                if slug in redo:
                    continue
                start, end = scores.indptr[row], scores.indptr[row + 1]
                last = self.last.get(slug)
                offers = [(matrix.slugs[columns[c]], score) for c, score in zip(scores.indices[start:end].tolist(), scores.data[start:end].tolist())
                          if last is None or score >= last]
                offers = [(other, score) for other, score in offers if other != slug]
                if offers:
                    offered[slug] = offers
            found = self.lists.get_many(sorted(offered))
            for slug, offers in offered.items():
                merged = _ranked(list(found.get(slug, ())) + offers)
                if merged != found.get(slug, ()):
                    result[slug] = merged
        return self._store(result) | (changed - vanished)

    def listing(self, slugs: set[str]) -> set[str]:
        """The papers whose related papers include any of `slugs`."""
        return {slug for other in sorted(slugs) for slug in self.listers.get(other) or ()}

    def related(self, slug: str, titles: Mapping[str, str]) -> tuple[Related, ...]:
        """A paper's related papers, with their titles and scores to 3 places."""
        return tuple(Related(other, titles[other], round(score, 3)) for other, score in self.lists.get(slug) or ())


def _ranked(candidates: Iterable[tuple[str, float]]) -> Ranked:
    """The COUNT best (slug, score) pairs, best first, ties by slug."""
    return tuple(sorted(candidates, key=lambda pair: (-pair[1], pair[0]))[:COUNT])


def _same(a: Vector, b: Vector) -> bool:
    return np.array_equal(a.ids, b.ids) and np.array_equal(a.weights, b.weights)


def _prune(documents: Sequence[Vector], df: Mapping[int, int], size: int) -> list[Vector]:
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


class _Matrix:
    """The rows of all papers as one sparse matrix (columns: the terms, in term order), for
    products with sparse_dot_topn. A score is summed over the two rows' shared terms in
    term order whichever side computes it, so a pair scores the same, to the bit, in a
    ranking from scratch and in an update."""

    def __init__(self, rows: Vectors) -> None:
        self.slugs, indptr, ids, weights = rows.packed()
        terms, columns = np.unique(ids, return_inverse=True)
        self.matrix = sparse.csr_matrix((weights, columns, indptr), shape=(len(self.slugs), len(terms)))
        self._transposed: sparse.csr_matrix | None = None

    @property
    def transposed(self) -> sparse.csr_matrix:
        if self._transposed is None:
            self._transposed = self.matrix.T.tocsr()
        return self._transposed

    def best(self, rows: np.ndarray) -> list[Ranked]:
        """The related papers of the papers at `rows`, from all papers: many rows in worker
        processes, a part each (each row's products and ranking are its own; 35,012 rows
        took 2.4 s in one process, the sparse product on two threads)."""
        if len(rows) < PARALLEL_ROWS or workers() < 2:
            return self._best(rows, threads=2)
        self.transposed  # made before the workers are forked
        parts = np.array_split(rows, 8 * workers())
        ranked = parallel_map(lambda i: self._best(parts[i], threads=1), list(range(len(parts))), "related", worth_it=True)
        return [lists for part in ranked for lists in part]

    def _best(self, rows: np.ndarray, threads: int) -> list[Ranked]:
        if not len(rows):
            return []
        found = sparse.csr_matrix(sp_matmul_topn(self.matrix[rows], self.transposed, top_n=SHORTLIST, threshold=MIN_SCORE, n_threads=threads))
        result = []
        for at, row in enumerate(rows.tolist()):
            start, end = found.indptr[at], found.indptr[at + 1]
            columns, scores = found.indices[start:end], found.data[start:end]
            ranked = _ranked((self.slugs[c], s) for c, s in zip(columns.tolist(), scores.tolist()) if c != row)
            if end - start == SHORTLIST and len(ranked) == COUNT and scores.min() >= ranked[-1][1]:
                ranked = self._everything(row)  # more candidates may tie with the last one kept
            result.append(ranked)
        return result

    def _everything(self, row: int) -> Ranked:
        found = sparse.csr_matrix(sp_matmul_topn(self.matrix[[row]], self.transposed, top_n=len(self.slugs), threshold=MIN_SCORE, n_threads=1))
        return _ranked((self.slugs[c], s) for c, s in zip(found.indices.tolist(), found.data.tolist()) if c != row)

    def scores_against(self, columns: np.ndarray) -> sparse.csr_matrix:
        """Every paper's scores (at least MIN_SCORE) against the papers at `columns`: row j,
        column c is paper j's score for paper columns[c], summed as j's own ranking sums it."""
        other = self.matrix[columns].T.tocsr()
        return sparse.csr_matrix(sp_matmul_topn(self.matrix, other, top_n=len(columns), threshold=MIN_SCORE, n_threads=2))


def documents(papers: Sequence[Paper]) -> list[Vector]:
    """Each paper's abstract stems, and its title's when it has a real one (cached)."""
    return documents_of([(p.abstract, "" if p.title_derived else p.title, p.language) for p in papers])


def add_related(papers: Sequence[Paper]) -> list[Paper]:
    """Papers with up to COUNT related papers each, best first (ties by slug), ranked from
    scratch."""
    neighbours = Neighbours()
    neighbours.update((), dict(zip((p.slug for p in papers), documents(papers))))
    titles = {paper.slug: paper.title for paper in papers}
    return [evolve(paper, related=neighbours.related(paper.slug, titles)) for paper in papers]
