"""User decisions about duplicates: `duplicates.yml` forces records together or apart.

Records are named by a phrase of their abstract, as in the catalog, so a decision survives
re-runs, reworded versions and new seed files. See the README for the format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import curated
from .model import Link, Problem
from .text import fingerprint

MIN_PHRASE_CHARS = 16


@dataclass(frozen=True)
class Rule:
    """Two phrases whose records are the same paper (`same`) or not (`different`)."""

    kind: str
    first: str
    second: str
    line: int


@dataclass(frozen=True)
class Overrides:
    rules: tuple[Rule, ...]
    name: str = "duplicates.yml"

    def resolve(self, phrases: Sequence[frozenset[str]]) -> tuple[list[Link], set[frozenset[int]], list[Problem]]:
        """Forced links and pairs kept apart, by exact-group index, and warnings for
        phrases that match no record. `phrases`: the fingerprints of the rules' phrases
        that each group's text holds (`clustering.Group.phrases`)."""
        holders: dict[str, list[int]] = {}
        for index, held in enumerate(phrases):
            for phrase in held:
                holders.setdefault(phrase, []).append(index)
        forced: list[Link] = []
        apart: set[frozenset[int]] = set()
        problems: list[Problem] = []
        for rule in self.rules:
            sides = []
            for phrase in (rule.first, rule.second):
                hits = holders.get(fingerprint(phrase), [])
                if not hits:
                    problems.append(Problem(self.name, rule.line, "phrase matches no record", "warning", phrase, curated=True))
                sides.append(hits)
            for a in sides[0]:
                for b in sides[1]:
                    if a == b:
                        continue
                    if rule.kind == "same":
                        forced.append(Link(min(a, b), max(a, b), "forced", 1.0, f"forced together by {self.name} line {rule.line}"))
                    else:
                        apart.add(frozenset((a, b)))
        return forced, apart, problems


def load_overrides(path: Path) -> Overrides:
    """Read and validate the overrides file; a missing file means no overrides. Raises CuratedFileError for anything that cannot be used."""
    document = curated.load(path, "duplicates")
    rules, issues = [], []
    for kind in ("same", "different"):
        for index, pair in enumerate(document.data.get(kind) or []):
            for side, phrase in enumerate(pair):
                if len(fingerprint(phrase)) < MIN_PHRASE_CHARS:
                    issues.append(document.issue((kind, index, side), f"phrase too short to be distinctive ({len(fingerprint(phrase))} letters, at least {MIN_PHRASE_CHARS}): {phrase!r}"))
            rules.append(Rule(kind, pair[0], pair[1], document.line((kind, index))))
    if issues:
        raise curated.CuratedFileError(document.name, issues)
    return Overrides(tuple(sorted(rules, key=lambda rule: rule.line)), document.name)
