"""Duplicate detection: records -> clusters of records that are the same paper.

Stages, each a function: `group_exact` (same fingerprint), then links between the groups,
then `merge` into clusters, then `order_members` (canonical first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import Cluster, Member, Record
from .text import fingerprint


@dataclass(frozen=True)
class Link:
    """Evidence that two exact-groups are the same paper."""

    a: int
    b: int
    kind: str
    """`reworded` or `translation`."""
    score: float
    reason: str


def record_order(record: Record) -> tuple[str, int]:
    return (record.source.file, record.source.line)


def canonical_rank(record: Record) -> tuple[int, int, int, str, int]:
    """Sort key: the best canonical record sorts first.

    English before other languages (translations lose detail), then the most metadata
    (title, authors, date), then the longest abstract (fewest truncations), then the first
    by seed file name and line, so the choice never depends on reading order.
    """
    return (
        record.language != "en",
        -record.metadata_count,
        -len(record.abstract),
        record.source.file,
        record.source.line,
    )


def group_exact(records: Sequence[Record]) -> list[list[Record]]:
    """Records with the same fingerprint, each group sorted by canonical rank, groups by their best."""
    groups: dict[str, list[Record]] = {}
    for record in records:
        groups.setdefault(fingerprint(record.abstract), []).append(record)
    ordered = [sorted(group, key=canonical_rank) for group in groups.values()]
    return sorted(ordered, key=lambda group: canonical_rank(group[0]))


def cluster_duplicates(records: Sequence[Record]) -> list[Cluster]:
    """Clusters of duplicate records, ordered by their canonical record's source."""
    groups = group_exact(records)
    clusters = [order_members([group], []) for group in groups]
    return sorted(clusters, key=lambda cluster: record_order(cluster.canonical))


def order_members(groups: list[list[Record]], links: list[Link]) -> Cluster:
    """A cluster from exact-groups and the links that joined them; canonical record first."""
    records = sorted((record for group in groups for record in group), key=canonical_rank)
    canonical = records[0]
    key = fingerprint(canonical.abstract)
    by_record = {id(record): index for index, group in enumerate(groups) for record in group}
    members = [Member(canonical, "canonical", 1.0, "canonical record: " + _why_canonical(canonical))]
    for record in records[1:]:
        if fingerprint(record.abstract) == key:
            members.append(Member(record, "exact", 1.0, "same text after normalising case, spacing and punctuation"))
            continue
        group = by_record[id(record)]
        link = max((l for l in links if group in (l.a, l.b)), key=lambda l: l.score)
        members.append(Member(record, link.kind, round(link.score, 3), link.reason))
    return Cluster(tuple(members))


def _why_canonical(record: Record) -> str:
    parts = [f"language {record.language}"]
    if record.metadata_count:
        have = [name for name, value in (("title", record.title), ("authors", record.authors), ("date", record.date)) if value]
        parts.append("has " + ", ".join(have))
    return "; ".join(parts)
