"""Papers -> pages: Markdown text for every generated page (a paper page the cache knows as
its digest, see `writer.KnownPage`), and what the pages of the last build showed of each
paper (`Rendering`), so that an edit renders again only what it changed.

Scraped text is untrusted. MkDocs' Jinja does not autoescape and Markdown passes raw HTML
through, so every piece of scraped text goes through `md_escape` (HTML entities plus
backslash escapes for Markdown syntax) before it reaches a page, and front matter strings
that themes print (the title) are HTML-escaped too.
"""

from __future__ import annotations

import difflib
import functools
import itertools
import html
import marshal
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup, escape

from . import arxiv, cache
from .cache import key_of
from .exports import (FEED_ENTRIES, PAPERS_JSON, atom_feed, bibtex, citation_base, compress_blocks, export_names, large, json_text,
                      numbered, paper_json, papers_bib, papers_json, source_record)
from .model import Paper, Problem, Record, compact, evolve, group_problems
from .redirects import paper_keys
from .tables import Chunked, SetTable, Table
from .parallel import parallel_map
from .text import latex_to_text
from .topics import Taxonomy
from .writer import KnownPage, Page, claim_new, create, page_digest

SITE_NAME = "AI Safety Reading List"
LANGUAGE_NAMES = {
    "ar": "Arabic", "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "fr": "French", "he": "Hebrew",
    "it": "Italian", "ja": "Japanese", "ko": "Korean", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian",
    "th": "Thai", "tr": "Turkish", "zh": "Chinese",
}
UNSEARCHED = {"search": {"exclude": True}}
"""Front matter that keeps a listing page out of the search index: a search should land on
the paper, not on every list that repeats its title and first sentence."""

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
"""Python-Markdown's escapable characters (with the tables extension). Others must not be
escaped: a backslash before them would show."""
_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]{1,300}?)(?<![\s\\])\$(?!\d)")


