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

from .model import Paper, Problem, Record
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


def moved_papers(docs: Path, papers: list[Paper]) -> dict[str, str]:
    """Redirects: old slug -> new slug, for papers whose URL changed (see `redirects`)."""
    from .redirects import exported_keys, find_moves

    slugs, moved = previous_papers(docs)
    vanished = slugs - {paper.slug for paper in papers}
    exported = exported_papers(docs, vanished) if vanished else {}
    return find_moves(((slug, exported_keys(exported[slug])) for slug in sorted(exported)), papers, moved)


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
    """Run every stage, with the cache of per-text work open (see `cache`); the cache is
    saved only when every stage succeeded."""
    from . import cache

    results = cache.open_cache(options.cache, options.warm)
    cache.use(results)
    try:
        with _collector_paused():
            summary = _run(options, seeds, key)
            with _timed(summary, "cache"):
                results.save(keep=False)
        summary.reused, summary.computed = results.hits, results.misses
    finally:
        cache.use(cache.Cache(None))
    return summary


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the build. The stages make millions of
    frozen values that refer to nothing that refers back (freed by their reference counts
    when done), and the collector walked them all over and over as they grew: one added
    record at 48,956 records took 18.3 s with it, 14.1 s without, for the same peak
    memory. Back on, as it was, after the build (under `mkdocs serve`, a long process)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _run(options: Options, seeds: list[SeedFile], key: str) -> Summary:
    """The stages. They import numpy, scipy, jinja2 and more (0.2 s), so they are imported
    here, not at the top: a build with nothing to do never pays for them."""
    from .catalog import load_catalog
    from .dedupe import cluster_duplicates
    from .overrides import load_overrides
    from .papers import make_papers
    from .related import add_related
    from .render import Site, render_pages
    from .topics import assign_topics, load_taxonomy
    from .translations import load_encoder_early, stop_encoder

    summary = Summary()
    with _timed(summary, "read"):
        # Curated files first: one that cannot be used stops the build before any work.
        catalog = load_catalog(options.catalog)
        taxonomy = load_taxonomy(options.taxonomy)
        overrides = load_overrides(options.overrides)
        records, problems, summary.files = read_seeds(seeds)
        problems += catalog.check_topics([topic.slug for topic in taxonomy.topics])
    with _timed(summary, "dedupe"):
        load_encoder_early(records)
        try:
            clusters, dedupe_problems = cluster_duplicates(records, overrides, catalog.pins())
        finally:
            stop_encoder()
        problems += dedupe_problems
    with _timed(summary, "metadata"):
        entries, match_problems = catalog.assign(clusters)
        papers = make_papers(clusters, entries)
    with _timed(summary, "topics"):
        papers = assign_topics(papers, taxonomy)
    with _timed(summary, "related"):
        papers = add_related(papers)
    problems += match_problems
    summary.records = len(records)
    summary.papers = len(papers)
    summary.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line, p.reason)))
    with _timed(summary, "render"):
        moved = moved_papers(options.docs, papers)
        site = Site(tuple(papers), taxonomy, summary.problems, summary.records, summary.files, moved)
        pages = render_pages(site)
    with _timed(summary, "write"):
        summary.written = write_pages(options.docs, pages, key, summary.to_json(), moved, check=options.force)
    return summary
