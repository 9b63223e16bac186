"""The data model: what flows between the stages of the pipeline.

seeds -> Record -> Cluster -> Paper -> pages. Every value is frozen; stages make new ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import cached_property
from operator import itemgetter
from typing import Any, TypeVar

from .text import fingerprint

C = TypeVar("C")
T = TypeVar("T")

EMPTY: frozenset[Any] = frozenset()


def frozen(*parts: Iterable[T]) -> frozenset[T]:
    """The union of `parts` as a frozenset, and when it is empty the one `EMPTY`: Python
    makes a new empty frozenset each time (216 bytes), and the clustering keeps one for most
    groups' and clusters' ids and phrases."""
    made = frozenset().union(*parts)
    return made if made else EMPTY


def compact(cls: type[C]) -> type[C]:
    """Pickle a frozen dataclass's instances as their field values in order, not as a dict
    of names and values (nor what cached properties hold): a record pickles in half the
    bytes, and the cache and the build's state hold hundreds of thousands of them."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    _NAMES[cls] = names
    # The values in one C call: a third less time to pickle a record than a generator's loop.
    values = itemgetter(*names) if len(names) > 1 else lambda fields: (fields[names[0]],)

    def __reduce__(self: Any) -> tuple[object, ...]:
        return _restore, (cls, values(self.__dict__))

    cls.__reduce__ = __reduce__  # type: ignore[method-assign, assignment]
    return cls


_NAMES: dict[type, tuple[str, ...]] = {}


def _restore(cls: type[C], values: tuple[object, ...]) -> C:
    made = object.__new__(cls)
    made.__dict__.update(zip(_NAMES[cls], values))
    return made

@compact
@dataclass(frozen=True, order=True)
class Source:
    """Where a record came from."""

    file: str
    """Seed file path, relative to the seeds folder, with forward slashes."""
    line: int
    """First line of the record in that file, 1-based."""
    format: str
    """Name of the reader that read it: `abstract-lines`, `listing`, `translated`,
    `paragraphs`, `bibtex`, `csl-json`, `papers-json`, `feed`, `table` or `links`."""


@dataclass(frozen=True)
class SeedFile:
    """One seed file's name (relative to the seeds folder) and bytes, or why it could not be read."""

    name: str
    data: bytes | None
    error: str | None = None


OPENREVIEW = re.compile(r"^https?://(?:www\.)?openreview\.net/(?:forum|pdf)\?(?:[^#]*&)?id=([\w-]+)", re.IGNORECASE)
"""An OpenReview link, `forum?id=` or `pdf?id=`, and its id."""
FIGSHARE_VERSION = re.compile(r"^(10\.6084/m9\.figshare\.\d+)\.v\d+$")
"""A Figshare version DOI (`10.6084/m9.figshare.32414559.v1`) is compared as its item's DOI, as
an arXiv id without its version."""
STRUCTURED = frozenset(["bibtex", "csl-json", "papers-json", "feed", "table"])
"""Formats whose fields are named by the source (a BibTeX `title = {...}`), not guessed
from the layout of a scraped listing: their metadata wins (see `papers`)."""


@compact
@dataclass(frozen=True)
class Record:
    """One paper as found in a seed file: an abstract (empty for a link or a BibTeX entry
    without one), with whatever metadata came with it."""

    source: Source
    abstract: str
    """The abstract, Unicode-normalised (NFC), whitespace collapsed; "" when there is none."""
    language: str
    """ISO 639-1 code (see `language`): `en`, `zh`, `ja`, `de`, ..."""
    title: str | None = None
    authors: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    date: str | None = None
    """Date of the listing or of publication, ISO `YYYY-MM-DD`."""
    category: str | None = None
    """arXiv category such as `cs.CL`."""
    arxiv: str | None = None
    """arXiv id without its version: `2401.05566`, `hep-th/9901001`."""
    version: int | None = None
    """arXiv version number, when the source gave one."""
    doi: str | None = None
    """DOI as the source wrote it (compared without case: `ids`)."""
    url: str | None = None
    year: int | None = None
    """Publication year when the source gives no full date."""
    keywords: tuple[str, ...] = ()
    language_reason: str = ""
    """How the language was decided when it was a close call (shown on the page); empty when sure."""
    venue: str | None = None
    """Where the paper was published (a journal, proceedings, `ICLR 2023`), as the source names it."""

    @cached_property
    def key(self) -> str:
        """The abstract's fingerprint (see `text.fingerprint`): equal keys, same text."""
        return fingerprint(self.abstract)

    @property
    def ids(self) -> frozenset[str]:
        """Identity keys (`arxiv:2401.05566`, `doi:10.1000/x`, `openreview:WZH7099tgfM` from an
        OpenReview link): records that share one are the same paper; records whose keys of one
        kind differ are different papers."""
        keys = [f"arxiv:{self.arxiv}"] if self.arxiv else []
        if self.doi:
            keys.append("doi:" + FIGSHARE_VERSION.sub(r"\1", self.doi.lower()))
        if self.url and (found := OPENREVIEW.match(self.url)):
            keys.append(f"openreview:{found[1]}")
        return frozenset(keys)

    @property
    def structured(self) -> bool:
        return self.source.format in STRUCTURED

    @property
    def metadata_count(self) -> int:
        """How many of title, authors and date (or year) this record carries."""
        return (self.title is not None) + bool(self.authors) + (self.date is not None or self.year is not None)


