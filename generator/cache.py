"""The cache: results of expensive work that are pure functions of their inputs, kept between
runs so an edit recomputes only what it changed.

What is kept, by kind, each keyed by a hash of everything its result depends on:
`reading` (a seed file's records, by its name and bytes), `terms` (a text's weighted stems),
`document` (a paper's abstract and title stems, for related papers),
`shingles` (a text's word 3-shingles), `cognates` (a text's spelling cognates), `embedding` (a
text's sentence-encoder vector), `topics` (a paper's topic scores), `slug` (a title's words in
a slug), `paper` (the digest and size of a paper's page), `gzip` (a block of a compressed
export).

One SQLite file in a git-ignored folder (`.cache/generator/` by default). Every value is
stamped with the generator's code version (a hash of its source files): after an upgrade
the old entries are dropped, never trusted. Writes happen in one transaction at the end of a
run, so a killed run leaves the previous cache whole; a file SQLite cannot read is deleted
and rebuilt. Deleting the folder changes nothing but the time.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
_UNREADABLE = (sqlite3.DatabaseError, pickle.UnpicklingError, EOFError, AttributeError)
"""A damaged file, or a value pickled by other code: recomputed, never trusted."""
DEFAULT = Path(".cache") / "generator"


@cache
def code_version() -> str:
    """A hash of the generator's source files and templates: any change starts a new cache."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".j2", ".json") and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def key_of(*parts: object) -> str:
    """A cache key from strings and bytes (anything else by its repr)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part if isinstance(part, bytes) else part.encode("utf-8") if isinstance(part, str) else repr(part).encode("utf-8")
        digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


@lru_cache(maxsize=1 << 18)
def text_key(*texts: str) -> str:
    """`key_of` for strings, remembered: live preview keys the same abstracts on every edit
    (the stages hashed 10 MB of text four times an edit at 10,000 records), and a build
    keys each abstract in more than one stage. A string hashes once in Python (the value
    is kept in the string), so looking the key up costs far less than hashing the text."""
    return key_of(*texts)


def _schema(db: sqlite3.Connection) -> None:
    # A rowid table: with large values, a WITHOUT ROWID table read 5-20x slower (1.7-9.2 s
    # against 0.39 s for the corpus' 528 MB of results).
    db.execute("CREATE TABLE IF NOT EXISTS results (kind TEXT, key TEXT, value BLOB)")
    db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT)")
    db.execute("CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value BLOB)")  # see `state`
    db.execute("CREATE TABLE IF NOT EXISTS rows (space TEXT, key TEXT, value BLOB)")  # see `tables`


def _store(db: sqlite3.Connection, results: Iterable[tuple[tuple[str, str], Any]]) -> None:
    """Write ((kind, key), value) results (in the caller's transaction)."""
    db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)", ((kind, key, pickle.dumps(value, protocol=5)) for (kind, key), value in results))


def _indexes(db: sqlite3.Connection) -> None:
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS results_key ON results (kind, key)")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS rows_key ON rows (space, key)")