def md_escape(text: str) -> str:
    """Text that Markdown and HTML show literally, whatever it contains."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text, quote=True))


def render_math(text: str) -> Markup:
    """HTML-escaped text with each `$...$` turned into MathML, so no script or CDN is
    needed. For raw HTML only (see `abstract_html`): it has no Markdown escapes.

    A formula that cannot be converted safely is shown as plain text (`latex_to_text`).
    """
    if "$" not in text:
        return Markup(html.escape(text))
    parts, end = [], 0
    for match in _MATH.finditer(text):
        mathml = safe_mathml(match[1])
        parts.append(html.escape(text[end : match.start()]))
        parts.append(mathml if mathml is not None else html.escape(latex_to_text(match[0])))
        end = match.end()
    parts.append(html.escape(text[end:]))
    return Markup("".join(parts))


MATHML = "http://www.w3.org/1998/Math/MathML"
_MATHML_TAGS = frozenset(
    "math mrow mi mn mo ms mtext mspace msup msub msubsup mfrac msqrt mroot mover munder "
    "munderover mstyle mtable mtr mtd mpadded mphantom menclose merror semantics".split()
)
_MATHML_ATTRIBUTES = frozenset(
    "xmlns display mathvariant stretchy fence separator lspace rspace linethickness columnalign "
    "rowalign width height depth accent accentunder minsize maxsize movablelimits form symmetric "
    "largeop notation rowspacing columnspacing displaystyle scriptlevel columnlines rowlines frame "
    "bevelled".split()
)


def safe_mathml(latex: str) -> str | None:
    """MathML for a LaTeX formula, or None when it cannot be made safely.

    latex2mathml does not escape text: `\\texttt{<script>...}` comes out as a live script
    element, and `\\href{javascript:...}` as a link. So its output is parsed as XML and
    kept only if every element is a MathML element and every attribute a presentation
    attribute; it is then serialised again, which escapes all text (and writes `<mi></mi>`,
    not `<mi />`, which HTML parsers such as Material's search indexer misread)."""
    try:
        # Angle brackets in text commands (`\\texttt{<think>}`) stand in as look-alikes
        # during conversion, and come back escaped.
        tree = ET.fromstring(latex_to_mathml(latex.replace("<", "\uff1c").replace(">", "\uff1e")))
    except Exception:  # latex2mathml and the XML parser raise many kinds; the caller shows text
        return None
    for element in tree.iter():
        namespace, _, tag = element.tag.rpartition("}")
        if namespace != "{" + MATHML or tag not in _MATHML_TAGS or not set(element.attrib) <= _MATHML_ATTRIBUTES:
            return None
        element.tag = tag  # serialise without prefixes (ElementTree's prefix registry is global)
    tree.set("xmlns", MATHML)
    mathml = ET.tostring(tree, encoding="unicode", short_empty_elements=False)
    return mathml.replace("\uff1c", "&lt;").replace("\uff1e", "&gt;")


def abstract_html(text: str) -> Markup:
    """An abstract as a raw HTML paragraph: Markdown leaves it alone, so it needs no
    Markdown escapes and math at its start cannot turn it into something else."""
    return Markup(f'<p class="abstract">{render_math(text)}</p>')


def word_diff(old: str, new: str) -> Markup:
    """Word-level diff of two versions as HTML (for a raw HTML block, so no Markdown
    escapes): removed words in <del>, added words in <ins>."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{html.escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{html.escape(' '.join(b[j1:j2]))}</ins>")
    return Markup(" ".join(out))


def _finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Markup) or isinstance(value, (int, float)):
        return value
    return md_escape(str(value))


_TEMPLATES = dict(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
"""What the Markdown (`_ENV`) and the HTML (`_HTML`) environments share. Templates are the
generator's code, loaded once: checking each one's file time before every use cost 0.6 s of
the 10 s that 35,000 paper pages took to render (py-spy)."""
_ENV = Environment(finalize=_finalize, **_TEMPLATES)


def front_matter(data: dict[str, object]) -> str:
    """YAML front matter, keys in the given order, Unicode kept.

    Values are written in JSON syntax, which is YAML too: every string is double-quoted
    and escaped, so no scraped title can turn into YAML syntax (`: `, `&anchor`,
    `!!python/object`), and it is four times faster than PyYAML's dumper. A list of
    mappings (sources) gets one item a line."""
    lines = ["---"]
    for key, value in data.items():
        if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            lines.append(f"{key}:")
            lines += [f"- {json_text(item)}" for item in value]
        else:
            lines.append(f"{key}: {json_text(value)}")
    return _yaml_printable("\n".join(lines)) + "\n---\n\n"


_NOT_YAML_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _yaml_printable(text: str) -> str:
    """JSON text that a YAML reader reads back unchanged: characters YAML forbids in a
    stream (C1 controls, lone surrogates, U+FFFE) or reads as line breaks (U+0085, U+2028,
    U+2029) are written as escapes, which JSON allows (they occur only in strings)."""
    if text.isascii() and "\x7f" not in text:
        return text
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def paper_front_matter(paper: Paper, taxonomy: Taxonomy) -> dict[str, object]:
    names = {topic.slug: topic.name for topic in taxonomy.topics}
    return {
        "title": html.escape(paper.title, quote=False),
        "authors": [html.escape(a, quote=False) for a in paper.authors],
        "date": paper.date,
        "year": paper.year,
        "language": paper.language,
        "topics": list(paper.topics),
        "tags": [html.escape(names[slug], quote=False) for slug in paper.topics],
        "category": paper.category,
        "arxiv": paper.arxiv,
        "doi": paper.doi,
        "url": paper.url,
        "title_derived": paper.title_derived,
        "machine_translated": paper.machine_translated,
        "template": "paper.html",
        "body": "html",
        "search": {"exclude": True},
        "sources": [source_record(m) for m in paper.cluster.members],
    }


def code_block(text: str, language: str) -> Markup:
    """A code block as raw HTML, not highlighted: Material gives it a copy button all the
    same, Pygments cost 5 % of the site build, and its colours for BibTeX field names
    failed WCAG contrast (4.47:1)."""
    return Markup(f'<pre><code class="language-{language}">{html.escape(text.rstrip())}</code></pre>')


MERGE_KINDS = {
    "identifier": ("by identifier", "by identifier"),
    "exact": ("exact copy", "exact copies"),
    "reworded": ("reworded version", "reworded versions"),
    "revised": ("revised version", "revised versions"),
    "title": ("by title alone", "by title alone"),
    "translation": ("translation", "translations"),
    "forced": ("forced by duplicates.yml", "forced by duplicates.yml"),
}


def merge_counts(kinds: Counter[str]) -> str:
    """`8 records: 5 exact copies, 1 forced by duplicates.yml, 2 translations`: every kind
    that occurs, so the parts add up to the total."""
    parts = [f"{kinds[kind]} {one if kinds[kind] == 1 else many}" for kind, (one, many) in MERGE_KINDS.items() if kinds[kind]]
    parts += [f"{count} {kind}" for kind, count in sorted(kinds.items()) if kind not in MERGE_KINDS and count]
    total = sum(kinds.values())
    return f"{total} record{'s' if total != 1 else ''}" + (": " + ", ".join(parts) if parts else "")


def paper_links(paper: Paper) -> list[tuple[str, str]]:
    """(text, URL) of a paper's outside links: arXiv and its PDF, the DOI, its web page."""
    links = []
    if paper.arxiv:
        links += [(f"arXiv:{paper.arxiv}", f"https://arxiv.org/abs/{paper.arxiv}"), ("PDF", f"https://arxiv.org/pdf/{paper.arxiv}")]
    if paper.doi:
        links.append((f"DOI {paper.doi}", f"https://doi.org/{_url(paper.doi)}"))
    if paper.url and not paper.arxiv and paper.url.startswith(("http://", "https://")):
        links.append(("Web page", paper.url.replace(" ", "%20")))
    return links


def _url(value: str) -> str:
    """A URL safe inside Markdown link parentheses and HTML attributes."""
    return html.escape(value, quote=True).replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def paper_key(paper: Paper) -> str:
    """A hash of everything a paper's outputs show but its related papers (see
    `render_pages`). The abstracts are hashed as they are, the rest as one `marshal` dump
    of plain values (version 2: no back-references, so the same values give the same
    bytes), with `repr` for a value marshal does not take: half the time of the `repr` of
    it all (0.11 s for 6,800 papers against 0.20 s)."""
    members = paper.cluster.members
    rest = ((paper.slug, paper.title, paper.title_derived, paper.authors, paper.date, paper.year, paper.language, paper.topics,
             paper.affiliations, paper.category, paper.arxiv, paper.doi, paper.url, paper.notes, paper.machine_translated),
            tuple((m.kind, m.score, m.reason, m.record.source.file, m.record.source.line, m.record.source.format, m.record.language)
                  for m in members),
            tuple(sorted(paper.cluster.ids)))
    try:
        dumped = b"m" + marshal.dumps(rest, 2)
    except ValueError:  # a subclass of a plain type (numpy's float64), or another type
        dumped = b"r" + repr(rest).encode("utf-8", "surrogatepass")
    return key_of(dumped, paper.abstract, *(m.record.abstract for m in members))


def render_paper(paper: Paper, taxonomy: Taxonomy, key: str) -> str:
    return front_matter(paper_front_matter(paper, taxonomy)) + paper_body(paper, code_block(bibtex(paper, key), "bibtex"))


def paper_body(paper: Paper, cite: Markup) -> str:
    """A paper page's body, pre-rendered HTML: every value is HTML-escaped (`escape`) unless
    it is HTML already. MkDocs passes it through untouched (see `mkdocs_hooks`), resolving
    the `.md` links as it would in Markdown. No heading: Material prints the title from the
    front matter, and the page has no table of contents. Python, not a Jinja template: the
    same bytes, in a third of the time (the corpus' 35,012 pages, py-spy in one process:
    the template 4.9 s, this 1.7 s)."""
    members = paper.cluster.members
    language_name = escape(LANGUAGE_NAMES.get(paper.language, paper.language))
    out: list[str] = []
    add = out.append
    if paper.authors:
        affiliations = f" · {escape(', '.join(paper.affiliations))}" if paper.affiliations else ""
        add(f'<p class="paper-meta"><strong>Authors:</strong> {escape(", ".join(paper.authors))}{affiliations}</p>\n')
    if paper.date:
        when = f"<strong>Date:</strong> {escape(paper.date)}"
    elif paper.year:
        when = f"<strong>Year:</strong> {escape(paper.year)}"
    else:
        when = "<strong>Date:</strong> unknown"
    if paper.category:
        name = arxiv.category_name(paper.category)
        when += f" · <strong>Category:</strong> {escape(paper.category)}" + (f" ({escape(name)})" if name else "")
    add(f'<p class="paper-meta">{when}</p>\n')
    links = paper_links(paper)
    if links:
        add('<p class="paper-meta"><strong>Links:</strong> ' + " · ".join(f'<a href="{escape(href)}">{escape(text)}</a>' for text, href in links) + "</p>\n")
    if paper.title_derived:
        made_from = "the first sentence of the abstract" if paper.abstract else "its id"
        add('<div class="admonition warning"><p class="admonition-title">Title derived from the abstract</p><p>Nobody has described this paper '
            f"yet: its title was made from {made_from}. Add it to <code>catalog.yml</code> to give it its real title and authors. "
            'See <a href="../needs-metadata.md">Needs metadata</a>.</p></div>\n')
    if paper.machine_translated:
        add('<div class="admonition info"><p class="admonition-title">Machine translation</p><p>The only abstract we have of this paper is a '
            f"machine translation ({language_name}), shown as found.</p></div>\n")
    elif paper.abstract and paper.language != "en":
        add('<div class="admonition info"><p class="admonition-title">Not in English</p><p>The only abstract we have of this paper is in '
            f"{language_name}: no English version was found among the seed files.</p></div>\n")
    if paper.abstract:
        add(f'<h2 id="abstract">Abstract</h2>\n{abstract_html(paper.abstract)}\n')
    else:
        add('<div class="admonition note"><p class="admonition-title">No abstract yet</p><p>This paper is known from its title and links only '
            "(a link list, or a bibliography entry without an abstract). A seed file that brings its abstract with the same arXiv id or DOI "
            'joins this page. See <a href="../needs-metadata.md">Needs metadata</a>.</p></div>\n')
    if paper.notes:
        add(f"<p><strong>Notes:</strong> {escape(paper.notes)}</p>\n")
    add(f'<h2 id="cite">Cite</h2>\n{cite}\n')
    if paper.related:
        add('<h2 id="related-papers">Related papers</h2>\n<ul>\n')
        out += [f'<li><a href="{escape(r.slug)}.md">{escape(r.title)}</a> ({r.score:.2f})</li>\n' for r in paper.related]
        add("</ul>\n")
    add('<h2 id="sources">Sources</h2>\n')
    if len(members) == 1:
        record = members[0].record
        add(f"<p>From {escape(record.source.file)}, line {record.source.line} ({escape(record.source.format)}, {escape(record.language)}): "
            "the only record of this paper.</p>\n")
    else:
        add(f"<p>This page stands for {len(members)} records of the seed files.</p>\n<table>\n"
            "<thead><tr><th>Kind</th><th>Score</th><th>File</th><th>Line</th><th>Format</th><th>Language</th></tr></thead>\n<tbody>\n")
        out += [f"<tr><td>{escape(m.kind)}</td><td>{m.score:.3f}</td><td>{escape(m.record.source.file)}</td><td>{m.record.source.line}</td>"
                f"<td>{escape(m.record.source.format)}</td><td>{escape(m.record.language)}</td></tr>\n" for m in members]
        add("</tbody>\n</table>\n")
    out += [f'<p class="paper-meta">Language of {_where(m.record)}: {escape(m.record.language)} ({escape(m.record.language_reason)}).</p>\n'
            for m in members if m.record.language_reason]
    canonical = members[0].record
    others = [m for m in members[1:] if m.record.abstract and m.kind not in ("exact", "canonical") and m.record.key != canonical.key]
    if others:
        add('<h2 id="other-versions">Other versions</h2>\n')
    for m in others:
        where = _where(m.record)
        if m.kind == "translation" or m.record.language != paper.language:
            add(f'<details class="note"><summary>Translation ({escape(m.record.language)}), score {m.score:.3f}</summary>'
                f"<p>{where}. {escape(m.reason)}.</p>{abstract_html(m.record.abstract)}</details>\n")
        else:
            add(f"<p><strong>{escape(m.kind.capitalize())}</strong> ({where}, score {m.score:.3f}): {escape(m.reason)}. Differences from the "
                "abstract above, <del>removed</del> and <ins>added</ins>:</p>\n"
                f'<blockquote class="diff">{word_diff(paper.abstract, m.record.abstract)}</blockquote>\n')
    return "".join(out)


def _where(record: Record) -> str:
    return f"{escape(record.source.file)}, line {record.source.line}"


@compact
@dataclass(frozen=True)
class Listed:
    """What the index pages show of a paper, and where it is in them: kept between builds
    (a row each, see `tables`), so that an edit renders again only the papers it changed."""

    title: str
    topics: tuple[str, ...]
    sort_date: str
    """What topic pages sort by (date, else year)."""
    feed_date: str | None
    """What the feed sorts by; None for a paper with neither date nor year."""
    derived: bool
    abstractless: bool
    duplicated: bool
    """More than one record: a part of the duplicates page."""
    kinds: tuple[str, ...]
    """How its records but the canonical one were merged."""
    foreign: int
    """Its records not in English."""
    cite: str
    """The base of its citation key (`exports.citation_base`)."""
    keys: frozenset[str]
    """Digests of its identity keys (`redirects.paper_keys`), for redirects."""


@dataclass(frozen=True)
class Prepared:
    """What a build needs of a paper before its page (see `prepare`)."""

    shown: str
    """Cache key of its page (kind `paper`)."""
    exported: str
    """A key of all its papers.json line shows (its block of the export is cached by these)..."""
    entry: str
    """...and of all its BibTeX entry shows."""
    listed: Listed
    topic_item: str
    """Its item on its topics' pages."""
    listing: str
    """Its item on Needs metadata."""
    block: str
    """Its part of the duplicates page ("" for a paper of one record)."""


def prepare(paper: Paper, cite: str, names: str, with_abstracts: bool) -> Prepared:
    """The cache keys of a paper's outputs, and its parts of the index pages."""
    base = key_of(paper_key(paper), cite, names, with_abstracts)
    title, slug = escape(paper.title), escape(paper.slug)
    year = f" ({paper.year})" if paper.year else ""
    teaser = f": {escape(first_sentence(paper.abstract))}" if with_abstracts and paper.abstract else ""
    return Prepared(
        shown=key_of(base, marshal.dumps(tuple((r.slug, r.title, f"{r.score:.2f}") for r in paper.related), 2)),
        exported=key_of(base, repr([(r.slug, r.score) for r in paper.related])),
        entry=base,
        listed=Listed(
            title=paper.title, topics=paper.topics, sort_date=paper.date or (f"{paper.year}" if paper.year else ""),
            feed_date=paper.date or (f"{paper.year}-01-01" if paper.year else None), derived=paper.title_derived,
            abstractless=not paper.abstract, duplicated=len(paper.cluster.members) > 1,
            kinds=tuple(m.kind for m in paper.cluster.members[1:]), foreign=sum(1 for m in paper.cluster.members if m.record.language != "en"),
            cite=citation_base(paper), keys=frozenset(key_of(k) for k in paper_keys(paper)),
        ),
        topic_item=f'<li><a href="../papers/{slug}.md">{title}</a>{year}{teaser}</li>\n',
        listing=f'<li><a href="papers/{slug}.md">{title}</a></li>\n',
        block=_HTML.get_template("duplicate.html.j2").render(paper=paper) if len(paper.cluster.members) > 1 else "",
    )


def outputs(paper: Paper, cite: str, taxonomy: Taxonomy, into: tuple[Path, set[str]] | None = None) -> tuple[bytes | None, str, int]:
    """A paper's page (encoded), its digest and size; the page written `into` a first build's
    docs folder instead (see `writer.claim_new`)."""
    data = render_paper(paper, taxonomy, cite).encode("utf-8")
    if into is None:
        return data, page_digest(data), len(data)
    create(into[0], paper_path(paper.slug), data, into[1])
    return None, page_digest(data), len(data)


def paper_path(slug: str) -> str:
    """A paper's page, relative to the docs folder."""
    return f"papers/{slug}.md"


MANY = 1000
"""Papers from which their keys and pages are made in worker processes (`parallel.parallel_map`)."""

FIELDS = ("page_digest", "page_size", "shown", "line_key", "entry_key")
"""What the writer and the exports need of every paper (`Rendering.column`): its page's
digest and size, the cache key of its page (kind `paper`: digest and size), and the keys of
its papers.json line and BibTeX entry (`Prepared`)."""


class Rendering:
    """The pages of the last build: what each page shows of each paper, kept so that an edit
    renders again only the papers it changed and puts the index pages together from the
    parts of the papers that did not change. Each paper's listing is a table row, the parts
    of whole pages are rows of `tables.Chunked` mappings: a build writes the rows it changed."""

    def __init__(self) -> None:
        self.listed: Table[Listed] = Table("listed")
        self.cite_of: Table[str] = Table("cite-key")
        self.by_cite = SetTable("cite-base")
        self.owners = SetTable("owners")
        """Identity key digest -> the slugs of the papers that hold it (for redirects)."""
        self.rows: Table[dict[str, Any]] = Table("page-parts")
        self.column: Chunked[tuple[Any, ...]] = Chunked(self.rows, "column:")
        """Slug -> its `FIELDS`, for every paper."""
        self.derived: Chunked[str] = Chunked(self.rows, "derived:")
        """Slug -> item on Needs metadata, for papers whose title was derived..."""
        self.abstractless: Chunked[str] = Chunked(self.rows, "abstractless:")
        """...and for papers without an abstract."""
        self.duplicates: Chunked[str] = Chunked(self.rows, "duplicates:")
        """Slug -> its part of the duplicates page."""
        self.dated: Chunked[str] = Chunked(self.rows, "dated:", width=7)
        """"<feed date>\0<slug>" -> slug, for every dated paper."""
        self.topics: dict[str, Chunked[str]] = {}
        """Topic slug -> "<sort date>\0<slug>" -> its item on the topic's page."""
        self.kinds: Counter[str] = Counter()
        self.translations = 0
        self.outputs: dict[str, tuple[str, int]] = {}
        """Digest and size of every generated page but the papers'."""
        self.large: bool | None = None
        self._texts: dict[str, bytes | None] = {}
        """Pages rendered by this build, for the writer (None: written as made, see `writer.claim_new`)."""

    def __getstate__(self) -> dict[str, object]:
        return {name: value for name, value in self.__dict__.items() if not name.startswith("_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._texts = {}

    def tables(self) -> list[Table[Any]]:
        return [self.listed, self.cite_of, self.by_cite, self.owners, self.rows]

    def _topic(self, slug: str) -> Chunked[str]:
        if slug not in self.topics:
            self.topics[slug] = Chunked(self.rows, f"topic:{slug}:", width=7)
        return self.topics[slug]

    def update(self, removed: Iterable[str], added: Sequence[Paper], related: set[str], neighbours: Any, store: Any,
               taxonomy: Taxonomy, docs: Path | None = None) -> set[str]:
        """Take out the papers `removed` (slugs) and put in (or replace) those `added`, give
        the papers in `related` (slugs) their related papers from `neighbours` again, and
        render what changed (writing the pages into `docs` as they are made, if it is a first
        build's, see `writer.claim_new`). Returns the slugs of the papers rendered again."""
        fresh = {paper.slug: paper for paper in added}
        gone = set(removed) - fresh.keys()
        old = self.listed.get_many(sorted(set(removed) | fresh.keys()))
        titles_before = {slug: old[slug].title for slug in fresh if slug in old}
        bases = {listed.cite for listed in old.values()}
        self._take_out(old)
        for slug, item in old.items():
            self.by_cite.discard(item.cite, slug)
        for slug in gone:
            store.pop(slug)
            self.cite_of.pop(slug)
        count = len(self.column) + len(fresh)
        with_abstracts = not large(count)
        again = set(fresh) | {slug for slug in related if slug in fresh or slug in self.column}
        if self.large is not None and self.large == with_abstracts:  # the list crossed exports.LARGE_LIST
            again |= set(self.column.keys()) | fresh.keys()
        self.large = not with_abstracts
        cited = [(citation_base(paper), slug) for slug, paper in fresh.items()]
        bases.update(base for base, _ in cited)
        self.by_cite.add_all(cited)
        for base in sorted(bases):
            for slug, key in numbered(base, self.by_cite.get(base) or ()).items():
                if self.cite_of.get(slug) != key:
                    self.cite_of[slug] = key
                    again.add(slug)
        renamed = {slug for slug, title in titles_before.items() if fresh[slug].title != title}
        if renamed:  # papers that list a paper whose title changed under the same slug
            again |= {slug for slug in neighbours.listing(renamed) if slug in fresh or slug in self.column}
        rendered = sorted(again)
        rest = self.listed.get_many(sorted(again - fresh.keys() - old.keys()))
        self._take_out(rest)
        titles = _Titles(self.listed, {slug: item.title for slug, item in rest.items()} | {slug: paper.title for slug, paper in fresh.items()})
        kept = store.get_many(sorted(again - fresh.keys()))
        papers = [evolve(fresh.get(slug) or kept[slug], related=neighbours.related(slug, titles)) for slug in rendered]
        self._put_in(papers, taxonomy, with_abstracts, store, set(fresh), docs)
        return again

    def _take_out(self, listed: dict[str, Listed]) -> None:
        """Take these papers out of the index pages."""
        for slug, item in listed.items():
            for key in item.keys:
                self.owners.discard(key, slug)
            for topic in item.topics:
                self._topic(topic).pop(f"{item.sort_date}\0{slug}")
            self.derived.pop(slug)
            self.abstractless.pop(slug)
            self.duplicates.pop(slug)
            if item.feed_date is not None:
                self.dated.pop(f"{item.feed_date}\0{slug}")
            self.kinds.subtract(item.kinds)
            self.translations -= item.foreign
            self.listed.pop(slug)
            self.column.pop(slug)
        self.kinds = +self.kinds

    def _put_in(self, papers: Sequence[Paper], taxonomy: Taxonomy, with_abstracts: bool, store: Any, fresh_slugs: set[str],
                docs: Path | None) -> None:
        """Render each paper's page (from the cache when its inputs are unchanged), and put it
        into the index pages. What each paper needs is made in worker processes when there
        are many (`prepare`, `outputs`)."""
        cites = [self.cite_of[paper.slug] for paper in papers]
        names = key_of(taxonomy.topics)
        many = len(papers) >= MANY
        prepared = parallel_map(lambda i: prepare(papers[i], cites[i], names, with_abstracts), list(range(len(papers))), "prepare", worth_it=many)
        # A paper's page is a pure function of the paper (with its records and related
        # papers), its citation key and the topic names. It shows related papers' scores to
        # 2 places: it is made again only when what it shows changed. Of the page, the cache
        # keeps only its digest and size, which is all the writer needs of a page it wrote
        # before; a page whose file is gone or changed is rendered again (`_page_text`).
        # Its papers.json line and BibTeX entry are made with the exports (`_exports`).
        def render(missing: list[int]) -> list[tuple[bytes | None, str, int]]:
            into = (docs, set()) if docs is not None and claim_new(docs, [paper_path(papers[i].slug) for i in missing]) else None
            return parallel_map(lambda i: outputs(papers[i], cites[i], taxonomy, into), missing, "render", worth_it=len(missing) >= MANY)

        found = cache.active().compute("paper", [item.shown for item in prepared], render, keep=lambda page: page[1:])
        owned: list[tuple[str, str]] = []
        for paper, item, page in zip(papers, prepared, found):
            slug = paper.slug
            if slug in fresh_slugs:  # kept without its related papers, which change more often
                store[slug] = evolve(paper, related=())
            if len(page) == 3:  # made now: (bytes, or None once written, digest, size)
                data, digest, size = page
                self._texts[slug] = data
            else:
                digest, size = page
            self.column[slug] = (digest, size, item.shown, item.exported, item.entry)
            listed = item.listed
            self.listed[slug] = listed
            owned += [(key, slug) for key in listed.keys]
            for topic in listed.topics:
                self._topic(topic)[f"{listed.sort_date}\0{slug}"] = item.topic_item
            if listed.derived:
                self.derived[slug] = item.listing
            if listed.abstractless:
                self.abstractless[slug] = item.listing
            if listed.duplicated:
                self.duplicates[slug] = item.block
            if listed.feed_date is not None:
                self.dated[f"{listed.feed_date}\0{slug}"] = slug
            self.kinds.update(listed.kinds)
            self.translations += listed.foreign
        self.owners.add_all(owned)

    def pages(self, store: Any, neighbours: Any, taxonomy: Taxonomy, problems: tuple[Problem, ...], records: int, files: int,
              moved: dict[str, str]) -> dict[str, Page]:
        """Every generated page, by path relative to the docs folder: a `KnownPage` where the
        last build made the same (its text made only if the writer needs it), bytes for
        compressed exports."""
        texts, self._texts = self._texts, {}
        titles = _Titles(self.listed, {})
        pages: dict[str, Page] = {}
        columns: dict[str, list[Any]] = {name: [] for name in ("slug", *FIELDS)}
        for slug, row in self.column.items():
            columns["slug"].append(slug)
            for name, value in zip(FIELDS, row):
                columns[name].append(value)
            data = texts.get(slug)
            made_now = functools.partial(bytes, data) if data is not None else functools.partial(self._page_text, store, taxonomy, titles, neighbours, slug)
            pages[paper_path(slug)] = KnownPage(row[0], row[1], made_now, written=slug in texts and data is None)
        count = len(self.column)
        made: dict[str, Page] = {}
        for topic in taxonomy.topics:
            items = self._topic(topic.slug)
            body = Markup("".join(html for _, html in items.items(reverse=True)))
            made[f"topics/{topic.slug}.md"] = _html_page("topic.html.j2", {"title": topic.name, **UNSEARCHED}, topic=topic, count=len(items), items=body)
        errors = [p for p in problems if p.severity == "error" and not p.curated]
        warnings = [p for p in problems if p.severity == "warning" and not p.curated]
        by_topic = {topic.slug: len(self._topic(topic.slug)) for topic in taxonomy.topics}
        context = dict(
            records=records,
            files=files,
            exports=export_names(count),
            count=count,
            taxonomy=taxonomy,
            by_topic=by_topic,
            duplicated=len(self.duplicates),
            blocks=Markup("".join(self.duplicates.values())),
            kinds=self.kinds,
            errors=errors,
            warnings=warnings,
            error_runs=group_problems(errors),
            warning_runs=group_problems(warnings),
            curation=[p for p in problems if p.curated],
            derived=len(self.derived),
            derived_items=Markup("".join(self.derived.values())),
            abstractless=len(self.abstractless),
            abstractless_items=Markup("".join(self.abstractless.values())),
            chart=[(topic.name, by_topic[topic.slug]) for topic in taxonomy.topics],
            translations=self.translations,
        )
        made["index.md"] = _page("home.md.j2", {"title": "Home", **UNSEARCHED}, **context)
        made["topics/index.md"] = _page("topics.md.j2", {"title": "Topics"}, **context)
        made["duplicates.md"] = _html_page("duplicates.html.j2", {"title": "Duplicates", **UNSEARCHED}, **context)
        made["rejected.md"] = _html_page("rejected.html.j2", {"title": "Rejected input", **UNSEARCHED}, **context)
        made["needs-metadata.md"] = _html_page("needs-metadata.html.j2", {"title": "Needs metadata", **UNSEARCHED}, **context)
        made["tags.md"] = _page("tags.md.j2", {"title": "Tags", **UNSEARCHED}, **context)
        for old, new in moved.items():
            title = self.listed[new].title
            meta = {"title": html.escape(title, quote=False), "template": "moved.html", "moved_to": new, **UNSEARCHED}
            made[paper_path(old)] = _page("moved.md.j2", meta, slug=new, title=title)
        made.update(self._exports(columns, store, neighbours, titles))
        newest = [slug for _, slug in itertools.islice(self.dated.items(reverse=True), FEED_ENTRIES)]
        found = store.get_many(newest)
        made["feed.xml"] = atom_feed([found[slug] for slug in newest], SITE_NAME, os.environ.get("SITE_URL", ""))
        self.outputs = {}
        for relative, page in made.items():
            data = page if isinstance(page, bytes) else page.encode("utf-8")  # type: ignore[union-attr]
            self.outputs[relative] = (page_digest(data), len(data))
        pages.update(made)
        return pages

    def _page_text(self, store: Any, taxonomy: Taxonomy, titles: Any, neighbours: Any, slug: str) -> str:
        return render_paper(evolve(store[slug], related=neighbours.related(slug, titles)), taxonomy, self.cite_of[slug])

    def _exports(self, values: dict[str, list[Any]], store: Any, neighbours: Any, titles: Any) -> dict[str, Page]:
        """papers.json and papers.bib, plain or (past exports.LARGE_LIST papers) gzip-compressed
        by blocks, a block made again only when one of its papers changed. The lines are made
        here from the papers, for the blocks not cached: kept from the render to here, the
        papers.json lines took 88 MB at the end of a build from nothing at 48,956 records."""
        slugs = values["slug"]
        count = len(slugs)
        json_name, bib_name = export_names(count)
        with_abstracts = not large(count)

        def lines(kind: str, start: int, end: int) -> list[str]:
            chosen = slugs[start:end]
            found = store.get_many(chosen)
            if kind == "json":
                return [paper_json(evolve(found[slug], related=neighbours.related(slug, titles))) for slug in chosen]
            return [bibtex(found[slug], self.cite_of[slug], with_abstract=with_abstracts) for slug in chosen]  # no related papers

        if json_name.endswith(".gz"):
            # In forked workers when many blocks are to be made (a build from nothing), if
            # what they read is all in memory: a forked process must not use the database.
            forked = all(table.held for table in (store, neighbours.lists, self.listed, self.cite_of))
            return {
                json_name: compress_blocks(values["line_key"], functools.partial(lines, "json"), *PAPERS_JSON[::2], PAPERS_JSON[1], forked),
                bib_name: compress_blocks(values["entry_key"], functools.partial(lines, "bib"), "", "", "\n", forked),
            }
        return {json_name: papers_json(lines("json", 0, count)), bib_name: papers_bib(lines("bib", 0, count))}


class _Titles:
    """Paper titles by slug, for related-paper lists: the new ones, else as listed."""

    def __init__(self, listed: Table[Listed], fresh: dict[str, str]) -> None:
        self.listed, self.fresh = listed, fresh

    def __getitem__(self, slug: str) -> str:
        return self.fresh[slug] if slug in self.fresh else self.listed[slug].title


def bar_chart(rows: list[tuple[str, int]]) -> Markup:
    """A horizontal bar chart as inline SVG: no script, no external file."""
    if not rows:
        return Markup("")
    width, label, bar_height, gap = 640, 230, 22, 6
    top = max(count for _, count in rows) or 1
    height = len(rows) * (bar_height + gap)
    parts = [f'<svg class="topic-chart" role="img" aria-label="Papers per topic" viewBox="0 0 {width} {height}" width="100%" xmlns="http://www.w3.org/2000/svg">']
    for n, (name, count) in enumerate(rows):
        y = n * (bar_height + gap)
        length = round((width - label - 50) * count / top)
        parts.append(
            f'<text x="{label - 8}" y="{y + 16}" text-anchor="end" font-size="13" fill="currentColor">{html.escape(name)}</text>'
            f'<rect x="{label}" y="{y}" width="{length}" height="{bar_height}" rx="3" fill="#5c6bc0"></rect>'
            f'<text x="{label + length + 6}" y="{y + 16}" font-size="13" fill="currentColor">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _page(template: str, meta: dict[str, object], **context: object) -> str:
    return front_matter(meta) + _ENV.get_template(template).render(**context)


def _html_page(template: str, meta: dict[str, object], **context: object) -> str:
    """A page whose body is pre-rendered HTML (`body: html`), which MkDocs passes through."""
    return front_matter({**meta, "body": "html"}) + _HTML.get_template(template).render(**context)


def _html_block(template: str, **context: object) -> Markup:
    """Pre-rendered HTML for part of a page."""
    return Markup(_HTML.get_template(template).render(**context))


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence, at most `limit` characters, with LaTeX as plain text."""
    sentence = latex_to_text(re.split(r"(?<=[.!?。！？])\s", text, maxsplit=1)[0])
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + " …"


_HTML = Environment(autoescape=True, **_TEMPLATES)
"""For pre-rendered HTML bodies: every value is HTML-escaped unless it is Markup."""

_HTML.filters.update(first_sentence=first_sentence)
_HTML.globals.update(merge_counts=merge_counts)

_ENV.filters.update(
    first_sentence=first_sentence,
    url=lambda value: Markup(_url(str(value))),
    score=lambda value: Markup(f"{value:.3f}"),  # a number: safe in HTML and Markdown alike
    score2=lambda value: Markup(f"{value:.2f}"),
)
_ENV.globals.update(bar_chart=bar_chart, merge_counts=merge_counts)
