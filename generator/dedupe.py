"""Duplicate detection: records -> clusters of records that are the same paper.

The stages, one function each:

1. `group_exact`: records with the same fingerprint (text after normalising Unicode, case,
   spacing and punctuation) form one group, unless they carry different arXiv ids or DOIs;
   from here on a group stands for its records. A record without an abstract is a group
   of its own.
2. `identifier_links`: groups that share an arXiv id (version dropped) or a DOI are one
   paper, whatever their texts. Clusters whose ids of one kind differ never join, however
   alike their abstracts (arXiv holds distinct papers with copied abstracts), unless the
   user forces it.
3. `find_reworded`: MinHash signatures of word 3-shingles, banded LSH for candidate pairs,
   then the exact Jaccard of each candidate pair confirms it. Cost grows with the number of
   groups, not its square. `find_revised`: the same title and an author in common carry a
   heavily revised version (REVISED_JACCARD) that the reworded threshold would miss.
   `find_same_title`: an entry without an abstract joins the one paper with its title and
   an author. `find_versions`: a preprint and its published version, whose keys are of
   different kinds (an arXiv id, a DOI), join on the same title, authors and years.
4. `merge`: links are applied strongest first; two clusters join only if their ids agree
   and, for reworded links, every pair of same-language groups across them is similar
   enough (`CHAIN_JACCARD`), so a chain of weak links never joins two papers that do not
   look alike. User overrides come first.
5. `pin_ids`: an arXiv id or DOI the catalog gives a paper (matched by phrase) is an
   identity key too: records carrying it (a BibTeX entry, a link) join that paper.
6. `find_translations`: each non-English group is matched to an English cluster by the
   dictionary route and confirmed by a multilingual sentence encoder (`crosslingual`).
7. `order_members`: the canonical record first (see `canonical_rank`), each other member
   with its kind, score against the canonical record, and the evidence.

All thresholds were chosen on the labelled set of `tests/dedupe_eval.py`; the README has
its precision and recall.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from .digests import key_of
from .model import EMPTY, Cluster, Link, Member, Problem, Record, frozen
from .overrides import Overrides
from .text import PhraseIndex, fingerprint
from .translations import find_translations
from .work import Work

BANDS, ROWS = 32, 4
"""32 bands of 4 rows: pairs with Jaccard 0.5 become candidates with probability 0.87,
at 0.7 with 0.9999; at 0.2 with 0.05. Every candidate is then checked exactly."""
REWORDED_JACCARD = 0.5
"""Confirmed Jaccard of word 3-shingles for a reworded duplicate. Measured on the corpus:
real v1/v2 light edits 0.76-0.91, synthetic edits (a sentence changed, added or dropped,
typos) 0.55-0.95; different papers: 99.99 % below 0.3, but extended versions of one
work under two arXiv ids reach 0.69-0.98 (see the README)."""
REWORDED_CONTAINMENT = 0.9
"""Or: 90 % of the shorter abstract's shingles in the longer (a sentence or two added)."""
CHAIN_JACCARD = 0.3
"""Every same-language pair inside a cluster must reach this, whatever linked them."""
TITLE_OVERLAP = 0.5
"""Two reworded versions whose records both carry titles must share half their title words.
Extended versions of one work often reuse most of the abstract under a new title (seen in
the corpus at Jaccard up to 0.95); the title tells them apart when the feed has it."""
MAX_BUCKET = 200
"""LSH buckets larger than this (boilerplate text) are skipped rather than paired out."""
REVISED_TITLE = 0.7
"""Title-word Jaccard for "the same title": 2503.21813's two titles ("... LLM Hallucinations
in Ontology Matching Systems" / "... Large Language Model Hallucinations in Ontology
Matching") share 0.76 of their words."""
REVISED_JACCARD = 0.35
"""Shingle Jaccard a revised version must reach, with the same title and an author in
common. Measured on the corpus: real rewrites under one arXiv id 0.41 and up; the five
pairs of different arXiv ids with the same title and overlapping authors 0.00-0.28."""


def record_order(record: Record) -> tuple[str, int]:
    return (record.source.file, record.source.line)


