"""One build's machinery: the cache, the last build's state, and the update of that state by
an edit (`Update`), which gives the same pages as a build from nothing (`build.pipeline`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from ..digests import key_of
from ..model import Problem, Record, SeedFile
from ..papers import likely_papers, shown_title
from ..reading import read_files
from ..redirects import Previous
from ..related import paper_documents
from ..writer import Page
from . import state as states
from .cache import Cache, CachedWork, open_cache
from .clustering import Clustering, Ref
from .library import Library
from .neighbours import Neighbours
from .processes import workers
from .rendering import Rendering
from .state import SeedState, State

T = TypeVar("T")

LARGE_CHANGE = 0.05
"""The share of the exact-groups an edit may make or take out before the build starts from
nothing instead: the incremental clustering costs more per record than a build from
nothing. Adding records to 10,000 (`benchmarks/large_change.py`), an update took 0.83 of a
build from nothing's time at 5 %, 1.10 at 10 %, 1.71 at 200 %."""
AHEAD = 2_000
"""New records from which a build starts, on a spare core, work later stages will need."""


@dataclass(frozen=True)
class Made:
    """What a build made, for the writer and the summary."""

    records: int
    papers: int
    problems: tuple[Problem, ...]
    pages: dict[str, Page]
    moved: dict[str, str]


_LEFT_FOR_EXIT: list[object] = []
"""The caches of builds whose process ends after them, kept from being freed one value at a
time (`build.Options.exiting`)."""


@contextmanager
def session(folder: Path | None, warm: bool = False, exiting: bool = False) -> Iterator[Session]:
    """The machinery of one build: its cache is saved only if the build succeeds."""
    cache = open_cache(folder, warm)
    made = Session(cache)
    try:
        yield made
    except BaseException:
        cache.state = None  # half updated: the next build reads the saved one
        raise
    finally:
        cache.cancel_ahead()
        if not warm:
            cache.close()
        if exiting:
            _LEFT_FOR_EXIT.append(cache)


class Session:
    def __init__(self, cache: Cache) -> None:
        self.cache = cache
        self.work = CachedWork(cache)
        self.full = False
        """This build made its state from nothing (`keep`)."""
        self.basis = ""

    def curated(self, load: Callable[[Any], T], options: Any) -> T:
        """The curated files as `load` reads them, from the cache while their bytes are the
        same (reading and checking the catalog against its schema takes 0.3 s)."""
        paths = (options.catalog, options.taxonomy, options.overrides)
        if options.config is not None:
            paths += (options.config, options.config.parent / "home.md")
        data = [path.read_bytes() if path.is_file() else b"(missing)" for path in paths]
        curated = self.cache.compute("curated", [key_of(*(str(path) for path in paths), *data)], lambda missing: [load(options)])[0]
        # The state holds the pages made with the list's settings, not the rest of mkdocs.yml.
        self.basis = key_of(*data[:3], os.environ.get("SITE_URL", ""), repr(getattr(curated, "settings", None)))
        return curated

    def update_for(self, seeds: Sequence[SeedFile], curated: Any) -> Update | None:
        """An update of the last build's state by what changed in `seeds`, or None: there is
        no state of the same curated files and code, or the change is large (`LARGE_CHANGE`)."""
        state = states.load(self.cache, self.basis)
        if state is None or state.empty:
            return None
        keys = {file.name: reading_key(file) for file in seeds}
        old = state.files
        changed = {name for name in old.keys() | keys.keys() if old.get(name) is None or old[name].key != keys.get(name)}
        readable = [file for file in seeds if file.name in changed and file.data is not None]
        readings = dict(zip((file.name for file in readable), self._read(readable)))
        added = [((name, index), record) for name, reading in readings.items() for index, record in enumerate(reading.records)]
        files = {}
        for file in seeds:
            if file.name not in changed:
                files[file.name] = old[file.name]
            elif file.data is None:
                files[file.name] = SeedState(keys[file.name], 0, (Problem(file.name, 0, f"file skipped: cannot read it ({file.error})"),))
            else:
                reading = readings[file.name]
                files[file.name] = SeedState(keys[file.name], len(reading.records), tuple(reading.problems))
        data = {file.name: file.data for file in seeds if file.name not in changed}
        return Update(self, state, files, changed, added, curated, states.records_loader(self.cache, files, data))

    def _read(self, files: Sequence[SeedFile]) -> list[Any]:
        readings = read_files(files, self.work)
        return [readings[file.name] for file in files]

    def start_ahead(self, records: Sequence[Record], curated: Any) -> None:
        """Start, on the core that the clustering leaves idle, the topic scores and related
        papers' documents of the papers these records will most likely make (most papers are
        one abstract, with its best record's title); the stages take those they ask for."""
        if len(records) < AHEAD or workers() < 2:
            return
        likely = [(record.abstract, shown_title(record.title) if record.title else "", record.language) for record in likely_papers(records)]
        self.work.topic_scores_ahead([(title, abstract) for abstract, title, _ in likely], curated.taxonomy)
        self.work.documents_ahead(likely)

    def keep(self, built: Any, seeds: Sequence[SeedFile], curated: Any) -> Made:
        """The state of a build from nothing (`build.Built`), for the next build (none
        without a cache folder)."""
        self.full = True
        made = Made(sum(len(reading.records) for reading in built.readings.values()), len(built.papers), built.problems,
                    dict(built.rendered.pages), built.moved)
        if self.cache.db is None:
            return made
        catalog = curated.catalog
        refs: dict[int, Ref] = {}
        files = {}
        for file in seeds:
            key = reading_key(file)
            reading = built.readings.get(file.name)
            if reading is None:
                files[file.name] = SeedState(key, 0, (Problem(file.name, 0, f"file skipped: cannot read it ({file.error})"),))
                continue
            files[file.name] = SeedState(key, len(reading.records), tuple(reading.problems))
            refs.update((id(record), (file.name, index)) for index, record in enumerate(reading.records))
        clustering, clusters = Clustering.of(built.clustered, refs, curated.overrides, catalog.pins(), catalog.phrases(), self.work)
        state = State(basis=self.basis, files=files, clustering=clustering, library=Library.of(clusters, built.papers, catalog, self.work),
                      neighbours=Neighbours.of(built.ranking))
        state.rendering = Rendering.of(built.papers, built.rendered, curated.taxonomy, state.papers, self.work)
        states.keep(self.cache, state)
        made.pages.update(state.rendering.known_pages(made.pages))
        return made

    def save(self) -> None:
        """Write the cache and the state; after a build from nothing, only what it used (see
        `state.GROWTH`)."""
        if self.full and self.cache.state is not None:
            self.cache.state.entries = len(self.cache.used)
        self.cache.save(keep=not self.full)


