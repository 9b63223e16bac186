"""Tables: dictionaries kept in the cache's database, for the build's state.

An edit touches a few of a stage's hundreds of thousands of entries (the groups of a
cluster, a paper's listing): a `Table` reads a value only when asked for it (with the others
of its row, see BUCKETS), keeps what it read (for the next build in this process, under
`./dev serve`), and writes only the rows that changed. Pickling a stage's state pickles a
table's name, not its values.
"""

from __future__ import annotations

import pickle
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
_ABSENT = object()


BUCKETS = 1024
"""Rows a table is stored in: each holds the keys whose crc32 falls in it. A build from
nothing writes 1,024 rows a table, not one a key (the state's tables held 600,000 keys at
48,956 records, pickled and inserted one by one in 6 s); reading a key reads its row's 30 or
so neighbours too."""


def bucket_of(key: str) -> str:
    return str(zlib.crc32(key.encode("utf-8", "surrogatepass")) % BUCKETS)


class _Lookups(Generic[K, V]):
    """`table[key]` and `key in table`, from the table's `get`."""

    def get(self, key: K, default: V | None = None) -> V | None:
        raise NotImplementedError

    def __getitem__(self, key: K) -> V:
        value = self.get(key, _ABSENT)  # type: ignore[arg-type]
        if value is _ABSENT:
            raise KeyError(key)
        return value  # type: ignore[return-value]

    def __contains__(self, key: object) -> bool:
        return self.get(key, _ABSENT) is not _ABSENT  # type: ignore[arg-type]


