"""The pipeline: seeds -> records -> clusters -> papers -> pages -> files in docs/."""

from __future__ import annotations

import gc
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import Problem, Record
from .writer import WriteResult, cached_summary, exported_papers, previous_papers, write_pages


@dataclass
class Summary:
    """What a build did, for the command line and for tests."""

    files: int = 0
    records: int = 0
    papers: int = 0
    problems: tuple[Problem, ...] = ()
    written: WriteResult | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    cached: bool = False
    """Nothing changed since the last build: no stage ran and no file was written."""
    reused: int = 0
    """Results of per-text work taken from the cache (see `cache`)."""
    computed: int = 0
    """...and computed."""
    full: bool = False
    """Built from nothing: no state of an earlier build could be used (see `state`)."""

    @property
    def duplicates(self) -> int:
        return self.records - self.papers

    def to_json(self) -> dict[str, object]:
        return {
            "files": self.files,
            "records": self.records,
            "papers": self.papers,
            "problems": [[p.file, p.line, p.reason, p.severity, p.excerpt, p.curated] for p in self.problems],
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Summary:
        problems = tuple(Problem(*item) for item in data.get("problems", []))  # type: ignore[union-attr]
        return cls(int(data["files"]), int(data["records"]), int(data["papers"]), problems, cached=True)  # type: ignore[arg-type]

    @property
    def rejected(self) -> list[Problem]:
        """Seed text that could not be used."""
        return [p for p in self.problems if p.severity == "error" and not p.curated]

    @property
    def warnings(self) -> list[Problem]:
        """Seed text used, but perhaps not as meant, and curated entries that did not apply."""
        return [p for p in self.problems if p.severity == "warning"]


@dataclass(frozen=True)
class Options:
    seeds: Path
    docs: Path
    catalog: Path
    taxonomy: Path
    overrides: Path
    force: bool = False
    """Rebuild even when nothing changed."""
    cache: Path | None = None
    """Folder of the cache of per-text work (see `cache`); None for none."""
    warm: bool = False
    """Keep the cache's results in memory for the next build in this process (live preview)."""
    exiting: bool = False
    """The process ends after this build (the command line): what the build made is left to
    the exit (see `generator.__main__`), not freed value by value (1 s at 48,956 records)."""


_LEFT_FOR_EXIT: list[object] = []
"""The cache and state of an `exiting` build, kept from being freed one value at a time."""


def list_seed_files(seeds: Path) -> list[Path]:
    """Every file under the seeds folder, sorted, except hidden files and READMEs."""
    return sorted(
        path
        for path in seeds.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(seeds).parts)
        and not path.name.lower().startswith("readme")
    )


@dataclass(frozen=True)
class SeedFile:
    """One seed file's name (relative to the seeds folder) and bytes, or why it could not be read."""

    name: str
    data: bytes | None
    error: str | None = None


def load_seed_files(seeds: Path) -> list[SeedFile]:
    """Every seed file, read once: the input key and the readers both use these bytes."""
    files = []
    for path in list_seed_files(seeds):
        name = path.relative_to(seeds).as_posix()
        try:
            files.append(SeedFile(name, path.read_bytes()))
        except OSError as error:
            files.append(SeedFile(name, None, error.strerror))
    return files


def read_seeds(seeds: Path | list[SeedFile]) -> tuple[list[Record], list[Problem], int]:
    """All records and problems of all seed files (a file read before, with the same name
    and bytes, comes from the cache). A file that cannot be read is a problem, not a crash."""
    from . import cache
    from .parallel import parallel_map
    from .readers import read_seed  # here, not at the top: a no-op build never reads a seed

    files = load_seed_files(seeds) if isinstance(seeds, Path) else seeds
    readable = [file for file in files if file.data is not None]

    def read(missing: list[int]) -> list[Any]:  # readers.Reading
        # Files in worker processes when there is a lot to read (about 1 MB makes 0.2 s).
        worth_it = sum(len(readable[i].data or b"") for i in missing) > 4_000_000
        return parallel_map(lambda i: read_seed(readable[i].data, readable[i].name), missing, "read", worth_it, chunk=1)  # type: ignore[arg-type]

    readings = cache.active().compute("reading", [cache.key_of(f.name, f.data) for f in readable], read)  # type: ignore[arg-type]
    by_name = {file.name: reading for file, reading in zip(readable, readings)}
    records: list[Record] = []
    problems: list[Problem] = []
    for file in files:
        if file.data is None:
            problems.append(Problem(file.name, 0, f"file skipped: cannot read it ({file.error})"))
            continue
        records.extend(by_name[file.name].records)
        problems.extend(by_name[file.name].problems)
    return records, problems, len(files)


