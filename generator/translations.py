"""Translated duplicates: match each non-English abstract to the English paper it translates.

Two independent offline signals must agree (calibration in `tests/language_eval.py` and
`tests/dedupe_eval.py`, figures in the README); the encoder never decides alone:

1. the lexical route, which ranks candidate papers: TF-IDF cosine between the translation
   and every English abstract over
   - English stems: of Chinese words, Japanese kanji words and Korean Sino-Korean words
     through CC-CEDICT glosses (`crosslingual`),
   - cognates: accent-folded spellings of Latin-script languages, and the consonants of
     Japanese and Korean loanwords (`cognates`),
   - anchors: numbers, acronyms and model names kept verbatim, at a quarter weight;
2. a multilingual sentence encoder (`encoder`) re-scores the lexical route's best candidates.

A match needs either
- the encoder's best to be the lexical route's best, and the lexical best to lead the next
  paper by a margin that is wider the lower the encoder's cosine (`LEADS`); or
- the encoder's best to be one of the lexical route's candidates, scored lexically close to
  its best, and the encoder to be sure: a high cosine, well ahead of the other candidates
  (`SURE`). This finds translations whose words the lexical route reads poorly (Japanese
  written in kana, whose words CC-CEDICT does not gloss).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .cognates import kind_of
from .crosslingual import Space
from .model import Link, Record
from .work import Work

CANDIDATES = 5
"""Papers the encoder re-scores for each foreign abstract."""
LEADS = ((0.85, 1.05), (0.76, 1.2), (0.70, 1.5))
"""(encoder cosine at least, lexical lead at least): the lead the lexical route's best must
have over the next paper, for the encoder's cosine. On the 380 labelled translations of
tests/language_eval.py, a wrong best paper reached a cosine of 0.72 at most (lead 1.1);
true pairs led by about 2.5 (median), and the few that led by less than 1.2 had cosines of
0.85 or more."""


SURE = (0.78, 0.18, 0.7)
"""(encoder cosine at least, its lead over the next candidate's cosine at least, the pick's
lexical score at least this share of the lexical best). On tests/language_eval.py's 380
translations, the encoder's pick was wrong 103 times, with cosines up to 0.743 and leads up
to 0.145 (measured before Korean words were glossed, `crosslingual.korean_terms`). The rule
adds 3 Japanese and 1 Korean match, all right."""


def agree(cosine: float, lead: float) -> bool:
    """Whether the encoder's cosine and the lexical route's lead together make a match
    (the encoder has already picked the lexical route's best paper)."""
    return any(cosine >= floor and lead >= needed for floor, needed in LEADS)


def find_translations(
    groups: Sequence[Sequence[Record]], clusters: list[list[int]], apart: set[frozenset[int]], work: Work
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
    english_terms = work.terms([(groups[i][0].abstract, "en") for i in english])
    foreign_terms = work.terms([(groups[i][0].abstract, groups[i][0].language) for i in foreign])
    words = Space([t.words for t in english_terms + foreign_terms])
    anchors = Space([t.anchors for t in english_terms + foreign_terms])
    scores = (words.matrix([t.words for t in foreign_terms]) @ words.matrix([t.words for t in english_terms]).T).toarray()
    scores += 0.25 * (anchors.matrix([t.anchors for t in foreign_terms]) @ anchors.matrix([t.anchors for t in english_terms]).T).toarray()
    for kind in sorted({kind_of(groups[i][0].language) for i in foreign} - {""}):
        # Cognates, only of the kinds the foreign abstracts need (English ones cost 0.1 ms each).
        rows = [row for row, i in enumerate(foreign) if kind_of(groups[i][0].language) == kind]
        english_cognates = work.cognates([(groups[i][0].abstract, "en") for i in english], kind)
        foreign_cognates = work.cognates([(groups[foreign[row]][0].abstract, groups[foreign[row]][0].language) for row in rows], kind)
        space = Space(english_cognates + foreign_cognates)
        scores[rows] += (space.matrix(foreign_cognates) @ space.matrix(english_cognates).T).toarray()
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
        vectors = work.embeddings([groups[group][0].abstract] + [groups[g][0].abstract for _, g in ranked])
        cosines = vectors[1:] @ vectors[0]
        top = int(np.argmax(cosines))
        runner_up = float(np.max(np.delete(cosines, top)))
        cosine = float(cosines[top])
        score, paper = ranked[top]
        sure = cosine >= SURE[0] and cosine - runner_up >= SURE[1] and score >= SURE[2] * ranked[0][0]
        if not (sure or (top == 0 and agree(cosine, lead))):
            continue
        lexical = f"{lead:.1f}x the next paper" if top == 0 else f"{score / ranked[0][0]:.2f} of the best paper's"
        links.append(Link(
            group, paper, "translation", cosine,
            f"encoder cosine {cosine:.2f} (next paper {runner_up:.2f}); "
            f"{'dictionary' if groups[group][0].language == 'zh' else 'lexical'} score {score:.2f}, {lexical}",
        ))
    return links