@compact
@dataclass(frozen=True)
class Problem:
    """An input the generator could not use as it is. Reported, never silently dropped."""

    file: str
    line: int
    """1-based line the problem starts at; 0 for the file as a whole."""
    reason: str
    severity: str = "error"
    """`error`: the text was rejected. `warning`: it was used, but not as the user may expect."""
    excerpt: str = ""
    """The start of the offending text, for the report."""
    curated: bool = False
    """About a curated file (catalog, taxonomy, overrides), not a seed file: counted apart
    from rejected records, and fatal under `--strict curation`."""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f" [{self.excerpt}]" if self.excerpt else ""
        return f"{where}: {self.severity}: {self.reason}{text}"


@dataclass(frozen=True)
class ProblemRun:
    """Consecutive problems of one file with the same reason: one line of a report."""

    first: Problem
    last_line: int
    count: int

    def __str__(self) -> str:
        if self.count == 1:
            return str(self.first)
        p = self.first
        lines = f"{p.line}-{self.last_line}" if self.last_line != p.line else f"{p.line}"
        return f"{p.file}:{lines}: {p.severity}: {p.reason} ({self.count} {'entries' if p.curated else 'records'})"


def group_problems(problems: list[Problem] | tuple[Problem, ...]) -> list[ProblemRun]:
    """Problems in runs: 100,000 rejected lines of one file become one line of the report."""
    runs: list[ProblemRun] = []
    for problem in problems:
        last = runs[-1] if runs else None
        if (last and last.first.file == problem.file and last.first.reason == problem.reason
                and last.first.severity == problem.severity and last.last_line <= problem.line):
            runs[-1] = ProblemRun(last.first, problem.line, last.count + 1)
        else:
            runs.append(ProblemRun(problem, problem.line, 1))
    return runs


@compact
@dataclass(frozen=True)
class Link:
    """Evidence that two exact-groups are the same paper."""

    a: int
    b: int
    kind: str
    """`identifier`, `forced`, `reworded`, `revised`, `title`, `version` or `translation`."""
    score: float
    reason: str


@compact
@dataclass(frozen=True)
class Member:
    """A record's place in a cluster: how it was matched to the canonical record."""

    record: Record
    kind: str
    """`canonical`, `exact`, `identifier` (same arXiv id or DOI), `reworded`, `revised`
    (same title and authors, text heavily changed), `title` (an entry without an abstract
    whose title is the paper's), `translation`, or `forced` (by duplicates.yml)."""
    score: float
    """Similarity to the canonical record, 1.0 for the canonical and exact copies."""
    reason: str = ""
    """Why the records were merged, in words, for the duplicates page."""


@compact
@dataclass(frozen=True)
class Cluster:
    """Records that are the same paper. The first member is the canonical record."""

    members: tuple[Member, ...]
    ids: frozenset[str] = frozenset()
    """Identity keys of the paper: its records' arXiv ids and DOIs, and those the catalog
    gives it."""
    phrases: frozenset[str] = frozenset()
    """The catalog and duplicates.yml phrases (fingerprints) its records' abstracts hold."""

    @property
    def canonical(self) -> Record:
        return self.members[0].record


@compact
@dataclass(frozen=True)
class Related:
    """A similar paper, for the 'related papers' list."""

    slug: str
    title: str
    score: float


@compact
@dataclass(frozen=True)
class Paper:
    """One unique paper: a cluster with its metadata settled. One page each."""

    slug: str
    title: str
    title_derived: bool
    """True when nobody supplied a title and it was made from the abstract."""
    authors: tuple[str, ...]
    date: str | None
    year: int | None
    language: str
    abstract: str
    cluster: Cluster
    topics: tuple[str, ...] = ()
    affiliations: tuple[str, ...] = ()
    category: str | None = None
    arxiv: str | None = None
    doi: str | None = None
    url: str | None = None
    venue: str | None = None
    """Where it was published: its published version's journal or proceedings."""
    notes: str | None = None
    machine_translated: bool = False
    """The only abstract we have is a machine translation."""
    related: tuple[Related, ...] = field(default=())


_PAPER_FIELDS = frozenset(f.name for f in fields(Paper))


def evolve(paper: Paper, **changes: object) -> Paper:
    """`dataclasses.replace(paper, **changes)` in a quarter of the time: the fields are
    copied, not passed through `__init__` again (Paper has no `__post_init__` and no cached
    properties). Stages call it for every paper (35,000 at the corpus' size) on every build."""
    unknown = changes.keys() - _PAPER_FIELDS
    if unknown:
        raise TypeError(f"Paper has no field {sorted(unknown)[0]!r}")
    new = object.__new__(Paper)
    new.__dict__.update(paper.__dict__, **changes)
    return new