@contextmanager
def _timed(summary: Summary, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    summary.seconds[stage] = time.perf_counter() - start


def input_key(options: Options, seeds: list[SeedFile]) -> str:
    """A hash of everything the output depends on: seed files (names and bytes), the
    catalog, taxonomy and overrides files, the generator's own code, and SITE_URL."""
    digest = hashlib.sha256()
    inputs = [(f"seed:{f.name}", f.data if f.data is not None else b"(unreadable)") for f in sorted(seeds, key=lambda f: f.name)]
    code = Path(__file__).parent
    paths = [(f"config:{p.name}", p) for p in (options.catalog, options.taxonomy, options.overrides)]
    paths += [(f"code:{p.relative_to(code).as_posix()}", p) for p in sorted(code.rglob("*")) if p.suffix in (".py", ".j2")]
    inputs += [(name, path.read_bytes() if path.is_file() else b"(missing)") for name, path in paths]
    for name, data in inputs:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(data)
        digest.update(b"\0")
    digest.update(os.environ.get("SITE_URL", "").encode("utf-8"))
    return digest.hexdigest()


def moved_papers(docs: Path, rendering: Any) -> dict[str, str]:
    """Redirects: old slug -> new slug, for papers whose URL changed (see `redirects`)."""
    from .cache import key_of
    from .redirects import exported_keys, find_moves

    slugs, moved = previous_papers(docs)
    current = set(rendering.column.keys())
    vanished = slugs - current
    exported = exported_papers(docs, vanished) if vanished else {}
    keys = ((slug, {key_of(key) for key in exported_keys(exported[slug])}) for slug in sorted(exported))
    return find_moves(keys, rendering.owners, current, moved)


def build(options: Options) -> Summary:
    """Regenerate the docs folder from the seeds; do nothing when nothing changed."""
    start = time.perf_counter()
    seeds = load_seed_files(options.seeds)
    key = input_key(options, seeds)
    stored = None if options.force else cached_summary(options.docs, key)
    if stored is not None:
        summary = Summary.from_json(stored)
        summary.seconds["check"] = time.perf_counter() - start
        return summary
    return generate(options, seeds, key)


def generate(options: Options, seeds: list[SeedFile], key: str) -> Summary:
    """Run every stage, with the cache of per-text work and the last build's state open (see
    `cache`, `state`); both are saved only when every stage succeeded. The bytes of the
    `seeds` that were read are let go of, in the list, once read."""
    from . import cache

    results = cache.open_cache(options.cache, options.warm)
    cache.use(results)
    try:
        with _collector_paused():
            summary = _run(options, seeds, key, results)
            with _timed(summary, "cache"):
                results.save(keep=not summary.full)
        summary.reused, summary.computed = results.hits, results.misses
    except BaseException:
        results.abandon_rewrite()
        results.state = None  # half updated: the next build reads the saved one
        raise
    finally:
        results.cancel_ahead()
        cache.use(cache.Cache(None))
        if not options.warm:
            results.close()
        if options.exiting:
            _LEFT_FOR_EXIT.append(results)
    return summary


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the build. The stages make millions of
    frozen values that refer to nothing that refers back (freed by their reference counts
    when done), and the collector walked them all over and over as they grew: one added
    record at 48,956 records took 18.3 s with it, 14.1 s without, for the same peak
    memory. Back on, as it was, after the build (under `mkdocs serve`, a long process; the
    command line keeps it off, see `generator.__main__`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(options: Options, seeds: list[SeedFile], key: str, results: Any) -> Summary:
    """The stages, each given what changed since the last build and keeping its part of the
    state (see `state`). They import numpy, scipy, jinja2 and more (0.2 s), so they are
    imported here, not at the top: a build with nothing to do never pays for them."""
    from . import state as states
    from .catalog import load_catalog
    from .clustering import Clustering
    from .overrides import load_overrides
    from .features import documents_ahead
    from .papers import likely_papers, shown_title
    from .parallel import can_work_ahead
    from .related import documents
    from .render import Rendering
    from .topics import load_taxonomy, scores_ahead
    from .translations import load_encoder_early, stop_encoder

    summary = Summary()
    with _timed(summary, "read"):
        # Curated files first: one that cannot be used stops the build before any work.
        catalog = _curated(load_catalog, options.catalog)
        taxonomy = _curated(load_taxonomy, options.taxonomy)
        overrides = _curated(load_overrides, options.overrides)
        basis = _basis(options)
        state = None if options.force else states.load(results, basis)
        if state is None:
            state = states.fresh(results, basis, clustering=Clustering(overrides, tuple(catalog.pins()), catalog.phrases()), rendering=Rendering())
        summary.full = state.empty
        changed, added = read_changes(state, seeds)
        summary.files = len(seeds)
        summary.records = sum(file.records for file in state.files.values())
    # The loader reads again, should the cache have lost their reading, only files that did
    # not change: the records of the others are in `added`. Their bytes are let go of (this
    # list is their last holder: 68 MB held to the end of a run at 48,956 records).
    load = states.records_loader(results, state.files, {file.name: file.data for file in seeds if file.name not in changed})
    seeds[:] = [file if file.name not in changed or file.data is None else SeedFile(file.name, b"") for file in seeds]
    if can_work_ahead(len(added)):
        # Topic scores and related papers' documents, started on the core clustering leaves
        # idle, for the papers the records will most likely make: most papers are one
        # abstract, with its best record's title. The stages take those they ask for and
        # make the rest.
        likely = [(record.abstract, shown_title(record.title) if record.title else "", record.language)
                  for record in likely_papers(record for _, record in added)]
        scores_ahead(likely, taxonomy)
        documents_ahead(likely)
    # A build from nothing writes a new cache file, a part at a time as the stages finish
    # theirs, in forked processes (see `cache.Cache.start_rewrite`).
    rewrite = results.start_rewrite if summary.full and not options.warm else lambda parts=None: None
    with _timed(summary, "dedupe"):
        load_encoder_early([record for _, record in added])
        try:
            clusters = state.clustering.update(changed, added, load)
        finally:
            stop_encoder()
        rewrite(("clustering",))
    with _timed(summary, "metadata"):
        papers = state.library.update(clusters.removed, clusters.added, catalog, taxonomy, state.papers.__getitem__)
    with _timed(summary, "related"):
        gone = papers.removed - {paper.slug for paper in papers.added}
        related = state.neighbours.update(gone, dict(zip((paper.slug for paper in papers.added), documents(papers.added))))
        rewrite(("library", "neighbours"))
    problems = [problem for file in state.files.values() for problem in file.problems]
    problems += catalog.check_topics([topic.slug for topic in taxonomy.topics]) + list(clusters.problems) + list(papers.problems)
    summary.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line, p.reason)))
    with _timed(summary, "render"):
        state.rendering.update(papers.removed, papers.added, related, state.neighbours, state.papers, taxonomy, options.docs)
        summary.papers = len(state.rendering.column)
        rewrite()  # the rest, while the index pages and exports are made and the pages written
        moved = moved_papers(options.docs, state.rendering)
        pages = state.rendering.pages(state.papers, state.neighbours, taxonomy, summary.problems, summary.records, summary.files, moved)
    if summary.full and results.state is not None:
        # A build from nothing asked for every result it needs: the rest can go. An edit
        # asks only for what it changed, and keeps the rest (see `state.GROWTH`).
        results.state.entries = len(results.used)
    with _timed(summary, "write"):
        summary.written = write_pages(options.docs, pages, key, summary.to_json(), moved, check=options.force)
    return summary