def reading_key(file: SeedFile) -> str:
    """The cache key of a seed file's reading (see `build.read_files`), or why it has none."""
    return key_of(file.name, file.data) if file.data is not None else f"unreadable: {file.error}"


class Update:
    """The last build's state, brought up to date with the seed files that changed."""

    def __init__(self, session: Session, state: State, files: dict[str, SeedState], changed: set[str],
                 added: list[tuple[Ref, Record]], curated: Any, load: Callable[[Sequence[Ref]], list[Record]]) -> None:
        self.session, self.state, self.files, self.changed, self.added, self.curated, self.load = session, state, files, changed, added, curated, load

    def run(self, previous: Previous, seconds: dict[str, float]) -> Made | None:
        """Every stage, on what changed (timed into `seconds`); None, and the state as it
        was, when the change is large (`LARGE_CHANGE`)."""
        import time

        state, curated, work = self.state, self.curated, self.session.work
        catalog, taxonomy = curated.catalog, curated.taxonomy

        def timed(stage: str, start: float) -> float:
            now = time.perf_counter()
            seconds[stage] = seconds.get(stage, 0.0) + now - start
            return now

        start = time.perf_counter()
        self.session.start_ahead([record for _, record in self.added], curated)
        clusters = state.clustering.update(self.changed, self.added, self.load, work, LARGE_CHANGE)
        if clusters is None:
            self.session.cache.cancel_ahead()
            return None
        state.files = self.files
        start = timed("dedupe", start)
        papers = state.library.update(clusters.removed, clusters.added, catalog, taxonomy, state.papers.__getitem__, work)
        start = timed("papers", start)
        gone = papers.removed - {paper.slug for paper in papers.added}
        related = state.neighbours.update(gone, dict(zip((paper.slug for paper in papers.added), paper_documents(papers.added, work))), work)
        start = timed("related", start)
        problems = [problem for file in state.files.values() for problem in file.problems]
        problems += catalog.check_topics([topic.slug for topic in taxonomy.topics]) + list(clusters.problems) + list(papers.problems)
        ordered = tuple(sorted(problems, key=lambda p: (p.file, p.line, p.reason)))
        records = sum(file.records for file in state.files.values())
        state.rendering.update(papers.removed, papers.added, related, state.neighbours, state.papers, taxonomy, work)
        moved = state.rendering.moves(previous)
        pages = state.rendering.pages(state.papers, state.neighbours, taxonomy, ordered, records, len(state.files), moved, work,
                                      getattr(curated, "settings", None))
        timed("render", start)
        return Made(records, len(state.rendering.column), ordered, pages, moved)
