"""Clusters kept between builds: an edit clusters again only the records it can affect.

`dedupe` says how records become clusters; this module keeps its result and what it needs
to find, for an edit, the smallest set of exact-groups whose clusters may change:

1. the groups of the edited seed files' records are made again (by fingerprint bucket);
2. the region: those groups, and every group that could link with a group in the region,
   until no more join: its cluster's other groups, its LSH bucket mates (buckets of at most
   `dedupe.MAX_BUCKET` groups in the whole list), the groups with its title, its arXiv ids
   or DOIs, the phrases of duplicates.yml and of the catalog's ids it holds; and every
   group of an LSH or title bucket that crossed MAX_BUCKET (pairs in it stop or start
   being candidates);
3. the region is clustered from scratch (`dedupe.cluster_groups`), candidates and bucket
   sizes taken from the whole list. Links never cross a region's border, and merging
   decides each link by the two clusters it joins, so the result is the same as
   clustering every group again;
4. translations are matched over the whole list (the lexical route's weights count every
   English abstract), when there are foreign abstracts.

The first build is the same update from nothing: every group is in the region.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from . import dedupe
from .cache import key_of
from .dedupe import (MAX_BUCKET, Clusters, Pin, canonical_rank, cluster_groups, group_exact, order_members, record_order,
                     title_buckets)
from .features import shingles_of
from .model import Cluster, Link, Problem, Record
from .overrides import Overrides
from .text import PhraseIndex, fingerprint

Ref = tuple[str, int]
"""Where a record is: (seed file, its place among the file's records)."""
KeyLink = tuple[str, str, str, float, str]
"""A used link between two groups, by key: (a, b, kind, score, reason)."""
BANDS_OF = dedupe.BANDS


@dataclass(frozen=True)
class Group:
    """What the region search needs of an exact-group, without its records."""

    key: str
    bucket: str
    """The fingerprint (or, without an abstract, the title and link) its records share, as a hash."""
    rank: tuple[object, ...]
    """`dedupe.canonical_rank` of its best record, then its key: the order of groups."""
    language: str
    has_text: bool
    ids: frozenset[str]
    title: tuple[str, ...]
    """The words of its first title (for `dedupe.find_same_title`), or ()."""
    revised: frozenset[tuple[str, ...]]
    """Its title buckets for `dedupe.find_revised` (none without text)."""
    phrases: frozenset[str]
    """The duplicates.yml and catalog-id phrases its text holds (fingerprints)."""
    refs: tuple[Ref, ...]


@dataclass(frozen=True)
class PreCluster:
    """A cluster before translations join foreign groups to it."""

    groups: tuple[str, ...]
    """Group keys in rank order; the first names the cluster."""
    links: tuple[KeyLink, ...]
    ids: frozenset[str]


@dataclass(frozen=True)
class ClusterChanges:
    removed: frozenset[str]
    """Ids of the clusters of the last build that are gone or changed."""
    added: dict[str, Cluster]
    """New and changed clusters, by id (the key of their first group)."""
    problems: tuple[Problem, ...]
    """Warnings about duplicates.yml, for the whole list."""


def band_keys(signature: np.ndarray) -> np.ndarray:
    """A MinHash signature's LSH bands as one 64-bit key each: two groups share a bucket of a
    band when their keys for it are equal."""
    pairs = np.ascontiguousarray(signature, dtype=np.uint32).view(np.uint64).reshape(BANDS_OF, dedupe.ROWS // 2)
    with np.errstate(over="ignore"):
        return pairs[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ pairs[:, 1]


def bucket_of(record: Record) -> str:
    """The hash of the bucket `dedupe.group_exact` puts a record in."""
    if record.abstract:
        return key_of("text", record.key)
    if record.ids:
        return key_of("alone", repr((record.source, sorted(record.ids), record.title)))
    return key_of("bare", fingerprint(record.title or ""), record.url or "")


@dataclass
class Clustering:
    """The clusters of the last build and the indexes of their groups."""

    overrides: Overrides | None = None
    pins: tuple[Pin, ...] = ()
    groups: dict[str, Group] = field(default_factory=dict)
    bands: dict[str, bytes] = field(default_factory=dict)
    pre: dict[str, PreCluster] = field(default_factory=dict)
    pre_of: dict[str, str] = field(default_factory=dict)
    final: dict[str, tuple[tuple[str, ...], tuple[KeyLink, ...]]] = field(default_factory=dict)
    """Final cluster id -> its pre-clusters and the translation links that joined them."""
    final_of: dict[str, str] = field(default_factory=dict)
    by_bucket: dict[str, set[str]] = field(default_factory=dict)
    by_file: dict[str, set[str]] = field(default_factory=dict)
    by_id: dict[str, set[str]] = field(default_factory=dict)
    by_title: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    by_revised: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    by_phrase: dict[str, set[str]] = field(default_factory=dict)
    _index: _BandIndex | None = None

    def __post_init__(self) -> None:
        self.pins = tuple(self.pins)
        rules = self.overrides.rules if self.overrides else ()
        self._phrases = {fingerprint(p) for rule in rules for p in (rule.first, rule.second)} | {phrase for phrase, _, _ in self.pins}
        self._phrases.discard("")
        mates: dict[str, set[str]] = {}
        for rule in rules:
            first, second = fingerprint(rule.first), fingerprint(rule.second)
            mates.setdefault(first, set()).add(second)
            mates.setdefault(second, set()).add(first)
        self._phrase_mates = mates
        self._pin_ids = {phrase: ids for phrase, ids, _ in self.pins}
        self._pins_with_id: dict[str, set[str]] = {}
        for phrase, ids, _ in self.pins:
            for key in ids:
                self._pins_with_id.setdefault(key, set()).add(phrase)

    def __getstate__(self) -> dict[str, object]:
        return {name: value for name, value in self.__dict__.items() if not name.startswith("_")} | {"_index": self._index}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self.__post_init__()

    # ------------------------------------------------------------ the update

    def update(self, files: set[str], added: Sequence[tuple[Ref, Record]], load: Callable[[Sequence[Ref]], list[Record]]) -> ClusterChanges:
        """Take out every record of the seed files in `files` and put in the records `added`
        (with where they are); `load` gives the records at refs of unchanged files."""
        first_build = not self.groups
        buckets = {self.groups[key].bucket for name in files for key in self.by_file.get(name, ())}
        bucket = {id(record): bucket_of(record) for _, record in added}
        buckets |= set(bucket.values())
        old = {key: self.groups[key] for name in buckets for key in self.by_bucket.get(name, ())}
        kept = sorted(ref for group in old.values() for ref in group.refs if ref[0] not in files)
        records: dict[Ref, Record] = dict(zip(kept, load(kept)))
        bucket.update({id(record): bucket_of(record) for record in records.values()})
        records |= dict(added)
        new, bands = self._make_groups(records, bucket)
        if not first_build:
            touched = [(key, self.bands[key]) for key in old if key in self.bands] + list(bands.items())
            before = self._sizes(touched, [*old.values(), *new.values()])
        for key in old:
            self._remove(key)
        for group in new.values():
            self._add(group, bands.get(group.key))
        self._index = None
        if first_build:
            region = set(self.groups)
        else:
            seeds = set(new) | self._crossed(*before)
            for key, group in old.items():
                if key in self.pre_of:
                    seeds.update(self.pre[self.pre_of[key]].groups)
                seeds |= self._class_mates(group)
            region = self._closure(seeds)
        changed_pre = self._cluster_region(region, records, load)
        return self._finish(changed_pre, load)

    def _make_groups(self, records: dict[Ref, Record], bucket_of_record: dict[int, str]) -> tuple[dict[str, Group], dict[str, bytes]]:
        """The exact-groups of these records (whole buckets; `bucket_of_record` by `id`), and
        the LSH bands of those with text."""
        ref_of = {id(record): ref for ref, record in records.items()}
        by_bucket: dict[str, list[Record]] = {}
        for record in records.values():
            by_bucket.setdefault(bucket_of_record[id(record)], []).append(record)
        made: list[tuple[str, str, list[Record]]] = []
        for bucket in sorted(by_bucket):
            parts = group_exact(sorted(by_bucket[bucket], key=record_order))
            for part in parts:
                key = bucket if len(parts) == 1 else key_of(bucket, part[0].arxiv or part[0].doi or "")
                made.append((bucket, key, part))
        features = shingles_of([part[0].abstract for _, _, part in made])
        holders = _phrase_holders(self._phrases, [part[0].key for _, _, part in made])
        groups, bands = {}, {}
        for (bucket, key, part), (_, signature), phrases in zip(made, features, holders):
            first = part[0]
            title = next((r.title for r in part if r.title), None)
            has_text = bool(first.abstract)
            groups[key] = Group(
                key=key, bucket=bucket, rank=(*canonical_rank(first), key), language=first.language, has_text=has_text,
                ids=frozenset().union(*(r.ids for r in part)),
                title=tuple(dedupe._WORD.findall(title.casefold())) if title else (),
                revised=frozenset(title_buckets(title)) if has_text else frozenset(),
                phrases=phrases if has_text else frozenset(),
                refs=tuple(ref_of[id(r)] for r in part),
            )
            if has_text:
                bands[key] = band_keys(signature).tobytes()
        return groups, bands

    # ------------------------------------------------------------ indexes

    def _add(self, group: Group, bands: bytes | None) -> None:
        self.groups[group.key] = group
        if bands is not None:
            self.bands[group.key] = bands
        self.by_bucket.setdefault(group.bucket, set()).add(group.key)
        for name in {ref[0] for ref in group.refs}:
            self.by_file.setdefault(name, set()).add(group.key)
        for index, keys in self._indexed(group):
            index.setdefault(keys, set()).add(group.key)  # type: ignore[attr-defined]

    def _remove(self, key: str) -> None:
        group = self.groups.pop(key)
        self.bands.pop(key, None)
        _discard(self.by_bucket, group.bucket, key)
        for name in {ref[0] for ref in group.refs}:
            _discard(self.by_file, name, key)
        for index, keys in self._indexed(group):
            _discard(index, keys, key)

    def _indexed(self, group: Group) -> Iterable[tuple[dict, object]]:  # type: ignore[type-arg]
        yield from ((self.by_id, key) for key in group.ids)
        if len(group.title) >= 3:
            yield self.by_title, group.title
        yield from ((self.by_revised, bucket) for bucket in group.revised)
        yield from ((self.by_phrase, phrase) for phrase in group.phrases)

    @property
    def index(self) -> _BandIndex:
        if self._index is None:
            self._index = _BandIndex(self.bands)
        return self._index

    def _sizes(self, bands: Sequence[tuple[str, bytes]], groups: Sequence[Group]) -> tuple[dict[tuple[int, int], int], dict[tuple[str, ...], int]]:
        """Sizes, before the update, of the LSH buckets of these bands and of the title
        buckets of these groups."""
        index = self.index
        lsh = {(band, value): 0 for _, data in bands for band, value in enumerate(np.frombuffer(data, np.uint64).tolist())}
        lsh = {bucket: index.size(*bucket) for bucket in lsh}
        titles = {bucket: len(self.by_revised.get(bucket, ())) for group in groups for bucket in group.revised}
        return lsh, titles

    def _crossed(self, lsh: dict[tuple[int, int], int], titles: dict[tuple[str, ...], int]) -> set[str]:
        """Groups of the buckets whose size crossed MAX_BUCKET in the update: pairs in them
        stopped or started being candidates."""
        seeds: set[str] = set()
        index = self.index
        for (band, value), size in lsh.items():
            now = index.size(band, value)
            if (size <= MAX_BUCKET) != (now <= MAX_BUCKET) and now:
                seeds |= index.members(band, value)
        for bucket, size in titles.items():
            now = len(self.by_revised.get(bucket, ()))
            if (size <= MAX_BUCKET) != (now <= MAX_BUCKET) and now:
                seeds |= self.by_revised[bucket]
        return seeds

    def _class_mates(self, group: Group) -> set[str]:
        """Groups that share with `group` an id, a title, or a curated phrase (or a pinned
        id): links among them depend on how many there are, not only on each pair."""
        mates: set[str] = set()
        for key in group.ids:
            mates |= self.by_id.get(key, set())
            for phrase in self._pins_with_id.get(key, ()):
                mates |= self.by_phrase.get(phrase, set())
        if len(group.title) >= 3:
            mates |= self.by_title.get(group.title, set())
        for phrase in group.phrases:
            mates |= self.by_phrase.get(phrase, set())
            for other in self._phrase_mates.get(phrase, ()):
                mates |= self.by_phrase.get(other, set())
            for key in self._pin_ids.get(phrase, ()):
                mates |= self.by_id.get(key, set())
        return mates

    def _partners(self, key: str) -> set[str]:
        group = self.groups[key]
        mates = self._class_mates(group)
        if key in self.pre_of:
            mates.update(self.pre[self.pre_of[key]].groups)
        if group.has_text:
            mates |= self.index.mates(np.frombuffer(self.bands[key], np.uint64))
        for bucket in group.revised:
            if len(self.by_revised[bucket]) <= MAX_BUCKET:
                mates |= self.by_revised[bucket]
        return mates

    def _closure(self, seeds: set[str]) -> set[str]:
        region: set[str] = set()
        queue = sorted(seeds)
        while queue:
            key = queue.pop()
            if key in region or key not in self.groups:
                continue
            region.add(key)
            queue.extend(self._partners(key) - region)
        return region

    # ------------------------------------------------------------ clustering

    def _cluster_region(self, region: set[str], records: dict[Ref, Record], load: Callable[[Sequence[Ref]], list[Record]]) -> set[str]:
        """Cluster the region's groups again; returns the ids of its new pre-clusters."""
        for pre_id in {self.pre_of[key] for key in region if key in self.pre_of}:
            for key in self.pre.pop(pre_id).groups:
                self.pre_of.pop(key, None)
        for key in list(self.pre_of):
            if key not in self.groups:  # a group the update removed
                pre_id = self.pre_of.pop(key)
                self.pre.pop(pre_id, None)
        keys = sorted(region, key=lambda key: self.groups[key].rank)  # type: ignore[arg-type, return-value]
        groups = self._records(keys, records, load)
        texts, languages, ids = self._features(keys, groups)
        candidates = self._candidates(keys)
        sizes = {bucket: len(members) for bucket, members in self.by_revised.items()}
        clusters, used, _ = cluster_groups(groups, texts, languages, ids, self.overrides, self.pins, candidates, sizes.__getitem__)
        made = set()
        links_of: dict[int, list[KeyLink]] = {}
        for l in used:  # a used link joins two groups of one cluster
            links_of.setdefault(clusters.find(l.a), []).append((keys[l.a], keys[l.b], l.kind, l.score, l.reason))
        for members in clusters.groups():
            root = clusters.find(members[0])
            pre = PreCluster(tuple(keys[i] for i in members), tuple(links_of.get(root, ())), clusters.ids[root])
            self.pre[pre.groups[0]] = pre
            for key in pre.groups:
                self.pre_of[key] = pre.groups[0]
            made.add(pre.groups[0])
        return made

    def _records(self, keys: Sequence[str], records: dict[Ref, Record], load: Callable[[Sequence[Ref]], list[Record]]) -> list[list[Record]]:
        missing = sorted({ref for key in keys for ref in self.groups[key].refs if ref not in records})
        records.update(zip(missing, load(missing)))
        return [[records[ref] for ref in self.groups[key].refs] for key in keys]

    def _features(self, keys: Sequence[str], groups: Sequence[Sequence[Record]]) -> tuple[list[np.ndarray], list[str], list[frozenset[str]]]:
        empty = np.zeros(0, dtype=np.uint64)
        shingles = shingles_of([group[0].abstract for group in groups])
        texts = [found if group[0].abstract else empty for (found, _), group in zip(shingles, groups)]
        return texts, [self.groups[key].language for key in keys], [self.groups[key].ids for key in keys]

    def _candidates(self, keys: Sequence[str]) -> list[tuple[int, int]]:
        """LSH candidate pairs among `keys` (indices a < b), by buckets of the whole list."""
        position = {key: index for index, key in enumerate(keys)}
        if len(position) == len(self.bands) and all(key in position for key in self.bands):
            return self.index.pairs(position)
        pairs = set()
        for key in keys:
            if key not in self.bands:
                continue
            a = position[key]
            for mate in self.index.mates(np.frombuffer(self.bands[key], np.uint64)):
                b = position.get(mate)
                if b is not None and b != a:
                    pairs.add((min(a, b), max(a, b)))
        return sorted(pairs)

    # ------------------------------------------------------------ translations and final clusters

    def _finish(self, changed_pre: set[str], load: Callable[[Sequence[Ref]], list[Record]]) -> ClusterChanges:
        """Final clusters: pre-clusters, joined by translation links when there are foreign
        abstracts. Returns those that changed."""
        foreign = any(group.has_text and group.language != "en" for group in self.groups.values())
        old_final = self.final
        if foreign or any(links for _, links in old_final.values()):
            finals = self._translated(load)
        else:
            finals = {pre_id: ((pre_id,), ()) for pre_id in self.pre}
        kept = {final_id for final_id, value in finals.items() if old_final.get(final_id) == value and not set(value[0]) & changed_pre}
        self.final = finals
        self.final_of = {pre_id: final_id for final_id, (pres, _) in finals.items() for pre_id in pres}
        made = sorted(final_id for final_id in finals if final_id not in kept)
        added = dict(zip(made, self._clusters([finals[final_id] for final_id in made], load)))
        return ClusterChanges(frozenset(set(old_final) - kept), added, tuple(self._problems()))

    def _translated(self, load: Callable[[Sequence[Ref]], list[Record]]) -> dict[str, tuple[tuple[str, ...], tuple[KeyLink, ...]]]:
        """Pre-clusters joined by translation links, found over every group."""
        from .translations import find_translations

        keys = sorted(self.groups, key=lambda key: self.groups[key].rank)  # type: ignore[arg-type, return-value]
        position = {key: index for index, key in enumerate(keys)}
        groups = self._records(keys, {}, load)
        texts, languages, ids = self._features(keys, groups)
        pres = sorted(self.pre, key=lambda pre_id: position[pre_id])
        members = [[position[key] for key in self.pre[pre_id].groups] for pre_id in pres]
        clusters = Clusters(len(keys), ids)
        for pre_id, indices in zip(pres, members):
            for index in indices[1:]:
                clusters.union(indices[0], index)
            clusters.add_ids(indices[0], self.pre[pre_id].ids)
        forced, apart, _ = self.overrides.resolve(groups) if self.overrides else ([], set(), [])
        used = dedupe.merge(clusters, find_translations(groups, clusters.groups(), apart), texts, languages, apart)
        links_of: dict[int, list[KeyLink]] = {}
        for l in used:
            links_of.setdefault(clusters.find(l.a), []).append((keys[l.a], keys[l.b], l.kind, l.score, l.reason))
        finals: dict[str, tuple[tuple[str, ...], tuple[KeyLink, ...]]] = {}
        for indices in clusters.groups():
            joined = tuple(sorted({self.pre_of[keys[i]] for i in indices}, key=lambda pre_id: position[pre_id]))
            finals[keys[indices[0]]] = (joined, tuple(links_of.get(clusters.find(indices[0]), ())))
        return finals

    def _clusters(self, finals: Sequence[tuple[Sequence[str], Sequence[KeyLink]]], load: Callable[[Sequence[Ref]], list[Record]]) -> list[Cluster]:
        """The Cluster (members ordered, with their evidence) of each final cluster."""
        each = [sorted((key for pre_id in pres for key in self.pre[pre_id].groups), key=lambda key: self.groups[key].rank)  # type: ignore[arg-type, return-value]
                for pres, _ in finals]
        flat = [key for keys in each for key in keys]
        groups = self._records(flat, {}, load)
        texts, _, _ = self._features(flat, groups)
        result, start = [], 0
        for keys, (pres, translation) in zip(each, finals):
            position = {key: index for index, key in enumerate(keys)}
            links = [Link(position[a], position[b], kind, score, reason)
                     for pre_id in pres for a, b, kind, score, reason in self.pre[pre_id].links]
            links += [Link(position[a], position[b], kind, score, reason) for a, b, kind, score, reason in translation]
            ids = frozenset().union(*(self.pre[pre_id].ids for pre_id in pres))
            end = start + len(keys)
            result.append(order_members(groups[start:end], list(range(len(keys))), links, texts[start:end], ids))
            start = end
        return result

    def _problems(self) -> list[Problem]:
        """duplicates.yml phrases that no record holds."""
        if not self.overrides:
            return []
        return [Problem(self.overrides.name, rule.line, "phrase matches no record", "warning", phrase, curated=True)
                for rule in self.overrides.rules for phrase in (rule.first, rule.second)
                if not self.by_phrase.get(fingerprint(phrase))]

    def clusters(self, load: Callable[[Sequence[Ref]], list[Record]]) -> list[Cluster]:
        """Every final cluster, made from scratch (for tests and from-scratch callers)."""
        return self._clusters([self.final[final_id] for final_id in sorted(self.final)], load)


def _phrase_holders(phrases: Iterable[str], texts: Sequence[str]) -> list[frozenset[str]]:
    """For each text, the phrases it holds (one search of all texts a phrase)."""
    held: list[set[str]] = [set() for _ in texts]
    index = PhraseIndex(texts)
    for phrase in sorted(phrases):
        for at in index.holders(phrase):
            held[at].add(phrase)
    return [frozenset(found) for found in held]


def _discard(index: dict, key: object, value: str) -> None:  # type: ignore[type-arg]
    members = index.get(key)
    if members is not None:
        members.discard(value)
        if not members:
            del index[key]


class _BandIndex:
    """The LSH bands of every group with text, sorted per band for lookups."""

    def __init__(self, bands: dict[str, bytes]) -> None:
        self.keys = list(bands)
        matrix = np.frombuffer(b"".join(bands.values()), np.uint64).reshape(len(self.keys), BANDS_OF) if bands else np.zeros((0, BANDS_OF), np.uint64)
        self.order = np.argsort(matrix, axis=0, kind="stable")
        self.sorted = np.take_along_axis(matrix, self.order, axis=0)

    def _range(self, band: int, value: int) -> tuple[int, int]:
        column = self.sorted[:, band]
        target = np.uint64(value)
        return int(np.searchsorted(column, target, "left")), int(np.searchsorted(column, target, "right"))

    def size(self, band: int, value: int) -> int:
        start, end = self._range(band, value)
        return end - start

    def members(self, band: int, value: int) -> set[str]:
        start, end = self._range(band, value)
        return {self.keys[i] for i in self.order[start:end, band].tolist()}

    def mates(self, bands: np.ndarray) -> set[str]:
        """Groups sharing a bucket of at most MAX_BUCKET groups with these bands."""
        found: set[str] = set()
        for band, value in enumerate(bands.tolist()):
            start, end = self._range(band, value)
            if 1 < end - start <= MAX_BUCKET:
                found.update(self.keys[i] for i in self.order[start:end, band].tolist())
        return found

    def pairs(self, position: dict[str, int]) -> list[tuple[int, int]]:
        """Every candidate pair (indices in `position`, a < b): all groups are asked for."""
        where = np.array([position[key] for key in self.keys], dtype=np.int64)
        pairs: set[tuple[int, int]] = set()
        for band in range(BANDS_OF):
            column = self.sorted[:, band]
            starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
            ends = np.r_[starts[1:], len(column)]
            sizes = ends - starts
            for start, end in zip(starts[(sizes > 1) & (sizes <= MAX_BUCKET)].tolist(), ends[(sizes > 1) & (sizes <= MAX_BUCKET)].tolist()):
                members = sorted(where[self.order[start:end, band]].tolist())
                pairs.update((members[i], members[j]) for i in range(len(members)) for j in range(i + 1, len(members)))
        return sorted(pairs)
