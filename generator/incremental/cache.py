"""The cache: per-text results kept between builds, and the build's state (see `state`), in
one SQLite file in a git-ignored folder (`.cache/generator/` by default).

`CachedWork` is the seam's (`work.Work`) cached form, and the only way the stages reach the
cache: they ask it for per-text results (shingles, stems, topic scores, ...), it looks each
up by a key made from everything the result depends on (`key`), and makes the rest, spread
over worker processes (`processes.spread`), or takes those made ahead (`ahead`).

Every value is stamped with the generator's code version (a hash of its source files):
after an upgrade the old entries are dropped, never trusted. A build writes in one
transaction at its end, so a killed build leaves the previous cache whole; a file SQLite
cannot read is deleted and made again. Deleting the folder changes nothing but the time.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from ..digests import digest, key_of, text_key
from ..crosslingual import document
from ..work import Scored, Work, topic_keys
from .processes import Child, ChildFailed, side_by_side, spread

T = TypeVar("T")
_UNREADABLE = (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError, AttributeError)
"""A damaged file, or a value pickled by other code: recomputed, never trusted."""
DEFAULT = Path(".cache") / "generator"


@cache
def code_version() -> str:
    """A hash of the generator's source files and templates: any change starts a new cache."""
    root = Path(__file__).parent.parent
    digest_ = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".j2", ".json") and "__pycache__" not in p.parts):
        digest_.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest_.hexdigest()[:16]


def _schema(db: sqlite3.Connection) -> None:
    # A rowid table: with large values, a WITHOUT ROWID table read 5-20x slower.
    db.execute("CREATE TABLE IF NOT EXISTS results (kind TEXT, key TEXT, value BLOB)")
    db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value BLOB)")  # see `state`
    db.execute("CREATE TABLE IF NOT EXISTS rows (space TEXT, key TEXT, value BLOB)")  # see `tables`


def _indexes(db: sqlite3.Connection) -> None:
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS results_key ON results (kind, key)")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS rows_key ON rows (space, key)")


def _store(db: sqlite3.Connection, results: Iterable[tuple[tuple[str, str], Any]]) -> None:
    """Write ((kind, key), value) results (in the caller's transaction)."""
    db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", ((kind, key, pickle.dumps(value, protocol=5)) for (kind, key), value in results))


