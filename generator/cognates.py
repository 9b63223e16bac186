"""Cognates: what a translation keeps of its original's words without a dictionary.

Two kinds of evidence, both independent of the sentence encoder:

- spelling: once accents are folded, Spanish "evaluación", French "modèles" and German
  "Sprachmodelle" contain the first five letters of English "evaluation" and "models"
  (an English word gives its first five letters; a word of another language every run of
  five, so a compound's parts are found too);
- sound: a Japanese or Korean loanword transcribes the English word's consonants.
  アシスタント and 어시스턴트 both reduce to the skeleton S-T-N-T of "assistant"; so do
  トランスフォーマー, 트랜스포머 and "transformer" (T-L-N-S-P-M).

A skeleton keeps consonant classes only (k/g, s/z/j/ch/sh, t/d, p/b/f/v, m, n, l/r), drops
vowels, h, w and y, and merges repeats, which is about the resolution at which a loanword
survives transcription. Skeletons shorter than three classes are too common to count.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from .text import fold

CLASSES = {
    **dict.fromkeys("kgcq", "K"), **dict.fromkeys("szj", "S"), **dict.fromkeys("td", "T"),
    **dict.fromkeys("pbfv", "P"), "m": "M", "n": "N", **dict.fromkeys("lr", "L"),
}
MIN_SKELETON = 3
GRAM = 5

_ENGLISH_SPELLING = [(re.compile(pattern), sound) for pattern, sound in [
    (r"[ts]ion", "sn"), (r"ph", "f"), (r"th", "t"), (r"sh|ch", "s"), (r"ck|qu", "k"), (r"x", "ks"),
    (r"c(?=[eiy])", "s"), (r"g(?=[eiy])", "j"), (r"(.)\1", r"\1"), (r"r(?![aeiouy])", ""),
]]
"""English spelling to sound, as far as loanwords tell: "-tion" is "shon", "ph" is "f", a soft
c or g before e, i or y, doubled letters are single, and r before a consonant is silent."""

_KANA = {
    kana: consonant
    for row, consonant in [
        ("アイウエオ", ""), ("カキクケコ", "k"), ("ガギグゲゴ", "g"), ("サシスセソ", "s"), ("ザジズゼゾ", "z"),
        ("タテト", "t"), ("チツ", "s"), ("ダデド", "d"), ("ヂヅ", "z"), ("ナニヌネノ", "n"), ("ハヒヘホ", ""),
        ("フ", "f"), ("バビブベボ", "b"), ("パピプペポ", "p"), ("マミムメモ", "m"), ("ヤユヨ", ""),
        ("ラリルレロ", "r"), ("ワヲ", ""), ("ン", "n"), ("ヴ", "v"),
    ]
    for kana in row
}
"""Katakana to its consonant; small kana, ッ and ー add none."""

_HANGUL_INITIAL = ["k", "k", "n", "t", "t", "l", "m", "p", "p", "s", "s", "", "s", "s", "s", "k", "t", "p", ""]
_HANGUL_FINAL = ["", "k", "k", "ks", "n", "ns", "n", "t", "l", "lk", "lm", "lp", "ls", "lt", "lp", "l", "m", "p", "ps",
                 "t", "t", "nk", "t", "t", "k", "t", "p", ""]
"""A Hangul syllable's consonants, by the Unicode order of its initial (19) and final (28)
jamo. A final ㅅ is a "t" in loanwords (로봇, robot); a final ㅇ is "ng"."""

_LATIN_WORD = re.compile(r"[^\W\d_]+")
_ASCII_PREFIX = re.compile(rf"([a-z]{{{GRAM}}})[a-z]*")
"""The first GRAM letters of each word of GRAM letters or more, in casefolded ASCII text
(where a letter is a-z): what `_english_word` gives for spelling, 3 times as fast."""
_KATAKANA_WORD = re.compile(r"[\u30a1-\u30fa\u30fc]+")
_HANGUL_WORD = re.compile(r"[\uac00-\ud7a3]+")


def skeleton(letters: str) -> str:
    classes = [CLASSES[c] for c in letters if c in CLASSES]
    merged = "".join(c for i, c in enumerate(classes) if i == 0 or c != classes[i - 1])
    return merged.replace("NP", "MP")  # "input" and インプット: n before p is m


def english_sound(word: str) -> str:
    word = word.casefold()
    for pattern, sound in _ENGLISH_SPELLING:
        word = pattern.sub(sound, word)
    return skeleton(word)


def katakana_sound(word: str) -> str:
    return skeleton("".join(_KANA.get(kana, "") for kana in word))


def hangul_sound(word: str) -> str:
    letters = []
    for syllable in word:
        code = ord(syllable) - 0xAC00
        if 0 <= code < 11172:
            letters.append(_HANGUL_INITIAL[code // 588] + _HANGUL_FINAL[code % 28])
    return skeleton("".join(letters))


def kind_of(language: str) -> str:
    """What a language shares with English: "sound" (Japanese and Korean loanwords),
    "spelling" (other scripts' words, folded), or nothing (Chinese: the dictionary does)."""
    return "sound" if language in ("ja", "ko") else "" if language == "zh" else "spelling"


@lru_cache(maxsize=500_000)
def _english_word(word: str, kind: str) -> str:
    """An English word's feature of one kind ("" for none); words repeat, so computed once each."""
    if kind == "spelling":
        return word[:GRAM] if len(word) >= GRAM else ""
    sound = english_sound(word)
    return sound if len(sound) >= MIN_SKELETON else ""


def cognates(text: str, language: str, kind: str) -> Counter[str]:
    """A text's features of one kind (see `kind_of`): English offers both kinds, so a text
    of any language can meet it."""
    found: Counter[str] = Counter()
    if language == "en" and kind == "spelling" and text.isascii():
        found.update(_ASCII_PREFIX.findall(text.casefold()))
    elif language == "en":
        found.update(_english_word(word, kind) for word in _LATIN_WORD.findall(fold(text.casefold())) if word.isascii())
        del found[""]
    elif kind == "sound" and language == "ja":
        found.update(katakana_sound(word) for word in _KATAKANA_WORD.findall(text))
    elif kind == "sound" and language == "ko":
        # Particles are written onto the word (모델은, 데이터를): the word without its last
        # one or two syllables counts too, at less weight.
        for word in _HANGUL_WORD.findall(text):
            for cut in range(min(3, len(word) - 1)):
                found[hangul_sound(word[: len(word) - cut])] += 1 / (1 + cut)
    elif kind == "spelling":
        for word in _LATIN_WORD.findall(fold(text.casefold())):
            if word.isascii():
                found.update(word[i: i + GRAM] for i in range(len(word) - GRAM + 1))
    if kind == "sound":
        for short in [key for key in found if len(key) < MIN_SKELETON]:
            del found[short]
    return found
