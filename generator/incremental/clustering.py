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

import marshal
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import Any

import numpy as np

from .. import dedupe
from ..dedupe import (BANDS, MAX_BUCKET, NO_TEXT, Clustered, Clusters, Pin, band_keys, bucket_groups, bucket_of, cluster_groups, group_rank, group_title, linking_phrases, lsh_candidates, order_members, phrase_holders,
                      title_buckets, title_words)
from ..digests import key_of
from ..model import EMPTY, Cluster, Link, Problem, Record, compact, frozen
from ..overrides import Overrides
from ..text import fingerprint
from ..translations import find_translations
from ..work import Work
from .tables import Kept, SetTable, Table

SMALL_CHANGE = 100
"""Exact-groups an edit may always make or take out without a build from nothing, whatever
their share: a build from nothing of the 41 demo records takes 2.1 s, an update with one
record added 0.33 s (BENCHMARKS.md)."""
Ref = tuple[str, int]
"""Where a record is: (seed file, its place among the file's records)."""
KeyLink = tuple[str, str, str, float, str]
"""A used link between two groups, by key: (a, b, kind, score, reason)."""


@compact
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
    """The words of its first title (`dedupe.title_words`), or ()."""
    revised: frozenset[tuple[str, ...]]
    """Its title buckets for `dedupe.find_revised` (none without text)."""
    phrases: frozenset[str]
    """The duplicates.yml and catalog phrases its text holds (fingerprints)."""
    refs: tuple[Ref, ...]
    content: str
    """A hash of its records: a group whose key and content are unchanged is unchanged."""


@compact
@dataclass(frozen=True)
class PreCluster:
    """A cluster before translations join foreign groups to it."""

    groups: tuple[str, ...]
    """Group keys in rank order; the first names the cluster."""
    links: tuple[KeyLink, ...]
    ids: frozenset[str]


Final = tuple[tuple[str, ...], tuple[KeyLink, ...]]
"""A final cluster: its pre-clusters (ids), and the translation links that joined them."""


@dataclass(frozen=True)
class ClusterChanges:
    removed: frozenset[str]
    """Ids of the clusters of the last build that are gone or changed."""
    added: dict[str, Cluster]
    """New and changed clusters, by id (the key of their first group)."""
    problems: tuple[Problem, ...]
    """Warnings about duplicates.yml, for the whole list."""


_FIELDS = attrgetter("source.file", "source.line", "source.format", *(f.name for f in fields(Record) if f.name != "source"))


def record_content(record: Record) -> bytes:
    """Every field of a record as bytes: a `marshal` dump of plain values (version 2: the
    same values give the same bytes), or their `repr` if marshal does not take one: a third
    of the time of the record's `repr`."""
    values = _FIELDS(record)
    try:
        return b"m" + marshal.dumps(values, 2)
    except ValueError:
        return b"r" + repr(values).encode("utf-8", "surrogatepass")


def _words(words: tuple[str, ...]) -> str:
    """A title bucket as a table key."""
    return "\x1f".join(words)