class Cache:
    """Results in memory for the build, backed by SQLite between builds (or memory only,
    with no folder)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.loaded: dict[tuple[str, str], Any] = {}
        self.new: dict[tuple[str, str], Any] = {}
        self.used: set[tuple[str, str]] = set()
        """What this build asked for: what `save(keep=False)` keeps."""
        self.hits = self.misses = 0
        """Results taken from earlier builds, and made in this one."""
        self.complete = False
        """`loaded` holds every stored entry."""
        self.state: Any = None
        """The build's `state.State`, once a build has read or made it: saved with the results."""
        self._ahead: dict[str, tuple[list[str], Child[list[Any]]]] = {}
        """Work started ahead, by kind (`ahead`): the keys it makes, and the process making them."""
        self.db: sqlite3.Connection | None = None
        if folder is not None:
            self.db = self._open(folder / "cache.sqlite3")

    def _open(self, path: Path) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=30, check_same_thread=False)  # see `preload`
                # A write-ahead log: a build's transaction is appended and committed with one
                # sync, and a killed build still leaves the last whole transaction.
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                _schema(db)
                _indexes(db)
                stored = db.execute("SELECT value FROM meta WHERE name = 'version'").fetchone()
                if stored is None or stored[0] != code_version():
                    with db:
                        db.execute("DELETE FROM results")
                        db.execute("DELETE FROM state")
                        db.execute("DELETE FROM rows")
                        db.execute("INSERT OR REPLACE INTO meta VALUES ('version', ?)", (code_version(),))
                return db
            except sqlite3.DatabaseError as error:  # not a database, or damaged: start again
                if attempt:
                    print(f"cache: {path}: {error}; running without it", file=sys.stderr)
                    return None
                path.unlink(missing_ok=True)
        return None

    def count(self) -> int:
        """Results stored (and made in this build, not yet stored)."""
        stored = self.db.execute("SELECT count(*) FROM results").fetchone()[0] if self.db is not None else len(self.loaded)
        return stored + sum(1 for entry in self.new if entry not in self.loaded)

    def get_many(self, kind: str, keys: Iterable[str], use: bool = True) -> dict[str, Any]:
        """The stored values for these keys (those not stored are left out), counted as
        used by this build when `use`."""
        wanted = [k for k in dict.fromkeys(keys) if (kind, k) not in self.loaded and (kind, k) not in self.new]
        if self.db is not None and wanted and not self.complete:
            try:
                for key, value in self._stored(kind, wanted):
                    self.loaded[kind, key] = pickle.loads(value)
            except _UNREADABLE as error:
                print(f"cache: {error}; recomputing", file=sys.stderr)
        found = {k: self.new.get((kind, k), self.loaded.get((kind, k))) for k in keys if (kind, k) in self.new or (kind, k) in self.loaded}
        if use:
            self.used.update((kind, k) for k in found)
        return found

    def load_all(self) -> None:
        """Every stored value into memory."""
        if self.db is None:
            return
        try:
            for kind, key, value in self.db.execute("SELECT kind, key, value FROM results"):
                self.loaded.setdefault((kind, key), pickle.loads(value))
            self.complete = True
        except _UNREADABLE as error:
            print(f"cache: {error}; recomputing", file=sys.stderr)

    def _stored(self, kind: str, wanted: list[str]) -> Iterable[tuple[str, bytes]]:
        """The stored (key, value) rows of these keys: most of a kind's rows in one pass over
        the kind (6-9x faster than looking each up), a few by key."""
        assert self.db is not None
        stored = self.db.execute("SELECT count(*) FROM results WHERE kind = ?", (kind,)).fetchone()[0]
        if 2 * len(wanted) > stored:
            wanted_set = set(wanted)
            yield from ((key, value) for key, value in self.db.execute("SELECT key, value FROM results WHERE kind = ?", (kind,)) if key in wanted_set)
            return
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            yield from self.db.execute(f"SELECT key, value FROM results WHERE kind = ? AND key IN ({','.join('?' * len(chunk))})", [kind, *chunk])

    def put(self, kind: str, key: str, value: Any) -> None:
        entry = (kind, key)
        self.new[entry] = value
        self.used.add(entry)

    def compute(self, kind: str, keys: Sequence[str], make: Callable[[list[int]], list[T]]) -> list[T]:
        """The value for each key: stored ones, and `make(indices of the missing keys)` for
        the rest (made together: faster for vectorised work)."""
        stored = self.get_many(kind, keys)
        missing = [i for i, k in enumerate(keys) if k not in stored]
        self.hits += sum(1 for k in set(keys) if (kind, k) in self.loaded)
        self.misses += len(missing)
        made = self._made_ahead(kind, keys, missing)
        rest = [i for i in missing if i not in made]
        made.update(zip(rest, make(rest) if rest else []))
        for index, value in sorted(made.items()):
            self.put(kind, keys[index], value)
            stored[keys[index]] = value
        return [stored[k] for k in keys]

    def ahead(self, kind: str, keys: Sequence[str], make: Callable[[int], Any]) -> None:
        """Start making, in a forked process on an idle core, the values of the keys not
        stored (`make(i)` for the key at i): a later `compute` of this kind takes those it
        asks for, and makes the rest itself."""
        self.cancel_ahead(kind)
        stored = self.get_many(kind, keys, use=False)
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key not in stored:
                first.setdefault(key, i)
        if first:
            indices = list(first.values())
            self._ahead[kind] = (list(first), Child(lambda: [make(i) for i in indices], idle=True))

    def _made_ahead(self, kind: str, keys: Sequence[str], missing: list[int]) -> dict[int, Any]:
        """The values at these indices that work started `ahead` made (waiting for it)."""
        if kind not in self._ahead or not missing:
            return {}
        made_keys, child = self._ahead.pop(kind)
        try:
            by_key = dict(zip(made_keys, child.result()))
        except ChildFailed:
            return {}
        return {i: by_key[keys[i]] for i in missing if keys[i] in by_key}

    def cancel_ahead(self, kind: str | None = None) -> None:
        """Stop work started ahead (of one kind, or all): the build failed, or no stage asked."""
        for name in [kind] if kind is not None else list(self._ahead):
            if name in self._ahead:
                self._ahead.pop(name)[1].stop()

    def save(self, keep: bool = True) -> None:
        """Write the new values and the build's state in one transaction; with `keep` False,
        keep only what this build used, in a new file (so the cache does not grow without
        bound)."""
        if self.db is None:
            return
        if not keep and self.folder is not None:
            try:
                self._rewrite(self.folder / "cache.sqlite3")
                return
            except (sqlite3.DatabaseError, OSError) as error:
                print(f"cache: not written anew ({error}); updating it in place", file=sys.stderr)
                if self.db is None:
                    return
        try:
            with self.db:
                if self.state is not None:
                    self.state.save(self.db)
                if not keep:
                    stored = self.loaded if self.complete else self.db.execute("SELECT kind, key FROM results")
                    stale = [(kind, key) for kind, key in stored if (kind, key) not in self.used]
                    self.db.executemany("DELETE FROM results WHERE kind = ? AND key = ?", stale)
                _store(self.db, self.new.items())
            self.loaded.update(self.new)
            self.new.clear()
            if not keep:
                self.loaded = {entry: value for entry, value in self.loaded.items() if entry in self.used}
                self.complete = True
        except sqlite3.DatabaseError as error:
            print(f"cache: not saved: {error}", file=sys.stderr)

    def _rewrite(self, path: Path) -> None:
        """Keep only what this build used, in a new file that replaces the old one (a build
        from nothing writes everything, and the write-ahead log would write it twice). A
        build killed meanwhile leaves the old file whole."""
        assert self.db is not None
        fresh = path.with_name(path.name + ".new")
        fresh.unlink(missing_ok=True)
        db = sqlite3.connect(fresh, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode = OFF")
            db.execute("PRAGMA synchronous = OFF")
            _schema(db)
            with db:
                db.execute("INSERT INTO meta VALUES ('version', ?)", (code_version(),))
                kept = [(entry, value) for entry, value in self.loaded.items() if entry in self.used]
                _store(db, kept + list(self.new.items()))
                if self.state is not None:
                    self.state.save(db)
                _indexes(db)
        finally:
            db.close()
        with open(fresh, "rb") as file:
            os.fsync(file.fileno())
        self.close()  # checkpoints and removes the old file's log, if no one else has it open
        if path.with_name(path.name + "-wal").exists():  # open elsewhere: its log would apply to the new file
            fresh.unlink()
            self.db = self._open(path)
            if self.state is not None:
                self.state.bind(self.db, clear=True)
            raise OSError("the cache is open elsewhere")
        os.replace(fresh, path)
        self.loaded = {entry: value for entry, value in self.loaded.items() if entry in self.used}
        self.loaded.update(self.new)
        self.new = {}
        self.complete = True
        self.db = self._open(path)
        if self.state is not None:
            self.state.bind(self.db, keep_complete=True)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def next_build(self) -> Cache:
        """This cache, for another build in this process: what it holds stays in memory."""
        self.used = set()
        self.hits = self.misses = 0
        return self


class CachedWork(Work):
    """The seam (`work.Work`) with the cache: results looked up by a key of everything they
    depend on, the rest made in worker processes when there are many."""

    def __init__(self, cache: Cache, spread: bool = True) -> None:
        self.cache = cache
        self.spread = spread
        """Whether independent items may go to worker processes."""
        self._digests: dict[int, tuple[object, str]] = {}
        """Digests of the values in keys, by identity (the value kept, so its id stays its
        own), for this build: a paper's is asked for by its export blocks and its state."""

    @property
    def reused(self) -> int:
        return self.cache.hits

    @property
    def computed(self) -> int:
        return self.cache.misses

    def results(self, kind: str, keys: Sequence[tuple[Any, ...]], make: Callable[[list[int]], list[T]]) -> list[T]:
        return self.cache.compute(kind, self.keys(keys), make)

    def each(self, make: Callable[[int], T], items: Sequence[int], description: str, heavy: bool = False, native: bool = False) -> list[T]:
        if native:
            return side_by_side(make, list(items), heavy)
        return spread(make, list(items), description, heavy and self.spread)

    def here(self) -> CachedWork:
        """This work, its independent items made in this process: for work that reads the
        build's state, whose database connection a forked process must not use."""
        made = CachedWork(self.cache, spread=False)
        made._digests = self._digests
        return made

    def ahead(self, kind: str, keys: Sequence[tuple[Any, ...]], make: Callable[[int], Any]) -> None:
        """Start making these results on an idle core, for the stage that will ask for them
        (see `Cache.ahead`)."""
        self.cache.ahead(kind, self.keys(keys), make)

    def topic_scores_ahead(self, texts: Sequence[tuple[str, str]], taxonomy: Scored) -> None:
        """Start making these topic scores (see `work.Work.topic_scores`) ahead."""
        self.ahead("topics", topic_keys(texts, taxonomy), lambda i: taxonomy.scores(*texts[i]))

    def documents_ahead(self, texts: Sequence[tuple[str, str, str]]) -> None:
        """Start making these documents (see `work.Work.documents`) ahead."""
        self.ahead("document", texts, lambda i: document(*texts[i]))

    def keys(self, keys: Sequence[tuple[Any, ...]]) -> list[str]:
        """The cache key of each tuple of parts: strings and bytes hashed as they are, any
        other value by its content (`digests.digest`)."""
        values = [part for parts in keys for part in parts if not isinstance(part, (str, bytes))]
        if values:
            self.digest_all(values)
        return [self.key(parts) for parts in keys]

    def key(self, parts: tuple[Any, ...]) -> str:
        if all(type(part) is str for part in parts):
            return text_key(*parts)
        return key_of(*(part if isinstance(part, (str, bytes)) else self.digest(part) for part in parts))

    def digest(self, value: object) -> str:
        """`digests.digest(value)`, made once a build for each value."""
        kept = self._digests.get(id(value))
        if kept is None or kept[0] is not value:
            kept = self._digests[id(value)] = (value, digest(value))
        return kept[1]

    def digest_all(self, values: Sequence[object]) -> None:
        """Digest these values, in worker processes when there are many."""
        todo = list({id(value): value for value in values if id(value) not in self._digests}.values())
        made = spread(lambda i: digest(todo[i]), list(range(len(todo))), "digests", heavy=len(todo) >= DIGESTS_SPREAD)
        for value, made_digest in zip(todo, made):
            self._digests[id(value)] = (value, made_digest)


DIGESTS_SPREAD = 5_000
"""Values from which digesting them is worth other processes."""


_warm: dict[Path, Cache] = {}
_preloading: dict[Path, threading.Thread] = {}


def open_cache(folder: Path | None, warm: bool = False) -> Cache:
    """The cache in `folder`. With `warm`, the one an earlier build of this process opened
    there, its results still in memory (live preview rebuilds in one process: an edit reads
    nothing back from disk). Its values are never changed in place (frozen dataclasses,
    fresh arrays), so memory and disk agree."""
    if not warm or folder is None:
        return Cache(folder)
    loading = _preloading.pop(folder, None)
    if loading is not None:
        loading.join()
    kept = _warm.get(folder)
    if kept is None or kept.db is None:
        kept = _warm[folder] = Cache(folder)
    return kept.next_build()


def preload(folder: Path, freeze: bool = False) -> None:
    """Live preview: read the cache in `folder` into memory in a background thread while the
    server waits for the first edit (`./dev serve` generates before it starts the server,
    so the first edit would otherwise read it all back from disk). The next
    `open_cache(folder, warm=True)` waits for the thread. With `freeze`, what is alive then
    is moved out of the garbage collector's sight (`gc.freeze`): it lives as long as the
    process."""
    if folder in _warm or folder in _preloading:
        return

    def load() -> None:
        kept = Cache(folder)
        kept.load_all()
        _warm[folder] = kept
        if freeze:
            gc.collect()
            gc.freeze()

    _preloading[folder] = threading.Thread(target=load, name="cache preload", daemon=True)
    _preloading[folder].start()
