"""Related papers kept between builds, paper by paper (see `related` for how they are
ranked).

An update recomputes the rows whose weights changed; a paper whose list held a changed or
removed paper is ranked again against all papers; every other list only takes in the
changed rows that now beat its last paper. The result equals a ranking of everything from
scratch (`related.rank_related`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..crosslingual import Vector
from ..model import Related
from ..related import (COUNT, Matrix, Packed, Ranked, Ranking, best_of, pack, prune, related_of, same_vector, size_of,
                       weight_class)
from ..work import Work
from .tables import Kept, Layered, SetTable, Table


class Vectors:
    """Vectors by slug: a packed matrix (kept in a table row of its own, see `tables.Kept`)
    and the changes made since it was packed: vectors read back as four arrays and a list of
    slugs (a sixth of the time of as many objects), and a build writes only its changes
    until they outgrow a twentieth of the matrix."""

    def __init__(self, table: Table[Packed] | None = None, key: str = "vectors", dtype: object = np.float64) -> None:
        self.dtype = dtype
        self._kept = Kept(table if table is not None else Table(key), key, pack({}, dtype))
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
        made._kept.replace(pack(vectors, dtype))
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

    def __getstate__(self) -> dict[str, object]:
        return {name: value for name, value in self.__dict__.items() if name != "_work"}

    def tables(self) -> list[Table[Any]]:
        return [self.packed, self.lists, self.listers]

    @classmethod
    def of(cls, ranking: Ranking) -> Neighbours:
        """What `related.rank_related` ranked, kept."""
        made = cls()
        made.documents = Vectors.of(ranking.documents, made.packed, "documents", np.float32)
        made.df = Layered(made.packed, "df", dict(ranking.df))
        made.size = ranking.size
        made.rows = Vectors.of(ranking.rows, made.packed, "rows")
        made._store(ranking.lists)
        return made

    def update(self, removed: Iterable[str], added: Mapping[str, Vector], work: Work) -> set[str]:
        """Take out the papers in `removed` and put in (or replace) those in `added`; returns
        the slugs whose related papers changed (every added one among them)."""
        self._work = work
        added = dict(added)
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
                   and weight_class(before[term], size) != weight_class(self.df[term], size)]
        again = sorted(set(added) | self.documents.holders(crossed))
        new_rows = dict(zip(again, prune([self.documents[slug] for slug in again], self.df, size)))
        changed = {slug for slug, row in new_rows.items() if slug not in self.rows or not same_vector(row, self.rows[slug])}
        vanished = {slug for slug in gone if slug not in self.documents}
        for slug in vanished:
            self.rows.pop(slug)
        for slug in changed:
            self.rows[slug] = new_rows[slug]
        return self._rank_changed(changed, vanished) | set(added)

    def _rank_all(self) -> set[str]:
        slugs = sorted(self.documents.keys())
        self.rows = Vectors.of(dict(zip(slugs, prune([self.documents[slug] for slug in slugs], self.df, self.size))), self.packed, "rows")
        matrix = Matrix(self.rows.packed())
        current = set(matrix.slugs)
        for slug in sorted(set(self.lists.keys()) - current):
            for other, _ in self.lists.pop(slug) or ():
                self.listers.discard(other, slug)
            self.last.pop(slug, None)
        return self._store(dict(zip(matrix.slugs, matrix.best(np.arange(len(matrix.slugs)), self._work))))

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
        matrix = Matrix(self.rows.packed())
        position = {slug: index for index, slug in enumerate(matrix.slugs)}
        again = sorted((changed | holding) - vanished)
        result: dict[str, Ranked] = dict(zip(again, matrix.best(np.array([position[slug] for slug in again], dtype=np.int64), self._work)))
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
                merged = best_of(list(found.get(slug, ())) + offers)
                if merged != found.get(slug, ()):
                    result[slug] = merged
        return self._store(result) | (changed - vanished)

    def listing(self, slugs: set[str]) -> set[str]:
        """The papers whose related papers include any of `slugs`."""
        return {slug for other in sorted(slugs) for slug in self.listers.get(other) or ()}

    def related(self, slug: str, titles: Mapping[str, str]) -> tuple[Related, ...]:
        """A paper's related papers, with their titles and scores (see `related.related_of`)."""
        return related_of(self.lists.get(slug) or (), titles)