class Cache:
    """Memory for the run, backed by SQLite between runs (or memory only, with no folder)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.loaded: dict[tuple[str, str], Any] = {}
        self.new: dict[tuple[str, str], Any] = {}
        self.used: set[tuple[str, str]] = set()
        """What this run asked for: what `save(keep=False)` keeps."""
        self.hits = self.misses = 0
        """Results taken from earlier runs, and computed in this one."""
        self.complete = False
        """`loaded` holds every stored entry: `save` finds stale ones without a scan."""
        self.state: Any = None
        """The last build's `state.State`, once a build has read or made it."""
        self._writer: _Writer | None = None
        """The forked process writing a part of the new file (`start_rewrite`)..."""
        self._done: list[_Writer] = []
        """...and those that have written theirs."""
        self._written: set[tuple[str, str]] = set()
        """The results they wrote."""
        self._failed = False
        """A writer failed: `save` writes the rest."""
        self._ahead: dict[str, tuple[list[str], Any]] = {}
        """Work started ahead, by kind (`ahead`): the keys it makes, and its `parallel.Ahead`."""
        self.db: sqlite3.Connection | None = None
        if folder is not None:
            self.db = self._open(folder / "cache.sqlite3")

    def _open(self, path: Path) -> sqlite3.Connection | None:
        for attempt in range(2):
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(path, timeout=30, check_same_thread=False)  # see `preload`
                # A write-ahead log: a build's transaction is appended and committed with one
                # sync (0.66 s to commit a build's changes at 48,956 records with a rollback
                # journal), and a killed build still leaves the last whole transaction.
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("DROP TABLE IF EXISTS entries")
                db.execute("DROP TABLE IF EXISTS papers")
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
        """Results stored (and made in this run, not yet stored)."""
        stored = self.db.execute("SELECT count(*) FROM results").fetchone()[0] if self.db is not None else len(self.loaded)
        return stored + sum(1 for entry in self.new if entry not in self.loaded)

    def has_all(self, kind: str, keys: Iterable[str]) -> bool:
        """Whether every key has a stored value (without counting them as used)."""
        keys = set(keys)
        return len(self.get_many(kind, keys, use=False)) == len(keys)

    def get_many(self, kind: str, keys: Iterable[str], use: bool = True) -> dict[str, Any]:
        """The stored values for these keys (those not stored are left out), counted as
        used by this run when `use`."""
        wanted = [k for k in dict.fromkeys(keys) if (kind, k) not in self.loaded and (kind, k) not in self.new]
        if self.db is not None and wanted:
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
        """The stored (key, value) rows of these keys. Most of a kind's rows (an edit asks for
        nearly all): one pass over the kind, 6-9x faster than looking each key up (at 48,956
        records 0.16 s against 1.35 s for the 35,000 papers' pages); a few: by key."""
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
        entry = (kind, key)  # one tuple for both: 13 MB at 48,956 records
        self.new[entry] = value
        self.used.add(entry)

    def compute(self, kind: str, keys: list[str], make: Callable[[list[int]], list[T]], keep: Callable[[T], Any] | None = None) -> list[Any]:
        """The value for each key: stored ones, and `make(indices of the missing keys)` for
        the rest (computed together, which is faster for vectorised work). With `keep`, a
        made value is stored as `keep(value)` (and returned whole, for this run)."""
        stored = self.get_many(kind, keys)
        missing = [i for i, k in enumerate(keys) if k not in stored]
        self.hits += sum(1 for k in set(keys) if (kind, k) in self.loaded)  # from an earlier run
        self.misses += len(missing)
        made = self._made_ahead(kind, keys, missing)
        rest = [i for i in missing if i not in made]
        made.update(zip(rest, make(rest) if rest else []))
        for index, value in sorted(made.items()):
            self.put(kind, keys[index], keep(value) if keep else value)
            stored[keys[index]] = value
        return [stored[k] for k in keys]

    def ahead(self, kind: str, keys: list[str], make: Callable[[int], Any]) -> None:
        """Start making, in a forked process, the values of the keys not stored (`make(i)`
        for the key at i): a later `compute` of this kind takes those it asks for, and
        computes the rest itself. For values a build from nothing will need after stages
        that keep one core busy (see `related.documents_ahead`)."""
        from .parallel import Ahead

        self.cancel_ahead(kind)
        stored = self.get_many(kind, keys, use=False)
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key not in stored:
                first.setdefault(key, i)
        if first:
            self._ahead[kind] = (list(first), Ahead(make, list(first.values())))

    def _made_ahead(self, kind: str, keys: list[str], missing: list[int]) -> dict[int, Any]:
        """The values at these indices that work started `ahead` made (waiting for it)."""
        if kind not in self._ahead or not missing:
            return {}
        made_keys, work = self._ahead.pop(kind)
        values = work.results()
        if values is None:
            return {}
        by_key = dict(zip(made_keys, values))
        return {i: by_key[keys[i]] for i in missing if keys[i] in by_key}

    def cancel_ahead(self, kind: str | None = None) -> None:
        """Stop work started ahead (of one kind, or all): the build failed, or no stage asked."""
        for name in [kind] if kind is not None else list(self._ahead):
            if name in self._ahead:
                self._ahead.pop(name)[1].cancel()

    def save(self, keep: bool = True) -> None:
        """Write the new values (and the build's state) in one transaction, and drop entries
        this run did not use when `keep` is False (so the cache does not grow without bound)."""
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
                # What is stored now was used by this run, and all of it is in memory: an entry
                # is marked used only when it was found there, or made.
                self.loaded = {entry: value for entry, value in self.loaded.items() if entry in self.used}
                self.complete = True
        except sqlite3.DatabaseError as error:
            print(f"cache: not saved: {error}", file=sys.stderr)

    def start_rewrite(self, parts: Sequence[str] | None = None) -> None:
        """A build from nothing: write its new file (see `_rewrite`) in forked processes, a
        part at a time, while this one goes on. Each call starts a writer (once the one
        before is done) for the results kept so far that no writer had, and the tables of
        `parts` of the state; the call without `parts`, once the papers are rendered,
        writes the rest and makes the indexes. `save(keep=False)` waits for it and adds
        what is still missing: what this run used or made since (the exports' compressed
        blocks), the state's parts, a table changed since its writer started, and all a
        failed writer did not write (its transaction rolled back).

        At 48,956 records the file holds 650 MB: written all at once after the render, its
        writer went on for 3 s after the build's own last stage. Now the records' readings
        and shingles and the clusters' tables are written while the papers' metadata is
        made on one core, and the related papers' documents while the pages are made. The
        results of a writer that is done are let go of here when the next one starts (188
        MB as stored at 48,956 records): a build from nothing asks for none of them again
        (one that does computes it again). With one worker (`READING_LIST_WORKERS=1`) or no `os.fork`, `save` writes
        it all then; `./dev serve` does not ask (its cache lives on in memory, see
        `build.generate`)."""
        from .parallel import workers

        if self.db is None or self.folder is None or workers() < 2 or not hasattr(os, "fork"):
            return
        if self._writer is not None:
            self._wait_writer()
        if self._failed:
            return
        last = parts is None
        written = {name for done in self._done for name in done.parts}
        names = tuple(name for name in self.state.PARTS if name not in written) if last and self.state is not None else tuple(parts or ())
        tables = [table for name in names for table in self.state.part_tables(name)] if self.state is not None else []
        todo = self._kept(without=self._written)
        first = not self._done
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the writer: its own connection to the new file, and none of this process' exit work
            code = 1
            try:
                if not last:
                    os.nice(10)  # the stages' own work first: this one has until the next writer
                self._write(self._fresh(), todo, tables, first=first, last=last)
                code = 0
            except BaseException as error:
                print(f"cache: {self._fresh()}: {error}", file=sys.stderr)
            finally:
                sys.stderr.flush()
                os._exit(code)
        self._writer = _Writer(pid, list(todo), names, [(table, table.changes) for table in tables], last)

    def _wait_writer(self) -> None:
        """Wait for the running writer: done (its results, but the last's, let go of), or failed
        (having written nothing: its transaction rolled back, or, the first, its file dropped)."""
        assert self._writer is not None
        writer, self._writer = self._writer, None
        _, status = os.waitpid(writer.pid, 0)
        if os.waitstatus_to_exitcode(status) == 0:
            self._done.append(writer)
            self._written.update(writer.results)
            if not writer.last:  # the file has them (see `start_rewrite`)
                for entry in writer.results:
                    self.new.pop(entry, None)
                    self.loaded.pop(entry, None)
        else:
            self._failed = True

    def _fresh(self) -> Path:
        assert self.folder is not None
        return self.folder / "cache.sqlite3.new"

    def _kept(self, without: set[tuple[str, str]] | frozenset[tuple[str, str]] = frozenset()) -> dict[tuple[str, str], Any]:
        """What this run used or made (but the entries `without`)."""
        kept = {entry: value for entry, value in self.loaded.items() if entry in self.used and entry not in without}
        kept.update((entry, value) for entry, value in self.new.items() if entry not in without)
        return kept

    def _keep_used(self) -> None:
        """`loaded` becomes what this run used or made: in place, not a copy of it all (at
        48,956 records, 210,000 entries, at the end of the run, when its memory peaks)."""
        used = [(entry, value) for entry, value in self.loaded.items() if entry in self.used]
        self.loaded, self.new = self.new, {}
        self.loaded.update((entry, value) for entry, value in used if entry not in self.loaded)

    def _write(self, fresh: Path, kept: dict[tuple[str, str], Any], tables: list[Any] | None = None, first: bool = True, last: bool = True) -> None:
        """Write results and the state's `tables` (all of it, with None) into the new file:
        each byte written once, the indexes made by the `last` writer (the file is synced
        by `_rewrite`). The `first` makes the file, with no journal; the others append
        with one, so a writer that fails leaves the file as the one before left it."""
        if first:
            fresh.unlink(missing_ok=True)
        db = sqlite3.connect(fresh, check_same_thread=False)
        try:
            db.execute(f"PRAGMA journal_mode = {'OFF' if first else 'DELETE'}")
            db.execute("PRAGMA synchronous = OFF")
            _schema(db)
            with db:
                if first:
                    db.execute("INSERT INTO meta VALUES ('version', ?)", (code_version(),))
                _store(db, kept.items())
                if self.state is not None:
                    if tables is None:
                        self.state.save(db)
                    else:
                        for table in tables:
                            table.save(db)
                if last:
                    _indexes(db)
        finally:
            db.close()

    def _finish_writer(self, fresh: Path) -> bool:
        """Wait for the writers `start_rewrite` forked, and add to their file what it still
        lacks (see there): whether they wrote any of it."""
        if self._writer is not None:
            self._wait_writer()
        if not self._done:
            return False
        db = sqlite3.connect(fresh, check_same_thread=False)
        try:
            db.execute("PRAGMA synchronous = OFF")
            with db:
                _indexes(db)  # before the rest: what a writer wrote may be written again, and is replaced
                _store(db, self._kept(without=self._written).items())
                if self.state is not None:
                    saved = {id(table) for done in self._done for table, changes in done.tables if table.changes == changes}
                    for table in self.state.tables():
                        if id(table) not in saved:
                            table.save(db)
                    self.state.save_parts(db, self.state.PARTS)
        finally:
            db.close()
        return True

    def _rewrite(self, path: Path) -> None:
        """Keep only what this run used, in a new file that replaces the old one: a build
        from nothing writes everything (750 MB at 48,956 records), and the write-ahead log
        would write it twice. A build killed meanwhile leaves the old file whole."""
        assert self.db is not None
        fresh = self._fresh()
        elsewhere = self._finish_writer(fresh)
        if not elsewhere:
            self._write(fresh, self._kept())
        with open(fresh, "rb") as file:  # once, whoever wrote it
            os.fsync(file.fileno())
        self.close()  # checkpoints and removes the old file's log, if no one else has it open
        replaced = not path.with_name(path.name + "-wal").exists()  # else the log would be applied to the new file
        if replaced:
            os.replace(fresh, path)
            self._keep_used()
            # The file holds every result but those of the writers let go of here.
            self.complete = self._written <= self.loaded.keys()
        else:
            fresh.unlink()
            if not elsewhere:  # its tables were saved into that file: the stored state stays
                self.state = None
        self.db = self._open(path)
        if self.state is not None:
            if elsewhere and replaced:
                # The writer saved the tables: here they still hold their changes to write.
                # Their values stay; which keys each stored row holds is read when asked.
                self.state.forget_changes()
                self.state.bind(self.db)
            else:  # a table made anew holds every value: it still does
                self.state.bind(self.db, keep_complete=replaced)
        if not replaced:
            raise OSError("the cache is open elsewhere")

    def abandon_rewrite(self) -> None:
        """The build failed: stop the writer, and drop what it wrote."""
        started = self._writer is not None or self._done or self._failed
        if self._writer is not None:
            os.kill(self._writer.pid, signal.SIGKILL)
            os.waitpid(self._writer.pid, 0)
            self._writer = None
        if started:
            self._fresh().unlink(missing_ok=True)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def next_run(self) -> Cache:
        """This cache, for another run in this process: what it holds stays in memory."""
        self.used = set()
        self.hits = self.misses = 0
        return self


