"""The pipeline: seeds -> records -> clusters -> papers -> pages -> files in docs/."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import load_catalog
from .dedupe import cluster_duplicates
from .model import Paper, Problem, Record
from .overrides import load_overrides
from .papers import make_papers
from .readers import read_seed
from .related import add_related
from .render import Site, render_pages
from .topics import assign_topics, load_taxonomy
from .writer import WriteResult, write_pages


@dataclass
class Summary:
    """What a build did, for the command line and for tests."""

    files: int = 0
    records: int = 0
    papers: tuple[Paper, ...] = ()
    problems: tuple[Problem, ...] = ()
    written: WriteResult | None = None
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def duplicates(self) -> int:
        return self.records - len(self.papers)

    @property
    def rejected(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]


@dataclass(frozen=True)
class Options:
    seeds: Path
    docs: Path
    catalog: Path
    taxonomy: Path
    overrides: Path


def list_seed_files(seeds: Path) -> list[Path]:
    """Every file under the seeds folder, sorted, except hidden files and READMEs."""
    return sorted(
        path
        for path in seeds.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(seeds).parts)
        and not path.name.lower().startswith("readme")
    )


def read_seeds(seeds: Path) -> tuple[list[Record], list[Problem], int]:
    """All records and problems of all seed files. A file that cannot be read is a problem,
    not a crash."""
    records: list[Record] = []
    problems: list[Problem] = []
    files = list_seed_files(seeds)
    for path in files:
        name = path.relative_to(seeds).as_posix()
        try:
            data = path.read_bytes()
        except OSError as error:
            problems.append(Problem(name, 0, f"file skipped: cannot read it ({error.strerror})"))
            continue
        reading = read_seed(data, name)
        records.extend(reading.records)
        problems.extend(reading.problems)
    return records, problems, len(files)


@contextmanager
def _timed(summary: Summary, stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    summary.seconds[stage] = time.perf_counter() - start


def build(options: Options) -> Summary:
    """Regenerate the docs folder from the seeds."""
    summary = Summary()
    with _timed(summary, "read"):
        records, problems, summary.files = read_seeds(options.seeds)
        catalog, catalog_problems = load_catalog(options.catalog)
        taxonomy, taxonomy_problems = load_taxonomy(options.taxonomy)
        overrides, override_problems = load_overrides(options.overrides)
        problems += catalog_problems + taxonomy_problems + override_problems
    with _timed(summary, "dedupe"):
        clusters, dedupe_problems = cluster_duplicates(records, overrides)
        problems += dedupe_problems
    with _timed(summary, "metadata"):
        entries, match_problems = catalog.assign(clusters)
        papers = make_papers(clusters, entries)
    with _timed(summary, "topics"):
        papers, topic_problems = assign_topics(papers, taxonomy)
        papers = add_related(papers)
    problems += match_problems + topic_problems
    summary.records = len(records)
    summary.papers = tuple(papers)
    summary.problems = tuple(sorted(problems, key=lambda p: (p.file, p.line, p.reason)))
    with _timed(summary, "render"):
        site = Site(summary.papers, taxonomy, summary.problems, summary.records, summary.files)
        pages = render_pages(site)
    with _timed(summary, "write"):
        summary.written = write_pages(options.docs, pages)
    return summary
