"""User decisions about duplicates: `duplicates.yml` forces records together or apart.

Records are named by a phrase of their abstract, as in the catalog, so a decision survives
re-runs, reworded versions and new seed files. See the README for the format.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from .model import Link, Problem, Record
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

    def resolve(self, groups: Sequence[Sequence[Record]]) -> tuple[list[Link], set[frozenset[int]], list[Problem]]:
        """Forced links and pairs kept apart, by exact-group index, and warnings for
        phrases that match no record."""
        keys = [group[0].key for group in groups]
        forced: list[Link] = []
        apart: set[frozenset[int]] = set()
        problems: list[Problem] = []
        for rule in self.rules:
            sides = []
            for phrase in (rule.first, rule.second):
                key = fingerprint(phrase)
                hits = [index for index, text in enumerate(keys) if key in text]
                if not hits:
                    problems.append(Problem(self.name, rule.line, "phrase matches no record", "warning", phrase))
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


def load_overrides(path: Path) -> tuple[Overrides, list[Problem]]:
    """Read the overrides file; a missing file means no overrides."""
    if not path.exists():
        return Overrides((), path.name), []
    try:
        node = yaml.compose(path.read_text("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        return Overrides((), path.name), [Problem(path.name, 0, f"overrides not read: {error}")]
    rules, problems = [], []
    if node is not None and not isinstance(node, yaml.MappingNode):
        return Overrides((), path.name), [Problem(path.name, 1, "expected a mapping with 'same' and 'different' lists")]
    for key, value in node.value if node is not None else []:
        if key.value not in ("same", "different"):
            problems.append(Problem(path.name, key.start_mark.line + 1, f"unknown key {key.value!r}; expected 'same' or 'different'"))
            continue
        for item in value.value if isinstance(value, yaml.SequenceNode) else []:
            line = item.start_mark.line + 1
            phrases = [str(n.value) for n in item.value] if isinstance(item, yaml.SequenceNode) else []
            if len(phrases) != 2 or any(len(fingerprint(p)) < MIN_PHRASE_CHARS for p in phrases):
                problems.append(Problem(path.name, line, "each rule is a pair of phrases of at least 16 letters", "error"))
                continue
            rules.append(Rule(key.value, phrases[0], phrases[1], line))
    return Overrides(tuple(rules), path.name), problems