@dataclass(frozen=True)
class _Writer:
    """A forked process writing a part of a new cache file (`Cache.start_rewrite`)."""

    pid: int
    results: list[tuple[str, str]]
    parts: tuple[str, ...]
    """The parts of the state whose tables it writes..."""
    tables: list[tuple[Any, int]]
    """...and those tables, each with how many values it had had set when it started."""
    last: bool


_active = Cache(None)
_warm: dict[Path, Cache] = {}


def open_cache(folder: Path | None, warm: bool = False) -> Cache:
    """The cache in `folder`. With `warm`, the one an earlier run of this process opened
    there, results still in memory: live preview (`./dev serve`) rebuilds in one process,
    and an edit then reads nothing back from disk.
    Its values are never changed in place (frozen dataclasses, fresh arrays), so memory and
    disk agree; tests/test_incremental.py checks warm builds against cold ones."""
    if not warm or folder is None:
        return Cache(folder)
    loading = _preloading.pop(folder, None)
    if loading is not None:
        loading.join()
    kept = _warm.get(folder)
    if kept is None or kept.db is None:
        kept = _warm[folder] = Cache(folder)
    return kept.next_run()


_preloading: dict[Path, threading.Thread] = {}


def preload(folder: Path, freeze: bool = False) -> None:
    """Live preview: read the cache in `folder` into memory, and import the stages, in a
    background thread while the server waits for the first edit. `./dev serve` generates
    before it starts the server, so the server's own first build has nothing to do and
    reads nothing; without this, the first edit read the cache back from disk (at 10,000
    papers, 6.5 s from edit to browser against 5.2 s for the next ones). The next
    `open_cache(folder, warm=True)` waits for the thread. SQLite connections are opened for
    use from any thread for this; one thread uses a cache at a time.

    With `freeze`, what is alive once the cache is read (its values, and for the server all
    its own objects) is moved out of the garbage collector's sight (`gc.freeze`): it lives
    as long as the process, and a collection during an edit no longer walks it all. (What
    the server's first build still holds then is kept for good too: once, not per edit.)"""
    if folder in _warm or folder in _preloading:
        return

    def load() -> None:
        from . import build, catalog, dedupe, overrides, papers, related, render, topics, translations  # noqa: F401

        kept = Cache(folder)
        kept.load_all()
        _warm[folder] = kept
        if freeze:
            gc.collect()
            gc.freeze()

    _preloading[folder] = threading.Thread(target=load, name="cache preload", daemon=True)
    _preloading[folder].start()


def active() -> Cache:
    """The cache of the current build (memory only outside a build)."""
    return _active


def use(cache_: Cache) -> None:
    global _active
    _active = cache_
