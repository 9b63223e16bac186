"""Topics: the user's taxonomy, and which papers belong to which topics."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from slugify import slugify

from . import curated
from .model import Paper, evolve
from .work import Work

TITLE_WEIGHT = 3
"""A term in the title says more about the topic than one in the abstract."""
MIN_SCORE = 2
"""Two distinct terms in the abstract, or one in the title, put a paper in a topic. A term
scores TITLE_WEIGHT when it is in the title, else 1 when it is in the abstract."""
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


@cache
def _pattern(terms: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regex for all terms, longest first: a term inside a longer one that matched
    ("human feedback" in "reinforcement learning from human feedback") is not counted again."""
    if not terms:
        return None
    english = [term for term in terms if term[:1].isascii()]
    other = [term for term in terms if not term[:1].isascii()]
    parts = ([r"\b" + _trie(english)] if english else []) + ([_trie(other)] if other else [])
    return re.compile("|".join(parts))


def _trie(terms: list[str]) -> str:
    """An alternation of terms as a trie (`(?:re(?:ward|inforcement))`): it matches the
    longest term at a position, as the terms longest first would, without trying each term
    at each position (six times faster with the demo taxonomy's 146 terms)."""
    tree: dict[str, dict] = {}  # type: ignore[type-arg]
    for term in terms:
        node = tree
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:  # type: ignore[type-arg]
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a term ends here: longer ones first, then this one
            return "(?:" + body + ")?"
        return body

    return "(?:" + pattern(tree) + ")"


@dataclass(frozen=True)
class Taxonomy:
    topics: tuple[Topic, ...]

    def get(self, slug: str) -> Topic | None:
        return next((topic for topic in self.topics if topic.slug == slug), None)

    def scores(self, title: str, abstract: str) -> dict[str, int]:
        """Every topic's score (see `Topic.score`), with one scan of the text for all topics."""
        scores = {topic.slug: 0 for topic in self.topics if topic.terms}
        patterns = _patterns(self.topics)
        if patterns is None:
            return scores
        # An ASCII text can hold only ASCII-led terms: their pattern alone finds the same
        # matches, four times as fast as with the others' (which any position may start).
        in_title = set(patterns[title.isascii()].findall(title.casefold()))
        in_abstract = set(patterns[abstract.isascii()].findall(abstract.casefold())) - in_title
        owners = _owners(self.topics)
        for terms, weight in ((in_title, TITLE_WEIGHT), (in_abstract, 1)):
            for term in terms:
                for slug in owners.get(term, ()):
                    scores[slug] += weight
        return scores


@cache
def _patterns(topics: tuple[Topic, ...]) -> tuple[re.Pattern[str], re.Pattern[str]] | None:
    """The pattern of every term, and of the terms that start with an ASCII character."""
    terms = tuple(sorted({term for topic in topics for term in topic.terms}))
    everything = _pattern(terms)
    if everything is None:
        return None
    return everything, _pattern(tuple(term for term in terms if term[:1].isascii())) or re.compile(r"(?!)")


@cache
def _owners(topics: tuple[Topic, ...]) -> dict[str, tuple[str, ...]]:
    owners: dict[str, list[str]] = {}
    for topic in topics:
        for term in topic.terms:
            owners.setdefault(term, []).append(topic.slug)
    return {term: tuple(slugs) for term, slugs in owners.items()}


OTHER = Topic(FALLBACK, "Other", "Papers that match no topic of the taxonomy.", ())


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate the taxonomy file; a missing file gives only the fallback topic. Raises CuratedFileError for anything that cannot be used."""
    document = curated.load(path, "taxonomy")
    topics, issues = [], []
    first_line: dict[str, int] = {}
    for index, item in enumerate(document.data.get("topics") or []):
        at = ("topics", index)
        terms = item.get("terms") or []
        flat = [t for values in terms.values() for t in (values or [])] if isinstance(terms, dict) else list(terms)
        slug = item.get("slug") or slugify(item["name"])
        line = document.line((*at, "slug") if "slug" in item else at)
        if slug in first_line:
            issues.append(document.issue((*at, "slug") if "slug" in item else at, f"topic slug {slug!r} is used twice (lines {first_line[slug]} and {line}); slugs name pages and must be unique"))
            continue
        first_line[slug] = line
        topics.append(Topic(
            slug=slug,
            name=item["name"],
            description=item.get("description") or "",
            terms=tuple(sorted({t.casefold() for t in flat if t.strip()})),
        ))
    if issues:
        raise curated.CuratedFileError(document.name, issues)
    if not any(topic.slug == FALLBACK for topic in topics):
        topics.append(OTHER)
    return Taxonomy(tuple(topics))


def assign_topics(papers: Sequence[Paper], taxonomy: Taxonomy, work: Work | None = None) -> list[Paper]:
    """Every paper gets at least one topic: its pinned topics (those the taxonomy knows;
    the catalog warns about the others), else all topics that score MIN_SCORE, else the
    best-scoring topic, else `other`."""
    result = []
    known = {topic.slug for topic in taxonomy.topics}
    all_scores = (work or Work()).topic_scores([scored_text(paper) for paper in papers], taxonomy)
    for paper, paper_scores in zip(papers, all_scores):
        if paper.topics:
            pinned = tuple(t for t in paper.topics if t in known)
            if pinned:
                result.append(evolve(paper, topics=pinned))
                continue
        scores = [(score, slug) for slug, score in paper_scores.items()]
        chosen = tuple(slug for score, slug in scores if score >= MIN_SCORE)
        if not chosen:
            best = max(scores, default=(0, FALLBACK), key=lambda pair: pair[0])
            chosen = (best[1],) if best[0] > 0 else (FALLBACK,)
        result.append(evolve(paper, topics=chosen))
    return result


def scored_text(paper: Paper) -> tuple[str, str]:
    """What a paper's topics are scored on: its real title (not one made from the abstract),
    and its distinct abstracts (a term counts once however often it occurs, so exact copies
    add nothing)."""
    return "" if paper.title_derived else paper.title, " ".join(dict.fromkeys(m.record.abstract for m in paper.cluster.members))