def canonical_rank(record: Record) -> tuple[bool, bool, int, int, str, int]:
    """Sort key: the best canonical record sorts first.

    A record with an abstract before one without, English before other languages
    (translations lose detail), then the most metadata (title, authors, date), then the
    longest abstract (fewest truncations), then the first by seed file name and line, so
    the choice never depends on reading order.
    """
    return (
        not record.abstract,
        record.language != "en",
        -record.metadata_count,
        -len(record.abstract),
        record.source.file,
        record.source.line,
    )


def group_exact(records: Sequence[Record]) -> list[list[Record]]:
    """Records with the same fingerprint, each group sorted by canonical rank, groups by
    their best. Records without an abstract stay alone (or, without an id either, group
    by title and link); a group whose records carry
    different arXiv ids (or DOIs) is split by id, records without one going with the best."""
    groups: dict[str, list[Record]] = {}
    alone = []
    for record in records:
        if record.abstract:
            groups.setdefault(record.key, []).append(record)
        elif record.ids:
            alone.append([record])  # joins its paper by identifier
        else:  # a title (or link) and nothing else: the same entry twice is one paper
            groups.setdefault(f"\0{fingerprint(record.title or '')}\0{record.url or ''}", []).append(record)
    split = [part for group in groups.values() for part in _split_by_ids(group)]
    ordered = [sorted(group, key=canonical_rank) for group in split + alone]
    return sorted(ordered, key=lambda group: canonical_rank(group[0]))


def _split_by_ids(group: list[Record]) -> list[list[Record]]:
    arxiv = {r.arxiv for r in group if r.arxiv}
    dois = {r.doi.lower() for r in group if r.doi}
    if len(arxiv) <= 1 and len(dois) <= 1:
        return [group]
    parts: dict[str, list[Record]] = {}
    for record in sorted(group, key=canonical_rank):
        key = record.arxiv or (record.doi.lower() if record.doi else None)
        if key:
            parts.setdefault(key, []).append(record)
    best = min(parts.values(), key=lambda part: canonical_rank(part[0]))
    best.extend(r for r in group if not (r.arxiv or r.doi))
    return list(parts.values())


# ---------------------------------------------------------------- LSH

_TOKEN = re.compile(r"\w+")


