"""Full-text search over every paper: an inverted index in small script files, for the hosted
site and the offline build alike.

Material's own search builds a lunr index in the browser from one JSON file on every page
load, which takes seconds past a few thousand papers. This index is built once, when the site
is built, from the generator's papers.json (`writer.write_search_index`, run by the MkDocs
hooks in another process while the pages render, see `site_search`), and split so that a
query loads only what it needs:

- `search/papers/index.js`: the manifest (sizes, bucket counts, URL style, stop words);
- `search/papers/d/<n>.js`: the dictionary, every indexed word form -> its term, in buckets by the
  form's first two characters, so all completions of a typed prefix are in one file;
- `search/papers/p/<n>.js`, `p/t<term>.js`: postings, each term's papers with a quantised
  BM25 weight (title words count three times, authors and ids twice); a frequent term has
  a file of its own;
- `search/papers/m/<n>.js`: URL, title, authors, year and the start of the abstract of a block
  of papers, to show results.

Each file is a script calling `__rl(name, data)`: the worker loads it with importScripts
from disk (file://, where browsers refuse fetch) or fetches it over HTTP, where it is cached
like any script, so later page loads reuse what earlier ones fetched.

Words are NFKC, lower case, accents folded (`adulación` finds `adulacion`), English
Snowball stems (the dictionary maps each form to its stem's term, so the browser needs no
stemmer). Chinese, Japanese and Korean runs become character unigrams and bigrams, so a
word inside an unspaced abstract is found without a segmenter. `search-worker.js` is the
same tokenizer in the browser; `tests/test_search.py` checks that the two agree.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .crosslingual import stem
from .text import fold

VERSION = 1
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUN = re.compile(rf"([{CJK}]+)|([^\W_{CJK}]+)")
STOPWORDS = frozenset(
    "a an and are as at be by for from has have in is it its of on or that the their this to was we were which with".split()
)
"""Words in nearly every abstract: their postings would be the largest files and rank nothing."""
WEIGHTS = {"title": 3, "authors": 2, "ids": 2, "abstract": 1}
K1, B = 1.2, 0.75
IMPACT_SCALE = 63 / 25
"""BM25 weights above 25 (a rare word, repeated, in a short text) are rare: they share the top level."""
BUCKET_BYTES = 12_000
"""Target size of a dictionary or postings file: a few kB once gzipped, one request each."""
META_BLOCK = 32
TEASER_CHARS = 160
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


@dataclass(frozen=True)
class Document:
    """One paper as the index sees it."""

    slug: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    ids: tuple[str, ...]
    texts: tuple[str, ...]
    """Its abstracts: the canonical one first, then other versions and translations."""


def forms(text: str) -> list[str]:
    """The word forms of a text as the index (and the browser) cut them."""
    text = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for match in _RUN.finditer(text):
        run = match[1]
        if run:
            out.extend(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            word = fold(match[2])
            if word and word not in STOPWORDS:
                out.append(word)
    return out


def term_of(form: str) -> str:
    """The term a word form is indexed under: its English stem for Latin letters, else itself."""
    if form.isascii() and form.isalpha() and len(form) > 2:
        return stem(form)
    return form


def bucket(form: str, buckets: int) -> int:
    """FNV-1a over the form's first two UTF-16 code units (JavaScript's `slice(0, 2)`),
    modulo the number of buckets."""
    h = 0x811C9DC5
    units = form.encode("utf-16-le")[:4]
    for i in range(0, len(units), 2):
        h = ((h ^ (units[i] | units[i + 1] << 8)) * 0x01000193) & 0xFFFFFFFF
    return h % buckets


def encode_postings(postings: Sequence[tuple[int, int]]) -> str:
    """(doc, impact) pairs sorted by doc as text: each doc's gap from the last as 5-bit
    groups (a character 32-63 means more groups follow), then its impact (1-63)."""
    out, last = [], 0
    for doc, impact in postings:
        gap = doc - last
        last = doc
        groups = []
        while True:
            groups.append(gap & 31)
            gap >>= 5
            if not gap:
                break
        for i, group in enumerate(reversed(groups)):
            out.append(ALPHABET[group + (32 if i < len(groups) - 1 else 0)])
        out.append(ALPHABET[impact])
    return "".join(out)


def documents(papers: Iterable[dict[str, object]]) -> list[Document]:
    """Index documents from papers.json records, in slug order."""
    result = []
    for paper in sorted(papers, key=lambda p: str(p["slug"])):
        texts = [str(paper.get("abstract") or "")]
        for source in paper.get("sources", []):  # type: ignore[union-attr]
            text = str(source.get("abstract") or "")
            if text and text not in texts:
                texts.append(text)
        ids = tuple(str(paper[k]) for k in ("arxiv", "doi") if paper.get(k))
        result.append(Document(str(paper["slug"]), str(paper["title"]), tuple(paper.get("authors") or ()),  # type: ignore[arg-type]
                               paper.get("year") if isinstance(paper.get("year"), int) else None, ids, tuple(t for t in texts if t)))
    return result


def _js(name: str, data: object) -> str:
    return f"__rl({json.dumps(name)},{json.dumps(data, ensure_ascii=False, separators=(',', ':'))});\n"


def build_index(docs: Sequence[Document], directory_urls: bool) -> dict[str, str]:
    """Every file of the index, by path under `search/`."""
    term_ids: dict[str, int] = {}
    form_terms: dict[str, str] = {}
    counts: list[Counter[str]] = []
    lengths: list[float] = []
    for doc in docs:
        weighted: Counter[str] = Counter()
        fields = {"title": [doc.title], "authors": list(doc.authors), "ids": list(doc.ids), "abstract": list(doc.texts)}
        for field, texts in fields.items():
            for text in texts:
                for form in forms(text):
                    term = form_terms.get(form)
                    if term is None:
                        term = form_terms[form] = term_of(form)
                    weighted[term] += WEIGHTS[field]
        counts.append(weighted)
        lengths.append(sum(weighted.values()))
    average = (sum(lengths) / len(lengths)) if lengths else 1.0
    df: Counter[str] = Counter()
    for weighted in counts:
        df.update(weighted.keys())
    for term in sorted(df):
        term_ids[term] = len(term_ids)
    postings: list[list[tuple[int, int]]] = [[] for _ in term_ids]
    n = len(docs)
    for doc_id, weighted in enumerate(counts):
        norm = K1 * (1 - B + B * lengths[doc_id] / average)
        for term, tf in weighted.items():
            idf = math.log(1 + (n - df[term] + 0.5) / (df[term] + 0.5))
            impact = idf * tf * (K1 + 1) / (tf + norm)
            postings[term_ids[term]].append((doc_id, max(1, min(63, round(impact * IMPACT_SCALE)))))
    encoded = [encode_postings(p) for p in postings]

    files: dict[str, str] = {}
    own = {term for term, text in enumerate(encoded) if len(text) > BUCKET_BYTES}
    small = sum(len(text) + 8 for term, text in enumerate(encoded) if term not in own)
    posting_buckets = max(1, math.ceil(small / BUCKET_BYTES))
    grouped: dict[int, dict[str, str]] = {}
    for term, text in enumerate(encoded):
        if term in own:
            files[f"p/t{term}.js"] = _js(f"p/t{term}", {str(term): text})
        else:
            grouped.setdefault(term % posting_buckets, {})[str(term)] = text
    for number, terms in grouped.items():
        files[f"p/{number}.js"] = _js(f"p/{number}", terms)

    entries = sorted(form_terms.items())
    dictionary_buckets = max(1, math.ceil(sum(len(f) + 8 for f, _ in entries) / BUCKET_BYTES))
    lines: dict[int, list[str]] = {}
    for form, term in entries:
        number = term_ids[term]
        lines.setdefault(bucket(form, dictionary_buckets), []).append(f"{form}\t{'!' if number in own else ''}{number}")
    for number, items in lines.items():
        files[f"d/{number}.js"] = _js(f"d/{number}", "\n".join(items))

    for start in range(0, n, META_BLOCK):
        block = []
        for doc in docs[start : start + META_BLOCK]:
            teaser = doc.texts[0] if doc.texts else ""
            if len(teaser) > TEASER_CHARS:
                teaser = teaser[: teaser.rfind(" ", 0, TEASER_CHARS) if " " in teaser[:TEASER_CHARS] else TEASER_CHARS] + " …"
            authors = ", ".join(doc.authors[:3]) + (" et al." if len(doc.authors) > 3 else "")
            block.append([doc.slug, doc.title, authors, doc.year or "", teaser])
        files[f"m/{start // META_BLOCK}.js"] = _js(f"m/{start // META_BLOCK}", block)

    manifest = {
        "version": VERSION, "documents": n, "dictionary": dictionary_buckets, "postings": posting_buckets,
        "meta": META_BLOCK, "urls": "dir" if directory_urls else "html", "stopwords": sorted(STOPWORDS),
    }
    files["index.js"] = _js("index", manifest)
    return files
