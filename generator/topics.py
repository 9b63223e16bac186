"""Topics: the user's taxonomy, and which papers belong to which topics."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import yaml
from slugify import slugify

from .model import Paper, Problem

TITLE_WEIGHT = 3
"""A term in the title says more about the topic than one in the abstract."""
MIN_SCORE = 2
"""Two distinct terms in the abstract, or one in the title, put a paper in a topic."""
FALLBACK = "other"


@dataclass(frozen=True)
class Topic:
    """One topic of the taxonomy."""

    slug: str
    name: str
    description: str
    terms: tuple[str, ...]
    """Lower-case terms in any language; an English term matches at the start of a word,
    so `preference` also finds `preferences`. A term in a non-spaced script (Chinese)
    matches anywhere."""

    def score(self, title: str, abstract: str) -> int:
        title, abstract = title.casefold(), abstract.casefold()
        return sum(
            TITLE_WEIGHT * bool(pattern.search(title)) or bool(pattern.search(abstract))
            for pattern in self.patterns
        )

    @property
    def patterns(self) -> list[re.Pattern[str]]:
        return _patterns(self.terms)


_PATTERN_CACHE: dict[tuple[str, ...], list[re.Pattern[str]]] = {}


def _patterns(terms: tuple[str, ...]) -> list[re.Pattern[str]]:
    if terms not in _PATTERN_CACHE:
        _PATTERN_CACHE[terms] = [
            re.compile((r"\b" if term[:1].isascii() else "") + re.escape(term.casefold())) for term in terms
        ]
    return _PATTERN_CACHE[terms]


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]

    def get(self, slug: str) -> Topic | None:
        return next((topic for topic in self.topics if topic.slug == slug), None)


OTHER = Topic(FALLBACK, "Other", "Papers that match no topic of the taxonomy.", ())


def load_taxonomy(path: Path) -> tuple[Taxonomy, list[Problem]]:
    """Read the taxonomy file; a missing file gives only the fallback topic."""
    if not path.exists():
        return Taxonomy((OTHER,)), []
    try:
        data = yaml.safe_load(path.read_text("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return Taxonomy((OTHER,)), [Problem(path.name, 0, f"taxonomy not read: {error}")]
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        return Taxonomy((OTHER,)), [Problem(path.name, 0, "taxonomy must be a mapping with a 'topics' list")]
    topics, problems = [], []
    for index, item in enumerate(data["topics"]):
        if not isinstance(item, dict) or not item.get("name"):
            problems.append(Problem(path.name, 0, f"topic {index + 1} skipped: needs at least a name, got {item!r}"))
            continue
        terms = item.get("terms") or {}
        flat = [terms] if isinstance(terms, str) else (
            [t for values in terms.values() for t in (values or [])] if isinstance(terms, dict) else list(terms)
        )
        name = str(item["name"])
        topics.append(Topic(
            slug=str(item.get("slug") or slugify(name)),
            name=name,
            description=str(item.get("description") or ""),
            terms=tuple(sorted({str(t).casefold() for t in flat if str(t).strip()})),
        ))
    if not any(topic.slug == FALLBACK for topic in topics):
        topics.append(OTHER)
    return Taxonomy(tuple(topics)), problems


def assign_topics(papers: Sequence[Paper], taxonomy: Taxonomy) -> tuple[list[Paper], list[Problem]]:
    """Every paper gets at least one topic: its pinned topics, else all topics that score
    MIN_SCORE, else the best-scoring topic, else `other`."""
    result, problems = [], []
    known = {topic.slug for topic in taxonomy.topics}
    for paper in papers:
        if paper.topics:
            pinned = tuple(t for t in paper.topics if t in known)
            for unknown in sorted(set(paper.topics) - known):
                problems.append(Problem("catalog.yml", 0, f"unknown topic {unknown!r} pinned to '{paper.slug}'", "warning"))
            if pinned:
                result.append(replace(paper, topics=pinned))
                continue
        text = " ".join(member.record.abstract for member in paper.cluster.members)
        title = "" if paper.title_derived else paper.title
        scores = [(topic.score(title, text), topic.slug) for topic in taxonomy.topics if topic.terms]
        chosen = tuple(slug for score, slug in scores if score >= MIN_SCORE)
        if not chosen:
            best = max(scores, default=(0, FALLBACK), key=lambda pair: pair[0])
            chosen = (best[1],) if best[0] > 0 else (FALLBACK,)
        result.append(replace(paper, topics=chosen))
    return result, problems