class Table(_Lookups[str, V]):
    """A dictionary kept in the table `rows` of a database (see `bind`), in BUCKETS rows of
    `name`'s space."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._reset()

    def _reset(self) -> None:
        self._rows: dict[str, object] = {}
        """Values read or written in this process (`_ABSENT`: known not to be stored)."""
        self._dirty: dict[str, set[str]] = {}
        """Bucket -> its keys whose value changed."""
        self._buckets: dict[str, set[str]] = {}
        """The keys of every bucket read (or made) whole."""
        self._db: sqlite3.Connection | None = None
        self._complete = True
        """Every value is in `_rows`: what is not there is not stored (true of a table in no
        database)."""
        self._cleared = False
        self.changes = 0
        """Values set or removed in this process (see `cache.Cache.start_rewrite`)."""

    def __getstate__(self) -> dict[str, object]:
        if self._db is None:  # in no database: the values go with it
            return {"name": self.name, "rows": {key: value for key, value in self._rows.items() if value is not _ABSENT}}
        return {"name": self.name}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.name = state["name"]  # type: ignore[assignment]
        self._reset()
        for key, value in state.get("rows", {}).items():  # type: ignore[attr-defined]
            self._rows[key] = value

    @property
    def held(self) -> bool:
        """Every value is in memory: reading reads no database."""
        return self._complete

    def bind(self, db: sqlite3.Connection | None, clear: bool = False, keep_complete: bool = False) -> None:
        """Read and write rows in `db`; with `clear`, as a new table (the rows stored there
        go at the next save); with `keep_complete`, a table that holds every value goes on
        knowing it (`db` has just been given all of them)."""
        self._db = db
        self._complete = db is None or (keep_complete and self._complete)
        if clear:  # what was stored goes at the next save; values made before binding stay
            self._complete = self._cleared = True

    def forget_changes(self) -> None:
        """Another process saved this table (`cache.Cache.start_rewrite`): nothing is left
        to write, and which keys each stored row holds is read again when needed."""
        self._dirty.clear()
        self._buckets.clear()
        self._cleared = False

    def _known(self, bucket: str) -> bool:
        return self._complete or bucket in self._buckets

    def _load(self, buckets: Iterable[str]) -> None:
        wanted = sorted({bucket for bucket in buckets if not self._known(bucket)})
        if not wanted:
            return
        assert self._db is not None
        found = {}
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            found.update(self._db.execute(f"SELECT key, value FROM rows WHERE space = ? AND key IN ({','.join('?' * len(chunk))})", [self.name, *chunk]))
        for bucket in wanted:
            members = self._buckets.setdefault(bucket, set())
            for key, value in (pickle.loads(found[bucket]).items() if bucket in found else ()):
                members.add(key)
                self._rows.setdefault(key, value)  # a value set in this process wins

    def _read(self, keys: Iterable[str]) -> None:
        if not self._complete:
            self._load(bucket_of(key) for key in keys if key not in self._rows)

    def get(self, key: str, default: V | None = None) -> V | None:
        if key not in self._rows and not self._complete:
            self._read([key])
        value = self._rows.get(key, _ABSENT)
        return default if value is _ABSENT else value  # type: ignore[return-value]

    def get_many(self, keys: Iterable[str]) -> dict[str, V]:
        """The stored values of these keys (those not stored are left out)."""
        keys = list(keys)
        self._read(keys)
        return {key: value for key in keys if (value := self._rows.get(key, _ABSENT)) is not _ABSENT}  # type: ignore[misc]

    def __setitem__(self, key: str, value: V) -> None:
        self._rows[key] = value
        self._touch(key)

    def _touch(self, key: str) -> None:
        """Mark a value changed in place as to be written."""
        self.changes += 1
        if self._db is not None and not self._cleared:  # a new or cleared table is written whole (see `bind`)
            self._dirty.setdefault(bucket_of(key), set()).add(key)

    def pop(self, key: str, default: V | None = None) -> V | None:
        value = self.get(key, _ABSENT)  # type: ignore[arg-type]
        if value is _ABSENT:
            return default
        self._rows[key] = _ABSENT
        self._touch(key)
        return value

    def __delitem__(self, key: str) -> None:
        if self.pop(key, _ABSENT) is _ABSENT:  # type: ignore[arg-type]
            raise KeyError(key)

    def items(self) -> Iterator[tuple[str, V]]:
        """Every value (all read, once)."""
        if not self._complete and self._db is not None:
            self._load(str(bucket) for bucket in range(BUCKETS))
            self._complete = True
        return ((key, value) for key, value in list(self._rows.items()) if value is not _ABSENT)  # type: ignore[misc]

    def keys(self) -> Iterator[str]:
        return (key for key, _ in self.items())

    def __iter__(self) -> Iterator[str]:
        return self.keys()

    def save(self, db: sqlite3.Connection) -> None:
        """Write the buckets that changed (in the caller's transaction)."""
        if self._cleared:  # every bucket written from what is in memory: sorted once, not a bucket at a time
            db.execute("DELETE FROM rows WHERE space = ?", [self.name])
            self._cleared = False
            self._dirty.clear()
            buckets: dict[str, dict[str, object]] = {}
            for key in sorted(self._rows):
                value = self._rows[key]
                if value is not _ABSENT:
                    buckets.setdefault(bucket_of(key), {})[key] = value
            self._buckets = {bucket: set(values) for bucket, values in buckets.items()}
            ordered = sorted(buckets.items(), key=lambda item: int(item[0]))
            db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)", ((self.name, bucket, pickle.dumps(values, protocol=5)) for bucket, values in ordered))
            return
        self._load(self._dirty)  # a changed bucket is written whole
        gone, kept = [], []
        for bucket, changed in sorted(self._dirty.items(), key=lambda item: int(item[0])):
            members = self._buckets.setdefault(bucket, set()) | changed
            values = {key: self._rows[key] for key in sorted(members) if self._rows.get(key, _ABSENT) is not _ABSENT}
            self._buckets[bucket] = set(values)
            (kept if values else gone).append((bucket, values))
        db.executemany("DELETE FROM rows WHERE space = ? AND key = ?", ((self.name, bucket) for bucket, _ in gone))
        db.executemany("INSERT OR REPLACE INTO rows VALUES (?, ?, ?)", ((self.name, bucket, pickle.dumps(values, protocol=5)) for bucket, values in kept))
        self._dirty.clear()


