"""The build: seeds -> records -> clusters -> papers -> topics -> related -> pages -> docs/.

`pipeline` runs the stages from nothing, each a function of its inputs. `build` runs it, or,
when the last build's state can take the change, `incremental` updates what the change
touched, with the same pages; either way the writer makes docs/ hold exactly the pages.
"""

from __future__ import annotations

import gc
import hashlib
import os
import sys
import time
from collections.abc import Iterator
from typing import TextIO
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING

from .model import Paper, Problem, Record, SeedFile, group_problems
from .text import plural
from .writer import WriteResult, cached_summary, orphans, previous_build, write_pages

if TYPE_CHECKING:  # the stages are imported when a build runs them: a build with nothing to do never does
    from .catalog import Catalog
    from .dedupe import Clustered
    from .overrides import Overrides
    from .pages import Rendered
    from .settings import ListSettings
    from .readers import Reading
    from .redirects import Previous
    from .related import Ranking
    from .topics import Taxonomy
    from .work import Work


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
    """Results of per-text work taken from the cache (see `incremental.cache`)..."""
    computed: int = 0
    """...and computed."""
    full: bool = False
    """Built from nothing (`pipeline`), not by updating the last build's state."""

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
    """Folder of the cache of per-text work and of the last build's state (see
    `incremental`); None for none."""
    warm: bool = False
    """Keep the cache and the state in memory for the next build in this process (live preview)."""
    exiting: bool = False
    """The process ends after this build (the command line): what the build made is left to
    the exit (see `generator.__main__`), not freed value by value."""
    config: Path | None = None
    """The site's mkdocs.yml: the list's own settings (see `settings`); None for defaults."""
    forget_moves: bool = False
    """Drop the redirects of earlier builds (`build --forget-moves`): for a list whose titles
    changed before it was ever published, nobody has the old URLs."""


@dataclass(frozen=True)
class Curated:
    """The curated files, read and checked, and the list's settings."""

    catalog: Catalog
    taxonomy: Taxonomy
    overrides: Overrides
    settings: ListSettings


@dataclass
class Built:
    """What the stages made of the seeds, from nothing (`pipeline`)."""

    readings: dict[str, Reading]
    """Each readable seed file's records and problems, by name."""
    clustered: Clustered
    papers: list[Paper]
    """With their topics and related papers, in slug order."""
    ranking: Ranking
    problems: tuple[Problem, ...]
    moved: dict[str, str]
    """Redirects: old slug -> new slug (see `redirects`)."""
    rendered: Rendered
    """Every generated page, and what they were made with."""


def list_seed_files(seeds: Path) -> list[Path]:
    """Every file under the seeds folder, sorted, except hidden files and READMEs."""
    return sorted(
        path
        for path in seeds.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(seeds).parts)
        and not path.name.lower().startswith("readme")
    )


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


def load_curated(options: Options) -> Curated:
    """The curated files; one that cannot be used raises `curated.CuratedFileError`."""
    from .catalog import load_catalog
    from .overrides import load_overrides
    from .settings import load_settings
    from .topics import load_taxonomy

    return Curated(load_catalog(options.catalog), load_taxonomy(options.taxonomy), load_overrides(options.overrides), load_settings(options.config))


def read_seeds(seeds: Path | list[SeedFile], work: Work | None = None) -> tuple[list[Record], list[Problem], int]:
    """All records and problems of all seed files. A file that cannot be read is a
    problem, not a crash."""
    from .reading import read_files, seed_problems
    from .work import Work

    files = load_seed_files(seeds) if isinstance(seeds, Path) else seeds
    readings = read_files(files, work or Work())
    records = [record for file in files if file.name in readings for record in readings[file.name].records]
    return records, seed_problems(files, readings), len(files)


def pipeline(files: list[SeedFile], curated: Curated, previous: Previous, work: Work) -> Built:
    """Every stage, from nothing: the reference that an incremental build equals."""
    from .dedupe import cluster
    from .pages import render_site
    from .papers import make_papers
    from .reading import read_files, seed_problems
    from .related import add_related, rank_related
    from .topics import assign_topics

    readings = read_files(files, work)
    records = [record for file in files if file.name in readings for record in readings[file.name].records]
    catalog, taxonomy = curated.catalog, curated.taxonomy
    clustered = cluster(records, curated.overrides, catalog.pins(), catalog.phrases(), work)
    entries, described = catalog.assign(clustered.clusters)
    papers = assign_topics(make_papers(clustered.clusters, entries, work), taxonomy, work)
    ranking = rank_related(papers, work)
    papers = add_related(papers, ranking.lists)
    problems = sorted_problems(seed_problems(files, readings) + catalog.check_topics([t.slug for t in taxonomy.topics]) + clustered.problems + described)
    moved = previous.moves(papers)
    rendered = render_site(papers, taxonomy, problems, len(records), len(files), moved, work, curated.settings)
    return Built(readings, clustered, papers, ranking, problems, moved, rendered)