def jaccard(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact Jaccard and containment (share of the smaller set) of two sorted hash sets."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - common
    return common / union if union else 1.0, common / min(len(a), len(b)) if len(a) and len(b) else 0.0


def band_keys(signature: np.ndarray) -> np.ndarray:
    """A MinHash signature's LSH bands as one 64-bit key each: two texts share a bucket of a
    band when their keys for it are equal."""
    pairs = np.ascontiguousarray(signature, dtype=np.uint32).view(np.uint64).reshape(BANDS, ROWS // 2)
    with np.errstate(over="ignore"):
        return pairs[:, 0] * np.uint64(0x9E3779B97F4A7C15) ^ pairs[:, 1]


def lsh_candidates(bands: np.ndarray, order: np.ndarray | None = None) -> list[tuple[int, int]]:
    """Pairs of rows (a < b) whose `band_keys` agree on at least one band, in a bucket of at
    most MAX_BUCKET rows; `order`: each band's rows sorted by key, if known."""
    if order is None:
        order = np.argsort(bands, axis=0, kind="stable")
    pairs: set[tuple[int, int]] = set()
    for band in range(bands.shape[1]):
        rows = order[:, band]
        column = bands[rows, band]
        starts = np.flatnonzero(np.r_[True, column[1:] != column[:-1]])
        ends = np.r_[starts[1:], len(column)]
        sizes = ends - starts
        chosen = (sizes > 1) & (sizes <= MAX_BUCKET)
        for start, end in zip(starts[chosen].tolist(), ends[chosen].tolist()):
            members = sorted(rows[start:end].tolist())
            pairs.update((members[i], members[j]) for i in range(len(members)) for j in range(i + 1, len(members)))
    return sorted(pairs)


# ---------------------------------------------------------------- links


def _title_sets(groups: Sequence[Sequence[Record]]) -> list[frozenset[str] | None]:
    """Each group's title as the set of its `\\w+` words (None without a title)."""
    titles = [next((r.title for r in group if r.title), None) for group in groups]
    return [frozenset(_TOKEN.findall(t.casefold())) if t else None for t in titles]


def _titles_differ(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    return a is not None and b is not None and len(a & b) < TITLE_OVERLAP * len(a | b)


def find_reworded(
    texts: Sequence[np.ndarray], languages: Sequence[str], titles: Sequence[frozenset[str] | None], candidates: Iterable[tuple[int, int]],
) -> list[Link]:
    """Reworded duplicates among groups: LSH candidate pairs (indices a < b) confirmed by
    exact Jaccard, unless both carry clearly different titles."""
    links = []
    for a, b in sorted(candidates):
        if languages[a] != languages[b] or _titles_differ(titles[a], titles[b]):
            continue
        similarity, containment = jaccard(texts[a], texts[b])
        if similarity >= REWORDED_JACCARD:
            links.append(Link(a, b, "reworded", similarity, f"word 3-shingle Jaccard {similarity:.2f} (LSH candidate, confirmed exactly)"))
        elif containment >= REWORDED_CONTAINMENT:
            links.append(Link(a, b, "reworded", similarity, f"{containment:.0%} of the shorter abstract's word 3-shingles are in the longer (text added or dropped); Jaccard {similarity:.2f}"))
    return links


class Clusters:
    """Union-find over groups that keeps each cluster's member list (for the chain check)
    and identity keys (for the id check)."""

    def __init__(self, count: int, ids: Sequence[frozenset[str]] | None = None) -> None:
        self.parent = list(range(count))
        self.members: dict[int, list[int]] = {i: [i] for i in range(count)}
        self.ids: dict[int, frozenset[str]] = {i: (ids[i] if ids else EMPTY) for i in range(count)}

    def conflict(self, a: int, b: int) -> bool:
        """The two clusters carry different arXiv ids, DOIs or OpenReview ids: different papers."""
        left, right = self.ids[self.find(a)], self.ids[self.find(b)]
        for kind in ("arxiv:", "doi:", "openreview:"):
            mine = {key for key in left if key.startswith(kind)}
            theirs = {key for key in right if key.startswith(kind)}
            if mine and theirs and not mine & theirs:
                return True
        return False

    def add_ids(self, item: int, ids: frozenset[str]) -> None:
        root = self.find(item)
        self.ids[root] = frozen(self.ids[root], ids)

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        a, b = self.find(a), self.find(b)
        if a == b:
            return
        if b < a:
            a, b = b, a
        self.parent[b] = a
        self.members[a].extend(self.members.pop(b))
        self.ids[a] = frozen(self.ids[a], self.ids.pop(b))

    def groups(self) -> list[list[int]]:
        return [sorted(members) for _, members in sorted(self.members.items())]


def merge(
    clusters: Clusters,
    links: Iterable[Link],
    texts: Sequence[np.ndarray],
    languages: Sequence[str],
    apart: set[frozenset[int]],
) -> list[Link]:
    """Apply links strongest first (forced, then identifiers, then by score), each only if
    its two clusters may join: not forced apart, and unless the user forced the link, ids
    that agree and, for reworded links, abstracts alike (see `_alike`). Returns the links
    used."""
    used = []
    order = {"forced": 0, "identifier": 1}
    for link in sorted(links, key=lambda l: (order.get(l.kind, 2), -l.score, l.a, l.b)):
        a, b = clusters.find(link.a), clusters.find(link.b)
        if a != b:
            left, right = clusters.members[a], clusters.members[b]
            if any(frozenset((x, y)) in apart for x in left for y in right):
                continue
            if link.kind != "forced" and clusters.conflict(a, b):
                continue
            if link.kind == "reworded" and not _alike(left, right, texts, languages):
                continue
            clusters.union(a, b)
        used.append(link)
    return used


def _alike(left: list[int], right: list[int], texts: Sequence[np.ndarray], languages: Sequence[str]) -> bool:
    """No same-language pair of abstracts across the two clusters is below CHAIN_JACCARD."""
    return all(
        jaccard(texts[x], texts[y])[0] >= CHAIN_JACCARD
        for x in left
        for y in right
        if languages[x] == languages[y] and len(texts[x]) and len(texts[y])
    )


def identifier_links(ids: Sequence[frozenset[str]]) -> list[Link]:
    """Groups that share an identity key, linked to the first group that has it."""
    first: dict[str, int] = {}
    links = []
    for index, keys in enumerate(ids):
        for key in sorted(keys):
            if key in first:
                links.append(Link(first[key], index, "identifier", 1.0, f"same {_id_name(key)}"))
            else:
                first[key] = index
    return links


def _id_name(key: str) -> str:
    kind, _, value = key.partition(":")
    return {"arxiv": "arXiv id", "doi": "DOI", "openreview": "OpenReview id"}[kind] + " " + value


_WORD = re.compile(r"[^\W_]+")


def _surnames(group: Sequence[Record]) -> frozenset[str]:
    """Authors' last names, case and accents folded: `Jérôme Müller` -> `muller`."""
    names = set()
    for record in group:
        for author in record.authors:
            words = _WORD.findall(unicodedata.normalize("NFKD", author).encode("ascii", "ignore").decode().casefold())
            if words:
                names.add(words[-1])
    return frozenset(names)


def title_buckets(title: str | None, words: tuple[str, ...]) -> set[tuple[str, ...]]:
    """The buckets `find_revised` puts a title in: its words (its `title_words`), and its
    words before a colon."""
    if title is None:
        return set()
    head = title_words(title.split(":", 1)[0]) if ":" in title else ()
    return {words, head} - {()}


def title_words(title: str) -> tuple[str, ...]:
    """A title's words, lower case."""
    return tuple(_WORD.findall(title.casefold()))


def find_revised(
    groups: Sequence[Sequence[Record]], texts: Sequence[np.ndarray], languages: Sequence[str],
    titles: Sequence[frozenset[str] | None], revised: Sequence[Iterable[tuple[str, ...]]],
    sizes: Callable[[tuple[str, ...]], int] | None = None,
) -> list[Link]:
    """Heavily revised versions: the same title (word Jaccard >= REVISED_TITLE), an author
    in common, and abstracts that still share REVISED_JACCARD of their shingles. Candidates
    come from each group's `revised` buckets (`title_buckets`: of the full title and of its
    part before a colon; `sizes` gives a bucket's size in the whole list, when `groups` are
    part of it). `titles`: each group's `_title_sets`."""
    buckets: dict[tuple[str, ...], list[int]] = {}
    for index in range(len(groups)):
        if not len(texts[index]):
            continue
        for key in revised[index]:
            buckets.setdefault(key, []).append(index)
    pairs = {(a, b) for key, members in buckets.items() if (sizes(key) if sizes else len(members)) <= MAX_BUCKET
             for i, a in enumerate(members) for b in members[i + 1:]}
    links = []
    for a, b in sorted(pairs):
        ta, tb = titles[a], titles[b]
        if languages[a] != languages[b] or not ta or not tb or len(ta & tb) < REVISED_TITLE * len(ta | tb):
            continue
        common = _surnames(groups[a]) & _surnames(groups[b])
        similarity, _ = jaccard(texts[a], texts[b])
        if common and REVISED_JACCARD <= similarity < REWORDED_JACCARD:
            links.append(Link(a, b, "revised", similarity, (
                f"same title, authors in common ({', '.join(sorted(common)[:3])}), abstract heavily revised "
                f"(word 3-shingle Jaccard {similarity:.2f})")))
    return links


# ---------------------------------------------------------------- clusters


def find_same_title(groups: Sequence[Sequence[Record]], words_of: Sequence[tuple[str, ...]], clusters: Clusters) -> list[Link]:
    """An entry without an abstract (a bibliography entry, a spreadsheet row) joins the one
    paper with an abstract, exactly its title (three words or more, `words_of` each group's
    first title: its `title_words`) and an author in common. With no text to compare, title
    and authors are all the evidence: a title two papers share links nothing, and a bare
    link (no authors) joins only by identifier."""
    with_text: dict[tuple[str, ...], dict[int, int]] = {}  # title -> cluster -> a group of it
    without: list[tuple[int, tuple[str, ...]]] = []
    for index, (group, words) in enumerate(zip(groups, words_of)):
        if len(words) < 3:
            continue
        if group[0].abstract:
            with_text.setdefault(words, {}).setdefault(clusters.find(index), index)
        elif len(clusters.members[clusters.find(index)]) == 1 and any(r.authors for r in group):
            without.append((index, words))
    links = []
    for index, words in without:
        candidates = list(with_text.get(words, {}).values())
        if len(candidates) != 1:
            continue
        common = _surnames(groups[index]) & _surnames(groups[candidates[0]])
        if common:
            links.append(Link(candidates[0], index, "title", 1.0,
                              f"same title and authors in common ({', '.join(sorted(common)[:3])}); this entry has no abstract to compare"))
    return links


def find_versions(
    groups: Sequence[Sequence[Record]], words_of: Sequence[tuple[str, ...]], texts: Sequence[np.ndarray], languages: Sequence[str],
    clusters: Clusters,
) -> list[Link]:
    """Versions of one work that carry keys of different kinds (an arXiv preprint and its
    DOI'd or OpenReview published version) or links but no keys: exactly the same title
    (three words or more), authors in common (half the shorter list, when both list two or
    more), years at most VERSION_YEARS apart, and abstracts that do not contradict each
    other (see `_abstracts_agree`). A title two clusters with different keys of one kind
    share (two papers with one title) links nothing in its bucket."""
    buckets: dict[tuple[str, ...], dict[int, list[int]]] = {}  # title -> cluster -> its groups with the title
    for index, words in enumerate(words_of):
        if len(words) >= 3:
            buckets.setdefault(words, {}).setdefault(clusters.find(index), []).append(index)
    links = []
    for words, by_cluster in sorted(buckets.items()):
        if len(by_cluster) < 2:
            continue
        roots = sorted(by_cluster)
        if any(clusters.conflict(a, b) for i, a in enumerate(roots) for b in roots[i + 1:]):
            continue
        for i, a in enumerate(roots):
            for b in roots[i + 1:]:
                left, right = by_cluster[a][0], by_cluster[b][0]
                if languages[left] != languages[right]:
                    continue
                evidence = _same_work(groups, texts, languages, clusters.members[a], clusters.members[b])
                if evidence:
                    links.append(Link(left, right, "version", 1.0, evidence))
    return links


VERSION_YEARS = 2
"""A published version comes out up to two years after its preprint (or, rarely, a year before)."""
SUMMARY_WORDS = 60
"""An abstract shorter than this many words may be a summary (an OpenReview TL;DR), not the abstract."""


def _same_work(groups: Sequence[Sequence[Record]], texts: Sequence[np.ndarray], languages: Sequence[str],
               left: Sequence[int], right: Sequence[int]) -> str:
    """Why two clusters (their groups) with one title are versions of one work, or "" when
    they may not be. Each must have an address (an id or a link): a listing known by its
    text alone is joined by its text (`find_reworded`, `find_revised`, `find_same_title`),
    and one under another paper's title and first author would pass every other test here."""
    if not all(any(r.ids or r.url for g in side for r in groups[g]) for side in (left, right)):
        return ""
    mine = _surnames([r for g in left for r in groups[g]])
    theirs = _surnames([r for g in right for r in groups[g]])
    common = mine & theirs
    if not common or (min(len(mine), len(theirs)) >= 2 and len(common) * 2 < min(len(mine), len(theirs))):
        return ""
    years = [sorted({y for g in side for r in groups[g] if (y := _year(r))}) for side in (left, right)]
    if years[0] and years[1] and min(abs(a - b) for a in years[0] for b in years[1]) > VERSION_YEARS:
        return ""
    if not all(_abstracts_agree(groups[x][0].abstract, groups[y][0].abstract, texts[x], texts[y])
               for x in left for y in right if languages[x] == languages[y]):
        return ""
    shown = " and ".join(str(side[0]) for side in years) if all(years) and years[0][0] != years[1][0] else ""
    return (f"same title, authors in common ({', '.join(sorted(common)[:3])})" + (f", years {shown}" if shown else "")
            + ": another version of the work")


def _year(record: Record) -> int | None:
    return record.year or (int(record.date[:4]) if record.date else None)


def _abstracts_agree(a: str, b: str, a_text: np.ndarray, b_text: np.ndarray) -> bool:
    """Two abstracts of one work: one missing, cut short (`...`), or a summary; else they
    share CHAIN_JACCARD of their word 3-shingles (a published version's rewritten abstract
    that shares less is not told from another paper's)."""
    if not a or not b or _partial(a) or _partial(b):
        return True
    return jaccard(a_text, b_text)[0] >= CHAIN_JACCARD


def _partial(abstract: str) -> bool:
    return abstract.rstrip().endswith(("...", "…", "[...]", "(...)")) or len(abstract.split()) < SUMMARY_WORDS


Pin = tuple[str, frozenset[str], str]
"""An identity the user gives a paper: (phrase fingerprint, ids, where it was given)."""


@dataclass(frozen=True)
class ExactGroup:
    """Records with the same text (see `group_exact`), best first, and the group's key."""

    key: str
    """A hash of what its records share (`bucket_of`), and of their id when the text's
    records were split by id: the same group has the same key in every build."""
    bucket: str
    """What its records share (`bucket_of`)."""
    records: tuple[Record, ...]


@dataclass(frozen=True)
class Clustered:
    """What duplicate detection made of a list of records: the clusters, and how they were
    made, which the build's state keeps for the next build (`incremental.clustering`)."""

    groups: list[ExactGroup]
    """Every exact-group, in rank order (`group_rank`): links name groups by index here."""
    phrases: list[frozenset[str]]
    """The duplicates.yml and catalog phrases (fingerprints) each group's text holds."""
    pre: list[tuple[int, ...]]
    """The clusters before translations joined them: their groups, in rank order."""
    links: list[Link]
    """The links that joined groups into those, in the order applied."""
    pre_ids: list[frozenset[str]]
    """Each of those clusters' identity keys (its records' and those the catalog pins)."""
    final: list[tuple[int, ...]]
    """The clusters: the `pre` clusters (by index) that translations joined, in rank order."""
    translations: list[Link]
    """The translation links used."""
    clusters: list[Cluster]
    """The clusters as the stages after this one see them, one a `final` in its order."""
    problems: list[Problem]
    """duplicates.yml phrases that no record holds."""


def cluster_duplicates(
    records: Sequence[Record], overrides: Overrides | None = None, pins: Sequence[Pin] = (), work: Work | None = None,
) -> tuple[list[Cluster], list[Problem]]:
    """Clusters of duplicate records, ordered by their canonical record's source, and
    warnings about overrides (see `cluster`)."""
    clustered = cluster(records, overrides, pins, (), work)
    return sorted(clustered.clusters, key=lambda made: record_order(made.canonical)), clustered.problems


def cluster(
    records: Sequence[Record], overrides: Overrides | None = None, pins: Sequence[Pin] = (), named: Iterable[str] = (),
    work: Work | None = None,
) -> Clustered:
    """Clusters of duplicate records, and how they were made. The result does not depend
    on the order of `records`. `pins`: ids the catalog gives the paper whose text holds a
    phrase; `named`: the catalog's other phrases (fingerprints), looked for in each group
    for `papers`."""
    work = work or Work()
    groups = exact_groups(records)
    firsts = [group.records[0] for group in groups]
    shingles = work.shingles([first.abstract for first in firsts])
    texts = [found if first.abstract else NO_TEXT for (found, _), first in zip(shingles, firsts)]
    languages = [first.language for first in firsts]
    ids = [frozen(*(record.ids for record in group.records)) for group in groups]
    held = phrase_holders(linking_phrases(overrides, pins) | set(named), [first.key for first in firsts])
    phrases = [found if first.abstract else EMPTY for found, first in zip(held, firsts)]
    words = [title_words(title) if (title := group_title(group.records)) else () for group in groups]
    revised = [title_buckets(group_title(group.records), word) if first.abstract else set() for group, word, first in zip(groups, words, firsts)]
    with_text = [index for index, first in enumerate(firsts) if first.abstract]
    bands = np.array([band_keys(shingles[i][1]) for i in with_text], dtype=np.uint64).reshape(-1, BANDS)
    candidates = [(with_text[a], with_text[b]) for a, b in lsh_candidates(bands)]
    records_of = [group.records for group in groups]
    clusters, links, apart = cluster_groups(records_of, texts, languages, ids, phrases, words, revised, overrides, pins, candidates)
    pre = clusters.groups()
    pre_ids = [clusters.ids[members[0]] for members in pre]
    translations: list[Link] = []
    if any(first.abstract and first.language != "en" for first in firsts):
        translations = merge(clusters, find_translations(records_of, pre, apart, work), texts, languages, apart)
    pre_of = {members[0]: number for number, members in enumerate(pre)}
    final = [tuple(pre_of[index] for index in members if index in pre_of) for members in clusters.groups()]
    links_of: dict[int, list[Link]] = {}
    for link in links + translations:  # a used link joins two groups of one cluster
        links_of.setdefault(clusters.find(link.a), []).append(link)
    made = [order_members(records_of, members, links_of.get(members[0], []), texts, clusters.ids[members[0]], frozen(*(phrases[i] for i in members)))
            for members in clusters.groups()]
    problems = unmatched_phrases(overrides, frozen(*phrases))
    return Clustered(groups, phrases, pre, links, pre_ids, final, translations, made, problems)


NO_TEXT = np.zeros(0, dtype=np.uint64)
"""The shingles of a group without an abstract."""


def bucket_of(record: Record) -> str:
    """A hash of what `group_exact` groups a record by: its text's fingerprint; for a record
    without one, its id (alone), else its title and link."""
    if record.abstract:
        return key_of("text", record.key)
    if record.ids:
        return key_of("alone", repr((record.source, sorted(record.ids), record.title)))
    return key_of("bare", fingerprint(record.title or ""), record.url or "")


def exact_groups(records: Iterable[Record]) -> list[ExactGroup]:
    """Every exact-group of these records, with its key, in rank order (`group_rank`)."""
    buckets: dict[str, list[Record]] = {}
    for record in records:
        buckets.setdefault(bucket_of(record), []).append(record)
    groups = [group for bucket in sorted(buckets) for group in bucket_groups(bucket, buckets[bucket])]
    return sorted(groups, key=group_rank)


def bucket_groups(bucket: str, records: Sequence[Record]) -> list[ExactGroup]:
    """The exact-groups of the records of one bucket (`bucket_of`), with their keys."""
    parts = group_exact(sorted(records, key=record_order))
    if len(parts) == 1:
        return [ExactGroup(bucket, bucket, tuple(parts[0]))]
    return [ExactGroup(key_of(bucket, part[0].arxiv or part[0].doi or ""), bucket, tuple(part)) for part in parts]


def group_rank(group: ExactGroup) -> tuple[object, ...]:
    """The order of groups: by their best record's `canonical_rank`, then key."""
    return (*canonical_rank(group.records[0]), group.key)


def group_title(records: Sequence[Record]) -> str | None:
    """A group's title: its first record's that has one."""
    return next((record.title for record in records if record.title), None)


def linking_phrases(overrides: Overrides | None, pins: Sequence[Pin]) -> set[str]:
    """The phrases (fingerprints) that link groups: duplicates.yml's, and those of the
    catalog's entries that give ids."""
    rules = overrides.rules if overrides else ()
    phrases = {fingerprint(phrase) for rule in rules for phrase in (rule.first, rule.second)} | {phrase for phrase, _, _ in pins}
    phrases.discard("")
    return phrases


def phrase_holders(phrases: Iterable[str], texts: Sequence[str]) -> list[frozenset[str]]:
    """For each text, the phrases it holds (one search of all texts a phrase)."""
    held: list[set[str]] = [set() for _ in texts]
    index = PhraseIndex(texts)
    for phrase in sorted(phrases):
        for at in index.holders(phrase):
            held[at].add(phrase)
    return [frozen(found) for found in held]


def unmatched_phrases(overrides: Overrides | None, held: frozenset[str]) -> list[Problem]:
    """duplicates.yml phrases that no record holds (`held`: every phrase some group holds)."""
    if not overrides:
        return []
    return [Problem(overrides.name, rule.line, "phrase matches no record", "warning", phrase, curated=True)
            for rule in overrides.rules for phrase in (rule.first, rule.second) if fingerprint(phrase) not in held]


def cluster_groups(
    groups: Sequence[Sequence[Record]], texts: Sequence[np.ndarray], languages: Sequence[str], ids: Sequence[frozenset[str]],
    phrases: Sequence[frozenset[str]], words: Sequence[tuple[str, ...]], revised: Sequence[Iterable[tuple[str, ...]]],
    overrides: Overrides | None, pins: Sequence[Pin],
    candidates: Iterable[tuple[int, int]], sizes: Callable[[tuple[str, ...]], int] | None = None,
) -> tuple[Clusters, list[Link], set[frozenset[int]]]:
    """Exact-groups (in rank order) joined into clusters by every link but translations:
    user overrides, identifiers, reworded and revised versions, titles, pinned ids. Returns
    the clusters, the links used (in the order applied) and the pairs kept apart.
    `phrases`: the overrides' and pins' phrases each group's text holds. `words` and
    `revised`: each group's first title as `title_words`, and its `title_buckets` (none
    without text), as the clustering keeps them.
    `candidates`: LSH candidate pairs; `sizes`: title bucket sizes of the whole list, when
    `groups` are part of it."""
    forced, apart, _ = overrides.resolve(phrases) if overrides else ([], set(), [])
    clusters = Clusters(len(groups), ids)
    used = merge(clusters, forced + identifier_links(ids), texts, languages, apart)
    titles = _title_sets(groups)
    textual = find_reworded(texts, languages, titles, candidates) + find_revised(groups, texts, languages, titles, revised, sizes)
    used += merge(clusters, textual, texts, languages, apart)
    used += merge(clusters, find_versions(groups, words, texts, languages, clusters), texts, languages, apart)
    used += merge(clusters, find_same_title(groups, words, clusters), texts, languages, apart)
    used += merge(clusters, pin_ids(clusters, phrases, ids, pins), texts, languages, apart)
    return clusters, used, apart


def pin_ids(clusters: Clusters, phrases: Sequence[frozenset[str]], ids: Sequence[frozenset[str]], pins: Sequence[Pin]) -> list[Link]:
    """Identifier links for ids the user gives a paper: the cluster whose text holds the
    phrase (only when exactly one does) takes the ids, and groups carrying them join it.
    `phrases`: the phrases each group's text holds."""
    if not pins:
        return []
    found: dict[str, list[int]] = {}  # phrase -> the roots of the clusters holding it, in order
    for root, members in clusters.members.items():
        for phrase in {phrase for g in members for phrase in phrases[g]}:
            found.setdefault(phrase, []).append(root)
    holders: dict[str, list[int]] = {}
    for index, keys in enumerate(ids):
        for key in keys:
            holders.setdefault(key, []).append(index)
    links = []
    for phrase, keys, where in pins:
        hits = found.get(phrase, [])
        if len(hits) != 1:
            continue
        root = hits[0]
        own = clusters.ids[root]
        if any(key.split(":")[0] == mine.split(":")[0] and key != mine for key in keys for mine in own):
            continue  # the records say otherwise; the catalog still names the paper
        clusters.add_ids(root, keys)
        for key in sorted(keys):
            for group in holders.get(key, []):
                links.append(Link(root, group, "identifier", 1.0, f"same {_id_name(key)} (given by {where})"))
    return links


def order_members(
    groups: Sequence[Sequence[Record]], indices: list[int], links: list[Link], texts: Sequence[np.ndarray],
    ids: frozenset[str] = frozenset(), phrases: frozenset[str] = frozenset(),
) -> Cluster:
    """A cluster from the exact-groups at `indices` and the links that joined them;
    canonical record first.

    Each member's score is its similarity to the canonical record: 1.0 for exact copies,
    shingle Jaccard for reworded ones, and for translations the score of the link that
    matched them (they share no words with the original)."""
    group_of = {id(record): index for index in indices for record in groups[index]}
    records = sorted((record for index in indices for record in groups[index]), key=canonical_rank)
    canonical = records[0]
    canonical_group = group_of[id(canonical)]
    members = [Member(canonical, "canonical", 1.0, "canonical record: " + _why_canonical(canonical))]
    in_cluster = set(indices)
    own_links = [l for l in links if l.a in in_cluster or l.b in in_cluster] if len(in_cluster) > 1 else []
    for record in records[1:]:
        group = group_of[id(record)]
        if group == canonical_group:
            members.append(Member(record, "exact", 1.0, "same text after normalising case, spacing and punctuation"))
            continue
        own = [l for l in own_links if group in (l.a, l.b)]
        direct = [l for l in own if canonical_group in (l.a, l.b)]
        link = max(direct or own, key=lambda l: (l.score, -l.a, -l.b))
        reason = link.reason if direct else f"{link.reason}, with another version of this paper"
        similarity = jaccard(texts[group], texts[canonical_group])[0] if len(texts[group]) and len(texts[canonical_group]) else 1.0
        if link.kind in ("forced", "identifier"):
            members.append(Member(record, link.kind, round(similarity, 3), reason))
        elif record.language != canonical.language:
            members.append(Member(record, "translation", round(link.score, 3), link.reason))
        else:
            members.append(Member(record, link.kind, round(similarity, 3), reason))
    return Cluster(tuple(members), ids, phrases)


def _why_canonical(record: Record) -> str:
    parts = ["English" if record.language == "en" else f"language {record.language} (no English version)"]
    have = [name for name, value in (("title", record.title), ("authors", record.authors), ("date", record.date)) if value]
    if have:
        parts.append("has " + ", ".join(have))
    return "; ".join(parts)