class SetTable(Table[set[str]]):
    """A table of sets (an index: a key -> the items that have it)."""

    def add(self, key: str, item: str) -> None:
        self.add_all(((key, item),))

    def add_all(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Add each item to its key's set: one read and one write a key, not one of each a
        pair."""
        grouped: dict[str, set[str]] = {}
        for key, item in pairs:
            grouped.setdefault(key, set()).add(item)
        for key, items in grouped.items():
            known = self.get(key) or set()
            if not items <= known:
                self[key] = known | items

    def discard(self, key: str, item: str) -> None:
        members = self.get(key)
        if members is not None and item in members:
            if len(members) == 1:
                self.pop(key)
            else:
                self[key] = members - {item}


class Kept(Generic[V]):
    """A large value (a stage's packed arrays) kept in a row of `table`, read when first
    asked for and written only when replaced: the stage pickles its recent changes, not
    its bulk, on every build."""

    def __init__(self, table: Table[V], key: str, value: V) -> None:
        self.table, self.key = table, key
        self.replace(value)

    def __getstate__(self) -> dict[str, object]:
        return {"table": self.table, "key": self.key}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.table, self.key = state["table"], state["key"]  # type: ignore[assignment]
        self._value: object = _ABSENT

    @property
    def value(self) -> V:
        if self._value is _ABSENT:
            self._value = self.table[self.key]
        return self._value  # type: ignore[return-value]

    def replace(self, value: V) -> None:
        self._value = value
        self.table[self.key] = value


class Chunked(Generic[V]):
    """A mapping kept in key order, as rows of `table` that each hold the keys starting
    with the same `width` characters: a build that changes a few keys writes the few rows
    that hold them (a list of 35,000 papers' items is 20 MB; its rows a few hundred kB)."""

    def __init__(self, table: Table[dict[str, V]], prefix: str = "", width: int = 2) -> None:
        self.table, self.prefix, self.width = table, prefix, width
        self.chunks: set[str] = set()
        """The rows' names (key prefixes), kept in this object's pickle."""
        self.count = 0

    def _chunk(self, key: str) -> str:
        return key[: self.width]

    def _row(self, chunk: str) -> dict[str, V]:
        return self.table.get(self.prefix + chunk) or {}

    def get(self, key: str, default: V | None = None) -> V | None:
        chunk = self._chunk(key)
        return self._row(chunk).get(key, default) if chunk in self.chunks else default

    def __contains__(self, key: str) -> bool:
        return self.get(key, _ABSENT) is not _ABSENT  # type: ignore[arg-type]

    def __getitem__(self, key: str) -> V:
        value = self.get(key, _ABSENT)  # type: ignore[arg-type]
        if value is _ABSENT:
            raise KeyError(key)
        return value  # type: ignore[return-value]

    def __setitem__(self, key: str, value: V) -> None:
        chunk = self._chunk(key)
        row = self._row(chunk)
        if row.get(key, _ABSENT) == value:
            return
        self.count += key not in row
        row[key] = value
        self.table[self.prefix + chunk] = row
        self.chunks.add(chunk)

    def pop(self, key: str, default: V | None = None) -> V | None:
        chunk = self._chunk(key)
        if chunk not in self.chunks:
            return default
        row = self._row(chunk)
        if key not in row:
            return default
        value = row.pop(key)
        self.count -= 1
        if row:
            self.table[self.prefix + chunk] = row
        else:
            self.table.pop(self.prefix + chunk)
            self.chunks.discard(chunk)
        return value

    def __len__(self) -> int:
        return self.count

    def items(self, reverse: bool = False) -> Iterator[tuple[str, V]]:
        """Every item, in key order (or the reverse)."""
        chunks = sorted(self.chunks, reverse=reverse)
        self.table.get_many([self.prefix + chunk for chunk in chunks])  # read in one query
        for chunk in chunks:
            row = self._row(chunk)
            for key in sorted(row, reverse=reverse):
                yield key, row[key]

    def values(self) -> Iterator[V]:
        return (value for _, value in self.items())

    def keys(self) -> Iterator[str]:
        return (key for key, _ in self.items())




class Layered(_Lookups[K, V]):
    """A large mapping that changes a little each build (a term's paper count): its bulk
    in a row of `table` (`Kept`), written only when the changes since outgrow a twentieth
    of it; the changes in this object's pickle."""

    def __init__(self, table: Table[dict[K, V]], key: str, base: dict[K, V] | None = None) -> None:
        self._kept = Kept(table, key, base or {})
        self._changed: dict[K, V] = {}
        self._deleted: set[K] = set()

    def __getstate__(self) -> dict[str, object]:
        if len(self._changed) + len(self._deleted) > max(256, len(self._kept.value) // 20):
            base = dict(self._kept.value)
            base.update(self._changed)
            for key in self._deleted:
                base.pop(key, None)
            self._kept.replace(base)
            self._changed, self._deleted = {}, set()
        return {"_kept": self._kept, "_changed": self._changed, "_deleted": self._deleted}

    def get(self, key: K, default: V | None = None) -> V | None:
        if key in self._changed:
            return self._changed[key]
        if key in self._deleted:
            return default
        return self._kept.value.get(key, default)

    def __setitem__(self, key: K, value: V) -> None:
        self._changed[key] = value
        self._deleted.discard(key)

    def pop(self, key: K, default: V | None = None) -> V | None:
        value = self.get(key, _ABSENT)  # type: ignore[arg-type]
        if value is _ABSENT:
            return default
        self._changed.pop(key, None)
        if key in self._kept.value:
            self._deleted.add(key)
        return value  # type: ignore[return-value]

    def __delitem__(self, key: K) -> None:
        if self.pop(key, _ABSENT) is _ABSENT:  # type: ignore[arg-type]
            raise KeyError(key)

    def items(self) -> Iterator[tuple[K, V]]:
        base = self._kept.value
        yield from ((key, value) for key, value in base.items() if key not in self._deleted and key not in self._changed)
        yield from self._changed.items()

    def __eq__(self, other: object) -> bool:
        return dict(self.items()) == dict(other.items() if isinstance(other, Layered) else other)  # type: ignore[arg-type]