def sorted_problems(problems: list[Problem]) -> tuple[Problem, ...]:
    return tuple(sorted(problems, key=lambda p: (p.file, p.line, p.reason)))


def input_key(options: Options, seeds: list[SeedFile]) -> str:
    """A hash of everything the output depends on: seed files (names and bytes), the
    catalog, taxonomy and overrides files, mkdocs.yml and home.md (the list's settings), the
    generator's own code, and SITE_URL."""
    digest = hashlib.sha256()
    inputs = [(f"seed:{f.name}", f.data if f.data is not None else b"(unreadable)") for f in sorted(seeds, key=lambda f: f.name)]
    code = Path(__file__).parent
    paths = [(f"config:{p.name}", p) for p in (options.catalog, options.taxonomy, options.overrides)]
    if options.config is not None:
        paths += [("config:mkdocs.yml", options.config), ("config:home.md", options.config.parent / "home.md")]
    paths += [(f"code:{p.relative_to(code).as_posix()}", p) for p in sorted(code.rglob("*")) if p.suffix in (".py", ".j2")]
    inputs += [(name, path.read_bytes() if path.is_file() else b"(missing)") for name, path in paths]
    for name, data in inputs:
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(data)
        digest.update(b"\0")
    digest.update(os.environ.get("SITE_URL", "").encode("utf-8"))
    return digest.hexdigest()


def build(options: Options) -> Summary:
    """Regenerate the docs folder from the seeds; do nothing when nothing changed."""
    start = time.perf_counter()
    seeds = load_seed_files(options.seeds)
    key = input_key(options, seeds)
    stored = None if options.force or options.forget_moves else cached_summary(options.docs, key)
    if stored is not None:
        summary = Summary.from_json(stored)
        summary.seconds["check"] = time.perf_counter() - start
        return summary
    from . import incremental  # with the stages: a build with nothing to do imports neither

    summary = Summary(files=len(seeds))
    with collector_paused(), incremental.session(options.cache, options.warm, options.exiting) as session:
        with timed(summary, "read"):
            curated = session.curated(load_curated, options)
            from .redirects import Previous

            previous = Previous() if options.forget_moves else previous_build(options.docs)
            update = None if options.force else session.update_for(seeds, curated)
        made = update.run(previous, summary.seconds) if update is not None else None
        if made is None:
            with timed(summary, "stages"):
                session.start_ahead(read_seeds(seeds, session.work)[0], curated)
                built = pipeline(seeds, curated, previous, session.work)
            with timed(summary, "state"):
                made = session.keep(built, seeds, curated)
            summary.full = True
        summary.records, summary.papers, summary.problems = made.records, made.papers, made.problems
        summary.problems += tuple(Problem(str(options.docs / relative), 1, "a page the generator wrote once and no longer owns "
                                          "(docs/.generated.json was deleted or replaced?): delete it", "warning")
                                  for relative in orphans(options.docs, made.pages))
        with timed(summary, "write"):
            summary.written = write_pages(options.docs, made.pages, key, summary.to_json(), made.moved, check=options.force)
        with timed(summary, "cache"):
            session.save()
        summary.reused, summary.computed = session.work.reused, session.work.computed
    return summary


@contextmanager
def timed(summary: Summary, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    summary.seconds[stage] = summary.seconds.get(stage, 0.0) + time.perf_counter() - start


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the build: the stages make millions of
    frozen values that refer to nothing that refers back (freed by their reference counts),
    and the collector walked them all again and again as they grew. Back on, as it was,
    after the build (under `mkdocs serve`, a long process)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def report(summary: Summary, quiet: bool = False, out: TextIO | None = None, err: TextIO | None = None) -> None:
    """The summary of a build, as the command line prints it (and `./dev serve` logs it)."""
    out, err = out or sys.stdout, err or sys.stderr
    if not quiet:
        for run in group_problems(summary.problems):
            print(run, file=err)
    written = summary.written
    print(
        f"{plural(summary.files, 'file')} read, {plural(summary.records, 'record')} found, {plural(summary.papers, 'unique paper')}, "
        f"{plural(summary.duplicates, 'duplicate')} merged, {len(summary.rejected):,} rejected, {plural(len(summary.warnings), 'warning')}",
        file=out,
    )
    for reason, count in sorted(_reasons(summary).items()):
        print(f"  rejected: {count} x {reason}", file=out)
    if summary.cached:
        print("pages: nothing changed since the last build, no file written", file=out)
    elif written:
        print(f"pages: {len(written.written):,} written, {written.unchanged:,} unchanged, {len(written.removed):,} removed", file=out)
    if summary.reused or summary.computed:
        print(f"cache: {summary.reused:,} results reused, {summary.computed:,} computed", file=out)
    print("time: " + ", ".join(f"{stage} {seconds:.2f}s" for stage, seconds in summary.seconds.items()), file=out)


def _reasons(summary: Summary) -> dict[str, int]:
    counts: dict[str, int] = {}
    for problem in summary.rejected:
        reason = problem.reason.split(" (")[0]
        counts[reason] = counts.get(reason, 0) + 1
    return counts
