"""What the last build made, kept in the cache folder so the next build does only what an
edit changed.

A build from nothing (`build.pipeline`) leaves its state (`State.of`); the next build reads
the seed files whose bytes changed, and passes the change down the stages, each keeping its
own part of the state: `clustering.Clustering` (exact-groups, clusters), `library.Library`
(which cluster is which paper, catalog entries), `neighbours.Neighbours` (related papers),
`rendering.Rendering` (cards, pages, citation keys); every paper itself is a row of its
own, read only when an edit needs it (`tables.Table`).

The state is valid for the generator's code (the cache's version) and for the curated
files and site URL it was made with (`basis`); with any other, a build starts from an empty
state, and the cache's per-text results still spare it most of the work. It is written in
the cache's own transaction, so a killed build leaves the last whole one.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..model import Paper, Problem, Record
from ..readers import read_seed
from .cache import Cache
from .clustering import Clustering, Ref
from .library import Library
from .neighbours import Neighbours
from .rendering import Rendering
from .tables import Table


@dataclass(frozen=True)
class SeedState:
    """A seed file as the last build read it."""

    key: str
    """The cache key of its reading (kind `reading`)."""
    records: int
    problems: tuple[Problem, ...]


GROWTH = 2.0
"""An edit keeps the cache's results it did not ask for (it asks only for what it changed);
once the cache holds GROWTH times what the last build from nothing kept, the next build
starts from nothing, and keeps only what it asked for: the cache stays bounded."""


@dataclass
class State:
    basis: str = ""
    entries: int = 0
    """Cache results the last build from nothing kept."""
    files: dict[str, SeedState] = field(default_factory=dict)
    clustering: Clustering = field(default_factory=Clustering)
    library: Library = field(default_factory=Library)
    neighbours: Neighbours = field(default_factory=Neighbours)
    rendering: Rendering = field(default_factory=Rendering)
    papers: Table[Paper] = field(default_factory=lambda: Table("paper"))
    """Every paper of the last build, by slug."""

    PARTS = ("basis", "entries", "files", "clustering", "library", "neighbours", "rendering", "papers")

    @property
    def empty(self) -> bool:
        return not self.files

    def tables(self) -> list[Table[Any]]:
        return [table for name in self.PARTS for table in self.part_tables(name)]

    def part_tables(self, name: str) -> list[Table[Any]]:
        """The tables of a part (`papers` is one)."""
        part = getattr(self, name)
        return [part] if isinstance(part, Table) else part.tables() if hasattr(part, "tables") else []

    def bind(self, db: sqlite3.Connection | None, clear: bool = False, keep_complete: bool = False) -> None:
        for table in self.tables():
            table.bind(db, clear, keep_complete)

    def forget_changes(self) -> None:
        for table in self.tables():
            table.forget_changes()

    def changes(self) -> int:
        """Values set or removed in the tables so far (a count that only grows)."""
        return sum(table.changes for table in self.tables())

    def save(self, db: sqlite3.Connection) -> None:
        """Write every part, and the rows of its tables that changed (in the caller's transaction)."""
        self.save_parts(db, self.PARTS)
        for table in self.tables():
            table.save(db)

    def save_parts(self, db: sqlite3.Connection, names: Sequence[str]) -> None:
        db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)", ((name, pickle.dumps(getattr(self, name), protocol=5)) for name in names))


def load(cache: Cache, basis: str) -> State:
    """The state the last build kept in `cache`, if it was made on the same `basis` (and the
    cache has not outgrown it, see GROWTH); else None."""
    kept = getattr(cache, "state", None)
    if isinstance(kept, State) and kept.basis == basis and not _outgrown(cache, kept):
        return kept
    if cache.db is None:
        return None  # type: ignore[return-value]
    try:
        stored = dict(cache.db.execute("SELECT name, value FROM state"))
        if stored.get("basis") is None or pickle.loads(stored["basis"]) != basis or not all(name in stored for name in State.PARTS):
            return None  # type: ignore[return-value]
        state = State(**{name: pickle.loads(stored[name]) for name in State.PARTS})
    except (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError, AttributeError, TypeError) as error:
        print(f"cache: the last build's state cannot be read ({error}); building from nothing", file=sys.stderr)
        return None  # type: ignore[return-value]
    if _outgrown(cache, state):
        return None  # type: ignore[return-value]
    state.bind(cache.db)
    cache.state = state
    return state


def keep(cache: Cache, state: State) -> None:
    """A build from nothing's state: it replaces what the cache kept."""
    state.bind(cache.db, clear=True)
    cache.state = state


def _outgrown(cache: Cache, state: State) -> bool:
    return cache.count() > GROWTH * max(state.entries, 1)


def records_loader(cache: Cache, files: dict[str, SeedState], data: dict[str, bytes | None]):  # type: ignore[no-untyped-def]
    """The records at refs of the seed files in `files`, from their readings in the cache
    (read again from `data`, the files' bytes, if the cache lost one)."""
    readings: dict[str, Sequence[Record]] = {}

    def load(refs: Sequence[Ref]) -> list[Record]:
        names = sorted({name for name, _ in refs} - readings.keys())
        if names:
            found = cache.get_many("reading", [files[name].key for name in names], use=False)
            for name in names:
                reading = found.get(files[name].key)
                if reading is None:
                    reading = read_seed(data[name], name)  # type: ignore[arg-type]
                    cache.put("reading", files[name].key, reading)
                readings[name] = reading.records
        return [readings[name][index] for name, index in refs]

    return load