class Clustering:
    """The clusters of the last build and the indexes of their groups (tables: see
    `tables`), by what an edit looks groups up by."""

    def __init__(self, overrides: Overrides | None = None, pins: Sequence[Pin] = (), named: Iterable[str] = ()) -> None:
        self.overrides = overrides
        self.pins = tuple(pins)
        self.named = frozenset(named)
        """The catalog's phrases (fingerprints): found in each group with the others, for the
        papers' catalog entries (`Cluster.phrases`), but they link no groups."""
        self.groups: Table[Group] = Table("group")
        self.packed: Table[BandIndex] = Table("packed-bands")
        self.bands = Bands(self.packed)
        self.pre: Table[PreCluster] = Table("pre")
        self.pre_of: Table[str] = Table("pre-of")
        self.final: Table[Final] = Table("final")
        self.by_bucket, self.by_file, self.by_id = SetTable("by-bucket"), SetTable("by-file"), SetTable("by-id")
        self.by_title, self.by_revised, self.by_phrase = SetTable("by-title"), SetTable("by-revised"), SetTable("by-phrase")
        self.count = 0
        """Groups."""
        self.foreign = 0
        """Groups with an abstract not in English."""
        self.translated = False
        """The last build matched translations (its final clusters are not its pre-clusters)."""
        self._curated()

    def _curated(self) -> None:
        rules = self.overrides.rules if self.overrides else ()
        self._linking = linking_phrases(self.overrides, self.pins)
        self._phrases = self._linking | (self.named - {""})
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
        return {name: value for name, value in self.__dict__.items() if not name.startswith("_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._curated()

    def tables(self) -> list[Table[Any]]:
        return [self.groups, self.packed, self.pre, self.pre_of, self.final, self.by_bucket, self.by_file, self.by_id,
                self.by_title, self.by_revised, self.by_phrase]

    # ------------------------------------------------------------ the update

    def update(self, files: set[str], added: Sequence[tuple[Ref, Record]], load: Callable[[Sequence[Ref]], list[Record]],
               work: Work, limit: float | None = None) -> ClusterChanges | None:
        """Take out every record of the seed files in `files` and put in the records `added`
        (with where they are); `load` gives the records at refs of unchanged files. None,
        and nothing changed, when more than `limit` of the groups (and more than SMALL_CHANGE)
        would be made or taken out."""
        self._work = work
        first_build = self.count == 0
        keys = {key for members in self.by_file.get_many(sorted(files)).values() for key in members}
        buckets = {group.bucket for group in self.groups.get_many(sorted(keys)).values()}
        bucket = {id(record): bucket_of(record) for _, record in added}
        buckets |= set(bucket.values())
        old = self.groups.get_many(sorted({key for members in self.by_bucket.get_many(sorted(buckets)).values() for key in members}))
        kept = sorted(ref for group in old.values() for ref in group.refs if ref[0] not in files)
        records: dict[Ref, Record] = dict(zip(kept, load(kept)))
        bucket.update({id(record): bucket_of(record) for record in records.values()})
        records |= dict(added)
        new, bands = self._make_groups(records, bucket)
        same = {key for key, group in new.items() if old.get(key) == group}
        gone = {key: group for key, group in old.items() if key not in same}
        fresh = {key: group for key, group in new.items() if key not in same}
        if limit is not None and len(gone) + len(fresh) > max(limit * (self.count - len(gone) + len(fresh)), SMALL_CHANGE):
            return None
        if not first_build:
            before = self._sizes(gone, fresh, bands)
        for key in gone:
            self._remove(key)
        self._add(fresh.values(), bands)
        self.bands.fold_if_large()
        if first_build:
            region = set(new)
        else:
            seeds = set(fresh) | self._crossed(*before)
            for key, group in gone.items():
                pre_id = self.pre_of.get(key)
                if pre_id is not None:
                    seeds.update(self.pre[pre_id].groups)
                seeds |= self._class_mates(group)
            region = self._closure(seeds)
        removed, made = self._cluster_region(region, set(gone) | set(fresh), records, load, first_build)
        return self._finish(removed, made, load)

    def _make_groups(self, records: dict[Ref, Record], bucket_of_record: dict[int, str]) -> tuple[dict[str, Group], dict[str, bytes]]:
        """The exact-groups of these records (whole buckets; `bucket_of_record` by `id`), and
        the LSH bands of those with text."""
        ref_of = {id(record): ref for ref, record in records.items()}
        by_bucket: dict[str, list[Record]] = {}
        for record in records.values():
            by_bucket.setdefault(bucket_of_record[id(record)], []).append(record)
        made = [group for bucket in sorted(by_bucket) for group in bucket_groups(bucket, by_bucket[bucket])]
        features = self._work.shingles([group.records[0].abstract for group in made])
        holders = phrase_holders(self._phrases, [group.records[0].key for group in made])
        groups, bands = {}, {}
        for group, (_, signature), phrases in zip(made, features, holders):
            groups[group.key] = _group(group, phrases, tuple(ref_of[id(r)] for r in group.records))
            if group.records[0].abstract:
                bands[group.key] = band_keys(signature).tobytes()
        return groups, bands

    # ------------------------------------------------------------ indexes

    def _add(self, groups: Iterable[Group], bands: dict[str, bytes]) -> None:
        """Put these groups (with their LSH `bands`, if they have text) into the indexes."""
        pairs: dict[SetTable, list[tuple[str, str]]] = {}  # index -> (key, group key)
        for group in groups:
            self.groups[group.key] = group
            self.count += 1
            self.foreign += group.has_text and group.language != "en"
            if group.key in bands:
                self.bands.add(group.key, bands[group.key])
            indexed = [(self.by_bucket, group.bucket), *((self.by_file, name) for name in {ref[0] for ref in group.refs}), *self._indexed(group)]
            for index, key in indexed:
                pairs.setdefault(index, []).append((key, group.key))
        for index, added in pairs.items():  # each index written once a key, not once a pair
            index.add_all(added)

    def _remove(self, key: str) -> None:
        group = self.groups.pop(key)
        assert group is not None
        self.count -= 1
        self.foreign -= group.has_text and group.language != "en"
        self.bands.remove(key)
        self.by_bucket.discard(group.bucket, key)
        for name in {ref[0] for ref in group.refs}:
            self.by_file.discard(name, key)
        for index, entry in self._indexed(group):
            index.discard(entry, key)

    def _indexed(self, group: Group) -> Iterable[tuple[SetTable, str]]:
        yield from ((self.by_id, key) for key in group.ids)
        if len(group.title) >= 3:
            yield self.by_title, _words(group.title)
        yield from ((self.by_revised, _words(bucket)) for bucket in group.revised)
        yield from ((self.by_phrase, phrase) for phrase in group.phrases if phrase in self._linking)

    def _sizes(self, gone: dict[str, Group], fresh: dict[str, Group], bands: dict[str, bytes]) -> tuple[dict[tuple[int, int], int], dict[str, int]]:
        """Sizes, before the update, of the LSH buckets and title buckets the changed groups
        are in."""
        values = [self.bands.of(key) for key in gone] + [np.frombuffer(bands[key], np.uint64) for key in fresh if key in bands]
        lsh = {(band, value): 0 for row in values if row is not None for band, value in enumerate(row.tolist())}
        lsh = {bucket: self.bands.size(*bucket) for bucket in lsh}
        titles = {_words(bucket): len(self.by_revised.get(_words(bucket)) or ()) for group in [*gone.values(), *fresh.values()] for bucket in group.revised}
        return lsh, titles

    def _crossed(self, lsh: dict[tuple[int, int], int], titles: dict[str, int]) -> set[str]:
        """Groups of the buckets whose size crossed MAX_BUCKET in the update: pairs in them
        stopped or started being candidates."""
        seeds: set[str] = set()
        for (band, value), size in lsh.items():
            now = self.bands.size(band, value)
            if (size <= MAX_BUCKET) != (now <= MAX_BUCKET) and now:
                seeds |= self.bands.members(band, value)
        for bucket, size in titles.items():
            now = len(self.by_revised.get(bucket) or ())
            if (size <= MAX_BUCKET) != (now <= MAX_BUCKET) and now:
                seeds |= self.by_revised[bucket]
        return seeds

    def _class_mates(self, group: Group) -> set[str]:
        """Groups that share with `group` an id, a title, or a curated phrase (or a pinned
        id): links among them depend on how many there are, not only on each pair."""
        mates: set[str] = set()
        for key in group.ids:
            mates |= self.by_id.get(key) or set()
            for phrase in self._pins_with_id.get(key, ()):
                mates |= self.by_phrase.get(phrase) or set()
        if len(group.title) >= 3:
            mates |= self.by_title.get(_words(group.title)) or set()
        for phrase in group.phrases & self._linking:
            mates |= self.by_phrase.get(phrase) or set()
            for other in self._phrase_mates.get(phrase, ()):
                mates |= self.by_phrase.get(other) or set()
            for key in self._pin_ids.get(phrase, ()):
                mates |= self.by_id.get(key) or set()
        return mates

    def _partners(self, group: Group) -> set[str]:
        mates = self._class_mates(group)
        pre_id = self.pre_of.get(group.key)
        if pre_id is not None:
            mates.update(self.pre[pre_id].groups)
        found = self.bands.of(group.key)
        if found is not None:
            mates |= self.bands.mates(found)
        for bucket in group.revised:
            members = self.by_revised[_words(bucket)]
            if len(members) <= MAX_BUCKET:
                mates |= members
        return mates

    def _closure(self, seeds: set[str]) -> set[str]:
        region: set[str] = set()
        seen = set(seeds)  # a removed group's key may still be in its old cluster's list
        queue = set(seeds)
        while queue:
            found = self.groups.get_many(sorted(queue))
            region |= found.keys()
            queue = set()
            for group in found.values():
                queue |= self._partners(group)
            queue -= seen
            seen |= queue
        return region

    # ------------------------------------------------------------ clustering

    def _cluster_region(self, region: set[str], changed: set[str], records: dict[Ref, Record],
                        load: Callable[[Sequence[Ref]], list[Record]], first_build: bool) -> tuple[set[str], set[str]]:
        """Cluster the region's groups again. Returns the ids of the pre-clusters that are
        gone or changed, and of those made anew (a pre-cluster made again the same, of
        unchanged groups, is neither)."""
        olds = {pre_id for pre_id in (self.pre_of.get(key) for key in sorted(region | changed)) if pre_id is not None}
        before = self.pre.get_many(sorted(olds))
        for pre_id, pre in before.items():
            self.pre.pop(pre_id)
            for key in pre.groups:
                self.pre_of.pop(key)
        found = self.groups.get_many(sorted(region))
        keys = sorted(region, key=lambda key: found[key].rank)  # type: ignore[arg-type, return-value]
        groups = self._records(keys, records, load, found)
        texts = self._texts(groups)
        candidates = self.bands.pairs({key: i for i, key in enumerate(keys)}) if first_build else self._candidates(keys)
        sizes = (lambda bucket: len(self.by_revised.get(_words(bucket)) or ()))
        clusters, used, _ = cluster_groups(groups, texts, [found[k].language for k in keys], [found[k].ids for k in keys],
                                           [found[k].phrases for k in keys], [found[k].title for k in keys], [found[k].revised for k in keys],
                                           self.overrides, self.pins, candidates, sizes)
        links_of: dict[int, list[KeyLink]] = {}
        for l in used:  # a used link joins two groups of one cluster
            links_of.setdefault(clusters.find(l.a), []).append((keys[l.a], keys[l.b], l.kind, l.score, l.reason))
        now, made = set(), set()
        for members in clusters.groups():
            root = clusters.find(members[0])
            pre = PreCluster(tuple(keys[i] for i in members), tuple(links_of.get(root, ())), clusters.ids[root])
            pre_id = pre.groups[0]
            self.pre[pre_id] = pre
            for key in pre.groups:
                self.pre_of[key] = pre_id
            now.add(pre_id)
            if before.get(pre_id) != pre or changed.intersection(pre.groups):
                made.add(pre_id)
        return set(before) - (now - made), made

    def _records(self, keys: Sequence[str], records: dict[Ref, Record], load: Callable[[Sequence[Ref]], list[Record]],
                 groups: dict[str, Group] | None = None) -> list[list[Record]]:
        groups = groups or self.groups.get_many(keys)
        missing = sorted({ref for key in keys for ref in groups[key].refs if ref not in records})
        records.update(zip(missing, load(missing)))
        return [[records[ref] for ref in groups[key].refs] for key in keys]

    def _candidates(self, keys: Sequence[str]) -> list[tuple[int, int]]:
        """LSH candidate pairs among `keys` (indices a < b), by buckets of the whole list."""
        position = {key: index for index, key in enumerate(keys)}
        pairs = set()
        for key in keys:
            found = self.bands.of(key)
            if found is None:
                continue
            a = position[key]
            for mate in self.bands.mates(found):
                b = position.get(mate)
                if b is not None and b != a:
                    pairs.add((min(a, b), max(a, b)))
        return sorted(pairs)

    # ------------------------------------------------------------ translations and final clusters

    def _finish(self, removed: set[str], made: set[str], load: Callable[[Sequence[Ref]], list[Record]]) -> ClusterChanges:
        """Final clusters: pre-clusters, joined by translation links when there are foreign
        abstracts. Returns those that changed."""
        if self.foreign or self.translated:
            return self._translated(made, load)
        self.translated = False
        for pre_id in removed:
            self.final.pop(pre_id)
        finals = {pre_id: ((pre_id,), ()) for pre_id in sorted(made)}
        for pre_id, final in finals.items():
            self.final[pre_id] = final  # type: ignore[assignment]
        added = dict(zip(finals, self._clusters(list(finals.values()), load)))
        return ClusterChanges(frozenset(removed), added, tuple(self._problems()))

    def _translated(self, made: set[str], load: Callable[[Sequence[Ref]], list[Record]]) -> ClusterChanges:
        """Pre-clusters joined by translation links, found over every group; the final
        clusters that changed."""
        every = dict(self.groups.items())
        keys = sorted(every, key=lambda key: every[key].rank)  # type: ignore[arg-type, return-value]
        position = {key: index for index, key in enumerate(keys)}
        groups = self._records(keys, {}, load, every)
        texts = self._texts(groups)
        pres = dict(self.pre.items())
        clusters = Clusters(len(keys), [every[key].ids for key in keys])
        for pre in pres.values():
            indices = [position[key] for key in pre.groups]
            for index in indices[1:]:
                clusters.union(indices[0], index)
            clusters.add_ids(indices[0], pre.ids)
        _, apart, _ = self.overrides.resolve([every[key].phrases for key in keys]) if self.overrides else ([], set(), [])
        used = dedupe.merge(clusters, find_translations(groups, clusters.groups(), apart, self._work), texts, [every[k].language for k in keys], apart)
        links_of: dict[int, list[KeyLink]] = {}
        for l in used:
            links_of.setdefault(clusters.find(l.a), []).append((keys[l.a], keys[l.b], l.kind, l.score, l.reason))
        pre_of = {key: pre_id for pre_id, pre in pres.items() for key in pre.groups}
        finals: dict[str, Final] = {}
        for indices in clusters.groups():
            joined = tuple(sorted({pre_of[keys[i]] for i in indices}, key=lambda pre_id: position[pre_id]))
            finals[keys[indices[0]]] = (joined, tuple(links_of.get(clusters.find(indices[0]), ())))
        old = dict(self.final.items())
        kept = {final_id for final_id, value in finals.items() if old.get(final_id) == value and not set(value[0]) & made}
        for final_id in set(old) - kept:
            self.final.pop(final_id)
        changed = sorted(final_id for final_id in finals if final_id not in kept)
        for final_id in changed:
            self.final[final_id] = finals[final_id]
        self.translated = bool(self.foreign)
        added = dict(zip(changed, self._clusters([finals[final_id] for final_id in changed], load)))
        return ClusterChanges(frozenset(set(old) - kept), added, tuple(self._problems()))

    def _clusters(self, finals: Sequence[Final], load: Callable[[Sequence[Ref]], list[Record]]) -> list[Cluster]:
        """The Cluster (members ordered, with their evidence) of each final cluster."""
        pres = self.pre.get_many(sorted({pre_id for ids, _ in finals for pre_id in ids}))
        found = self.groups.get_many(sorted({key for pre in pres.values() for key in pre.groups}))
        each = [sorted((key for pre_id in ids for key in pres[pre_id].groups), key=lambda key: found[key].rank)  # type: ignore[arg-type, return-value]
                for ids, _ in finals]
        flat = [key for keys in each for key in keys]
        groups = self._records(flat, {}, load, found)
        texts = self._texts(groups)
        result, start = [], 0
        for keys, (ids, translation) in zip(each, finals):
            position = {key: index for index, key in enumerate(keys)}
            links = [Link(position[a], position[b], kind, score, reason) for pre_id in ids for a, b, kind, score, reason in pres[pre_id].links]
            links += [Link(position[a], position[b], kind, score, reason) for a, b, kind, score, reason in translation]
            end = start + len(keys)
            result.append(order_members(groups[start:end], list(range(len(keys))), links, texts[start:end],
                                        frozen(*(pres[pre_id].ids for pre_id in ids)), frozen(*(found[key].phrases for key in keys))))
            start = end
        return result

    def _problems(self) -> list[Problem]:
        """duplicates.yml phrases that no record holds."""
        if not self.overrides:
            return []
        return [Problem(self.overrides.name, rule.line, "phrase matches no record", "warning", phrase, curated=True)
                for rule in self.overrides.rules for phrase in (rule.first, rule.second)
                if not self.by_phrase.get(fingerprint(phrase))]

    def clusters(self, load: Callable[[Sequence[Ref]], list[Record]], work: Work) -> list[Cluster]:
        """Every final cluster, made from scratch (for tests)."""
        self._work = work
        finals = dict(self.final.items())
        return self._clusters([finals[final_id] for final_id in sorted(finals)], load)

    def _texts(self, groups: Sequence[Sequence[Record]]) -> list[np.ndarray]:
        """Each group's shingles (none without an abstract)."""
        found = self._work.shingles([group[0].abstract for group in groups])
        return [shingles if group[0].abstract else NO_TEXT for (shingles, _), group in zip(found, groups)]

    # ------------------------------------------------------------ from a build from nothing

    @classmethod
    def of(cls, clustered: Clustered, refs: dict[int, Ref], overrides: Overrides | None, pins: Sequence[Pin], named: Iterable[str],
           work: Work) -> tuple[Clustering, dict[str, Cluster]]:
        """The clustering that `dedupe.cluster_duplicates` made (`refs`: where each record
        is, by `id`), and its clusters by id."""
        made = cls(overrides, pins, named)
        groups = clustered.groups
        keys = [group.key for group in groups]
        shingles = work.shingles([group.records[0].abstract for group in groups])
        made._add([_group(group, phrases, tuple(refs[id(r)] for r in group.records))
                   for group, phrases in zip(groups, clustered.phrases)],
                  {group.key: band_keys(signature).tobytes() for group, (_, signature) in zip(groups, shingles) if group.records[0].abstract})
        made.bands.fold()
        pre_of = {index: number for number, members in enumerate(clustered.pre) for index in members}
        links: list[list[KeyLink]] = [[] for _ in clustered.pre]
        for link in clustered.links:
            links[pre_of[link.a]].append((keys[link.a], keys[link.b], link.kind, link.score, link.reason))
        pre_ids = []
        for members, ids, own in zip(clustered.pre, clustered.pre_ids, links):
            pre = PreCluster(tuple(keys[i] for i in members), tuple(own), ids)
            made.pre[pre.groups[0]] = pre
            for key in pre.groups:
                made.pre_of[key] = pre.groups[0]
            pre_ids.append(pre.groups[0])
        final_of = {pre: number for number, members in enumerate(clustered.final) for pre in members}
        joins: list[list[KeyLink]] = [[] for _ in clustered.final]
        for link in clustered.translations:
            joins[final_of[pre_of[link.a]]].append((keys[link.a], keys[link.b], link.kind, link.score, link.reason))
        by_id = {}
        for members, own, cluster in zip(clustered.final, joins, clustered.clusters):
            final_id = pre_ids[members[0]]
            made.final[final_id] = (tuple(pre_ids[i] for i in members), tuple(own))
            by_id[final_id] = cluster
        made.translated = bool(made.foreign)
        return made, by_id


def _group(group: dedupe.ExactGroup, phrases: frozenset[str], refs: tuple[Ref, ...]) -> Group:
    """What the clustering keeps of an exact-group, whose records are at `refs`."""
    first = group.records[0]
    title = group_title(group.records)
    has_text = bool(first.abstract)
    words = title_words(title) if title else ()
    return Group(
        key=group.key, bucket=group.bucket, rank=group_rank(group), language=first.language, has_text=has_text,
        ids=frozen(*(r.ids for r in group.records)),
        title=words,
        revised=frozen(title_buckets(title, words)) if has_text else EMPTY,
        phrases=phrases if has_text else EMPTY,
        refs=refs,
        content=key_of(*(record_content(r) for r in group.records)),
    )


BandIndex = tuple[list[str], np.ndarray, np.ndarray, np.ndarray]
"""(group keys, their bands, each band's rows in key order, each band's keys so sorted)."""


def _band_index(keys: list[str], matrix: np.ndarray) -> BandIndex:
    order = np.argsort(matrix, axis=0, kind="stable").astype(np.int32)
    return keys, matrix, order, np.take_along_axis(matrix, order, axis=0)


class Bands:
    """The LSH bands of every group with text, one 64-bit key a band, sorted by each band's
    key for lookups: arrays kept in a table row of their own (`tables.Kept`), and the
    groups added and taken out since they were sorted."""

    def __init__(self, table: Table[BandIndex] | None = None) -> None:
        self._kept = Kept(table if table is not None else Table("bands"), "bands", ([], np.zeros((0, BANDS), np.uint64), np.zeros((0, BANDS), np.int32)))
        self._gone: set[str] = set()
        self._new: dict[str, np.ndarray] = {}
        self._row: dict[str, int] | None = None
        self._delta: tuple[list[str], np.ndarray, np.ndarray] | None = None
        self._index: BandIndex | None = None

    def __getstate__(self) -> dict[str, object]:
        self.fold_if_large()
        return {"_kept": self._kept, "_gone": self._gone, "_new": self._new}

    def fold_if_large(self) -> None:
        """Sort the changes in when they would slow lookups (a whole file read again)."""
        if len(self._gone) + len(self._new) > max(256, len(self.base[0]) // 20):
            self.fold()

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._row = self._delta = self._index = None

    @property
    def base(self) -> BandIndex:
        """The sorted bands; stored without the sorted keys, made again from the order when read."""
        if self._index is None:
            keys, matrix, order = self._kept.value
            self._index = (keys, matrix, order, np.take_along_axis(matrix, order, axis=0))
        return self._index

    @property
    def row(self) -> dict[str, int]:
        if self._row is None:
            self._row = {key: i for i, key in enumerate(self.base[0])}
        return self._row

    def fold(self) -> None:
        """Sort the groups added since the last sort in with the others."""
        if not self._gone and not self._new:
            return
        keys, matrix, _, _ = self.base
        kept = [i for i, key in enumerate(keys) if key not in self._gone]
        index = _band_index([keys[i] for i in kept] + list(self._new),
                            np.concatenate([matrix[kept], np.array(list(self._new.values()), dtype=np.uint64).reshape(-1, BANDS)]))
        self._kept.replace(index[:3])
        self._gone, self._new, self._row, self._delta, self._index = set(), {}, None, None, index

    def of(self, key: str) -> np.ndarray | None:
        if key in self._new:
            return self._new[key]
        if key in self._gone or key not in self.row:
            return None
        return self.base[1][self.row[key]]

    def add(self, key: str, bands: bytes) -> None:
        self._new[key] = np.frombuffer(bands, np.uint64)
        if key in self.row:
            self._gone.add(key)  # the sorted row is the old one
        self._delta = None

    def remove(self, key: str) -> None:
        self._new.pop(key, None)
        if key in self.row:
            self._gone.add(key)
        self._delta = None

    def _changes(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        """The groups added since the sort (keys, bands) and the bands of the rows taken out."""
        if getattr(self, "_delta", None) is None:
            base = self.base[1]
            gone = base[np.array(sorted(self.row[key] for key in self._gone), dtype=np.int64)] if self._gone else np.zeros((0, BANDS), np.uint64)
            self._delta = (list(self._new), np.array(list(self._new.values()), dtype=np.uint64).reshape(-1, BANDS), gone)
        return self._delta  # type: ignore[return-value]

    def _range(self, band: int, value: int) -> tuple[int, int]:
        column = self.base[3][:, band]
        target = np.uint64(value)
        return int(np.searchsorted(column, target, "left")), int(np.searchsorted(column, target, "right"))

    def members(self, band: int, value: int) -> set[str]:
        keys, _, order, _ = self.base
        start, end = self._range(band, value)
        found = {keys[i] for i in order[start:end, band].tolist()} - self._gone
        added, bands, _ = self._changes()
        return found | {added[i] for i in np.flatnonzero(bands[:, band] == np.uint64(value)).tolist()}

    def size(self, band: int, value: int) -> int:
        start, end = self._range(band, value)
        _, added, gone = self._changes()
        target = np.uint64(value)
        return end - start - int((gone[:, band] == target).sum()) + int((added[:, band] == target).sum())

    def mates(self, bands: np.ndarray) -> set[str]:
        """Groups sharing a bucket of at most MAX_BUCKET groups with these bands."""
        found: set[str] = set()
        for band, value in enumerate(bands.tolist()):
            if 1 < self.size(band, value) <= MAX_BUCKET:
                found |= self.members(band, value)
        return found

    def pairs(self, position: dict[str, int]) -> list[tuple[int, int]]:
        """Every candidate pair (indices in `position`, a < b), when all groups are asked for."""
        self.fold()
        keys, matrix, order, _ = self.base
        where = [position[key] for key in keys]
        return sorted((min(where[a], where[b]), max(where[a], where[b])) for a, b in lsh_candidates(matrix, order))
