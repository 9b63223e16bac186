"""What the last build made, kept in the cache folder so the next build does only what an
edit changed.

A build reads the seed files whose bytes changed, and passes the change down the stages,
each keeping its own part of the state: `clustering.Clustering` (exact-groups, clusters),
`papers.Library` (which cluster is which paper, catalog entries), `related.Neighbours`
(related papers), `render.Rendering` (what the index pages and exports show of each paper);
every paper itself is a row of its own, read only when an edit needs it (`PaperStore`).

The state is valid for the generator's code (the cache's version) and for the curated
files and site URL it was made with (`basis`); with any other, a build starts from an empty
state, and the cache's per-text results still spare it most of the work. It is written in
the cache's own transaction, so a killed build leaves the last whole one.
"""

from __future__ import annotations

import pickle
import sqlite3
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cache import Cache
from .clustering import Clustering, Ref
from .model import Paper, Problem, Record
from .papers import Library
from .related import Neighbours


@dataclass(frozen=True)
class SeedState:
    """A seed file as the last build read it."""

    key: str
    """The cache key of its name and bytes (`cache.key_of`): its reading is stored under it."""
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
    rendering: Any = None
    """`render.Rendering` (imported with the stages)."""
    papers: PaperStore | None = None

    PARTS = ("basis", "entries", "files", "clustering", "library", "neighbours", "rendering")

    @property
    def empty(self) -> bool:
        return not self.files

    def save(self, db: sqlite3.Connection) -> None:
        """Write every part (in the caller's transaction)."""
        db.executemany("INSERT OR REPLACE INTO state VALUES (?, ?)",
                       ((name, pickle.dumps(getattr(self, name), protocol=5)) for name in self.PARTS))
        if self.papers is not None:
            self.papers.save(db)


def load(cache: Cache, basis: str) -> State:
    """The state the last build kept in `cache`, if it was made on the same `basis`; else
    an empty one (which the build replaces)."""
    kept = getattr(cache, "state", None)
    if isinstance(kept, State) and kept.basis == basis and not _outgrown(cache, kept):
        return kept
    state = State(basis=basis)
    if cache.db is not None:
        try:
            stored = dict(cache.db.execute("SELECT name, value FROM state"))
            if stored.get("basis") is not None and pickle.loads(stored["basis"]) == basis and all(name in stored for name in State.PARTS):
                state = State(**{name: pickle.loads(stored[name]) for name in State.PARTS})
                if _outgrown(cache, state):
                    state = State(basis=basis)
        except (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError, AttributeError, TypeError) as error:
            print(f"cache: the last build's state cannot be read ({error}); building from nothing", file=sys.stderr)
            state = State(basis=basis)
    if state.empty:
        state.papers = PaperStore(cache.db, clear=True)
    else:
        state.papers = PaperStore(cache.db)
    cache.state = state
    return state


def _outgrown(cache: Cache, state: State) -> bool:
    return cache.count() > GROWTH * max(state.entries, 1)


class PaperStore:
    """Every paper of the last build, by slug: a row each, read when asked for."""

    def __init__(self, db: sqlite3.Connection | None, clear: bool = False) -> None:
        self.db = db
        self.loaded: dict[str, Paper] = {}
        self.changed: dict[str, Paper] = {}
        self.deleted: set[str] = set()
        self.cleared = clear

    def get_many(self, slugs: Iterable[str]) -> dict[str, Paper]:
        wanted = [slug for slug in dict.fromkeys(slugs) if slug not in self.loaded and slug not in self.changed]
        if wanted and self.db is not None and not self.cleared:
            for start in range(0, len(wanted), 900):
                chunk = wanted[start : start + 900]
                for slug, value in self.db.execute(f"SELECT slug, value FROM papers WHERE slug IN ({','.join('?' * len(chunk))})", chunk):
                    self.loaded[slug] = pickle.loads(value)
        return {slug: self.changed.get(slug) or self.loaded[slug] for slug in slugs}

    def get(self, slug: str) -> Paper:
        return self.get_many([slug])[slug]

    def put(self, paper: Paper) -> None:
        self.changed[paper.slug] = paper
        self.deleted.discard(paper.slug)

    def delete(self, slug: str) -> None:
        self.changed.pop(slug, None)
        self.loaded.pop(slug, None)
        self.deleted.add(slug)

    def save(self, db: sqlite3.Connection) -> None:
        if self.cleared:
            db.execute("DELETE FROM papers")
            self.cleared = False
        db.executemany("DELETE FROM papers WHERE slug = ?", ((slug,) for slug in sorted(self.deleted)))
        db.executemany("INSERT OR REPLACE INTO papers VALUES (?, ?)",
                       ((slug, pickle.dumps(paper, protocol=5)) for slug, paper in sorted(self.changed.items())))
        self.loaded.update(self.changed)
        self.changed.clear()
        self.deleted.clear()


def records_loader(cache: Cache, files: dict[str, SeedState], data: dict[str, bytes | None]):  # type: ignore[no-untyped-def]
    """The records at refs of the seed files in `files`, from their readings in the cache
    (read again from `data`, the files' bytes, if the cache lost one)."""
    from .readers import read_seed

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