def _curated(load: Any, path: Path) -> Any:
    """A curated file as `load` reads it, from the cache while its bytes are the same
    (reading and checking the catalog against its schema took 0.3 s a build)."""
    from . import cache

    data = path.read_bytes() if path.is_file() else b"(missing)"
    return cache.active().compute("curated", [cache.key_of(load.__name__, str(path), data)], lambda missing: [load(path)])[0]


def _basis(options: Options) -> str:
    """What the last build's state depends on besides the seeds and the code: the curated
    files and the site URL."""
    from .cache import key_of

    return key_of(*(path.read_bytes() if path.is_file() else b"(missing)" for path in (options.catalog, options.taxonomy, options.overrides)),
                  os.environ.get("SITE_URL", ""))


def read_changes(state: Any, seeds: list[SeedFile]) -> tuple[set[str], list[tuple[tuple[str, int], Record]]]:
    """The seed files whose bytes changed since the last build (or that are new, gone or
    unreadable), and the records of those that are there now, with where they are. The
    state's list of files is brought up to date."""
    from . import cache
    from .parallel import parallel_map
    from .readers import read_seed  # here, not at the top: a no-op build never reads a seed
    from .state import SeedState

    keys = {file.name: cache.key_of(file.name, file.data) if file.data is not None else f"unreadable: {file.error}" for file in seeds}
    old = state.files
    changed = {name for name in old.keys() | keys.keys() if old.get(name) is None or old[name].key != keys.get(name)}
    readable = [file for file in seeds if file.name in changed and file.data is not None]

    def read(missing: list[int]) -> list[Any]:  # readers.Reading
        # Files in worker processes when there is a lot to read (about 1 MB makes 0.2 s).
        worth_it = sum(len(readable[i].data or b"") for i in missing) > 4_000_000
        return parallel_map(lambda i: read_seed(readable[i].data, readable[i].name), missing, "read", worth_it, chunk=1)  # type: ignore[arg-type]

    readings = dict(zip((file.name for file in readable), cache.active().compute("reading", [keys[file.name] for file in readable], read)))
    files = {}
    added: list[tuple[tuple[str, int], Record]] = []
    for file in seeds:
        if file.name not in changed:
            files[file.name] = old[file.name]
        elif file.data is None:
            files[file.name] = SeedState(keys[file.name], 0, (Problem(file.name, 0, f"file skipped: cannot read it ({file.error})"),))
        else:
            reading = readings[file.name]
            files[file.name] = SeedState(keys[file.name], len(reading.records), tuple(reading.problems))
            added += [((file.name, index), record) for index, record in enumerate(reading.records)]
    state.files = files
    return changed, added
