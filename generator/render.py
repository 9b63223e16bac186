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
import html
import json
import marshal
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup

from . import arxiv, cache
from .cache import key_of
from .exports import (FEED_ENTRIES, PAPERS_JSON, atom_feed, bibtex, citation_base, compress_blocks, export_names, large, line_crc,
                      numbered, paper_json, papers_bib, papers_json, source_record)
from .model import Paper, Problem, evolve, group_problems
from .redirects import paper_keys
from .parallel import parallel_map
from .text import latex_to_text
from .topics import Taxonomy
from .writer import KnownPage, Page, page_digest

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
)
"""What the Markdown (`_ENV`) and the HTML (`_HTML`) environments share."""
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
            lines += [f"- {_yaml_json(item)}" for item in value]
        else:
            lines.append(f"{key}: {_yaml_json(value)}")
    return "\n".join(lines) + "\n---\n\n"


_NOT_YAML_PRINTABLE = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _yaml_json(value: object) -> str:
    """JSON text that a YAML reader reads back unchanged: characters YAML forbids in a
    stream (C1 controls, lone surrogates, U+FFFE) or reads as line breaks (U+0085, U+2028,
    U+2029) are written as escapes, which JSON allows."""
    return _NOT_YAML_PRINTABLE.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(value, ensure_ascii=False))


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
    body = _HTML.get_template("paper.html.j2").render(
        paper=paper,
        category_name=arxiv.category_name(paper.category),
        language_name=LANGUAGE_NAMES.get(paper.language, paper.language),
        links=paper_links(paper),
        bibtex=code_block(bibtex(paper, key), "bibtex"),
    )
    return front_matter(paper_front_matter(paper, taxonomy)) + body


@dataclass(frozen=True)
class Listed:
    """What the index pages and exports show of a paper, kept between builds, so that an
    edit renders again only the papers it changed."""

    slug: str
    title: str
    date: str | None
    year: int | None
    topics: tuple[str, ...]
    teaser: str | None
    """The abstract's first sentence (topic pages of small lists); None without an abstract."""
    derived: bool
    abstractless: bool
    block: Markup
    """Its part of the duplicates page; empty for a paper of one record."""
    kinds: tuple[str, ...]
    """How its records but the canonical one were merged."""
    foreign: int
    """Its records not in English."""
    page: tuple[str, int]
    """Digest and size of its page."""
    shown: str
    """Cache key of its page (kind `paper`: digest, size and BibTeX entry)."""
    line: tuple[int, str, str]
    """crc32, digest and cache key (kind `paper-json`) of its papers.json line."""
    entry: tuple[int, str]
    """crc32 and digest of its BibTeX entry."""
    cite: str
    """The base of its citation key (`exports.citation_base`)."""
    keys: frozenset[str]
    """Digests of its identity keys (`redirects.paper_keys`), for redirects."""

    @property
    def sort_date(self) -> str:
        return self.date or (f"{self.year}" if self.year else "")


@dataclass
class Rendering:
    """The pages of the last build: every paper as listed, the digests of the other pages,
    and the indexes an edit needs (citation keys, topics, identity keys)."""

    listed: dict[str, Listed] = field(default_factory=dict)
    outputs: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Digest and size of every generated page but the papers'."""
    cite_keys: dict[str, str] = field(default_factory=dict)
    by_cite: dict[str, set[str]] = field(default_factory=dict)
    by_topic: dict[str, set[str]] = field(default_factory=dict)
    owners: dict[str, set[str]] = field(default_factory=dict)
    large: bool | None = None

    def update(self, removed: Iterable[str], added: Sequence[Paper], related: set[str], neighbours: Any, store: Any,
               taxonomy: Taxonomy) -> set[str]:
        """Take out the papers `removed` (slugs) and put in (or replace) those `added`, give
        the papers in `related` (slugs) their related papers from `neighbours` again, and
        render what changed. Returns the slugs of the papers rendered again."""
        fresh = {paper.slug: paper for paper in added}
        titles_before = {slug: self.listed[slug].title for slug in fresh if slug in self.listed}
        bases = set()
        for slug in set(removed) | fresh.keys():
            listed = self.listed.pop(slug, None)
            if listed is not None:
                bases.add(listed.cite)
                _discard(self.by_cite, listed.cite, slug)
                for topic in listed.topics:
                    _discard(self.by_topic, topic, slug)
                for key in listed.keys:
                    _discard(self.owners, key, slug)
            if slug not in fresh:
                store.delete(slug)
        with_abstracts = not large(len(self.listed) + len(fresh))
        again = set(fresh) | (related & (self.listed.keys() | fresh.keys()))
        if self.large is not None and self.large == with_abstracts:  # the list crossed exports.LARGE_LIST
            again |= self.listed.keys()
        self.large = not with_abstracts
        for slug, paper in fresh.items():
            base = citation_base(paper)
            bases.add(base)
            self.by_cite.setdefault(base, set()).add(slug)
        for base in bases:
            for slug, key in numbered(base, self.by_cite.get(base, ())).items():
                if self.cite_keys.get(slug) != key:
                    self.cite_keys[slug] = key
                    again.add(slug)
        for slug in set(removed) - fresh.keys():
            self.cite_keys.pop(slug, None)
        renamed = {slug for slug, title in titles_before.items() if fresh[slug].title != title}
        if renamed:  # papers that list a paper whose title changed under the same slug
            again |= {slug for slug, ranked in neighbours.lists.items() if any(other in renamed for other, _ in ranked)}
        again -= set(removed) - fresh.keys()
        titles = {slug: listed.title for slug, listed in self.listed.items()} | {slug: paper.title for slug, paper in fresh.items()}
        kept = store.get_many(sorted(again - fresh.keys()))
        papers = [evolve(fresh.get(slug) or kept[slug], related=neighbours.related(slug, titles)) for slug in sorted(again)]
        for paper, listed in zip(papers, self._render(papers, taxonomy, with_abstracts)):
            store.put(paper)
            self.listed[paper.slug] = listed
            self.by_cite.setdefault(listed.cite, set()).add(paper.slug)
            for topic in listed.topics:
                self.by_topic.setdefault(topic, set()).add(paper.slug)
            for key in listed.keys:
                self.owners.setdefault(key, set()).add(paper.slug)
        return again

    def _render(self, papers: Sequence[Paper], taxonomy: Taxonomy, with_abstracts: bool) -> list[Listed]:
        """Each paper's page and exports (from the cache when their inputs are unchanged),
        and what the index pages show of it."""
        names = key_of(taxonomy.topics)
        keys = [self.cite_keys[paper.slug] for paper in papers]

        def outputs(i: int) -> tuple[str, str]:
            return render_paper(papers[i], taxonomy, keys[i]), bibtex(papers[i], keys[i], with_abstract=with_abstracts)

        def kept(made: tuple[str, str]) -> tuple[tuple[str, int], str]:
            data = made[0].encode("utf-8")
            return (page_digest(data), len(data)), made[1]

        # A paper's page, BibTeX entry and papers.json line are pure functions of the paper
        # (with its records and related papers), its citation key and the topic names. The
        # page shows related papers' scores to 2 places and papers.json to 3: the page is
        # made again only when what it shows changed. Of the page, the cache keeps only its
        # digest and size, which is all the writer needs of a page it wrote before; a page
        # whose file is gone or changed is rendered again (`page_text`).
        bases = [key_of(paper_key(paper), key, names, with_abstracts) for paper, key in zip(papers, keys)]
        shown = [key_of(base, marshal.dumps(tuple((r.slug, r.title, f"{r.score:.2f}") for r in paper.related), 2))
                 for base, paper in zip(bases, papers)]
        made = cache.active().compute("paper", shown, lambda missing: parallel_map(outputs, missing, "render", worth_it=len(missing) >= 1000), keep=kept)
        exported = [key_of(base, repr([(r.slug, r.score) for r in paper.related])) for base, paper in zip(bases, papers)]
        lines = cache.active().compute("paper-json", exported, lambda missing: [paper_json(papers[i]) for i in missing])
        self._texts = {paper.slug: page for paper, (page, _) in zip(papers, made) if isinstance(page, str)}
        blocks = [_html_block("duplicate.html.j2", paper=paper) if len(paper.cluster.members) > 1 else Markup("") for paper in papers]
        result = []
        for paper, (page, entry), line, key, block, shown_key, line_key in zip(papers, made, lines, keys, blocks, shown, exported):
            if isinstance(page, str):
                data = page.encode("utf-8")
                page = (page_digest(data), len(data))
            result.append(Listed(
                slug=paper.slug, title=paper.title, date=paper.date, year=paper.year, topics=paper.topics,
                teaser=first_sentence(paper.abstract) if paper.abstract else None, derived=paper.title_derived,
                abstractless=not paper.abstract, block=block, kinds=tuple(m.kind for m in paper.cluster.members[1:]),
                foreign=sum(1 for m in paper.cluster.members if m.record.language != "en"), page=page, shown=shown_key,
                line=(line_crc(line), key_of(line), line_key), entry=(line_crc(entry), key_of(entry)),
                cite=citation_base(paper), keys=frozenset(key_of(k) for k in paper_keys(paper)),
            ))
        return result

    def pages(self, store: Any, taxonomy: Taxonomy, problems: tuple[Problem, ...], records: int, files: int,
              moved: dict[str, str]) -> dict[str, Page]:
        """Every generated page, by path relative to the docs folder: a `KnownPage` where the
        last build made the same (its text made only if the writer needs it), bytes for
        compressed exports."""
        order = sorted(self.listed)
        listed = [self.listed[slug] for slug in order]
        texts = getattr(self, "_texts", {})
        pages: dict[str, Page] = {}
        for item in listed:
            text = texts.get(item.slug)
            pages[f"papers/{item.slug}.md"] = text if text is not None else KnownPage(*item.page, functools.partial(self._page_text, store, taxonomy, item.slug))
        self._texts = {}
        made: dict[str, Page] = {}
        large_list = large(len(listed))
        for topic in taxonomy.topics:
            members = sorted((self.listed[slug] for slug in self.by_topic.get(topic.slug, ())), key=lambda item: (item.sort_date, item.slug), reverse=True)
            made[f"topics/{topic.slug}.md"] = _html_page("topic.html.j2", {"title": topic.name, **UNSEARCHED}, topic=topic, papers=members, teasers=not large_list)
        clusters = [item for item in listed if item.block]
        kinds = Counter(kind for item in clusters for kind in item.kinds)
        errors = [p for p in problems if p.severity == "error" and not p.curated]
        warnings = [p for p in problems if p.severity == "warning" and not p.curated]
        context = dict(
            records=records,
            files=files,
            exports=export_names(len(listed)),
            papers=listed,
            taxonomy=taxonomy,
            by_topic={topic.slug: self.by_topic.get(topic.slug, ()) for topic in taxonomy.topics},
            clusters=clusters,
            kinds=kinds,
            errors=errors,
            warnings=warnings,
            error_runs=group_problems(errors),
            warning_runs=group_problems(warnings),
            curation=[p for p in problems if p.curated],
            derived=[item for item in listed if item.derived],
            abstractless=[item for item in listed if item.abstractless],
            chart=[(topic.name, len(self.by_topic.get(topic.slug, ()))) for topic in taxonomy.topics],
            translations=sum(item.foreign for item in listed),
        )
        made["index.md"] = _page("home.md.j2", {"title": "Home", **UNSEARCHED}, **context)
        made["topics/index.md"] = _page("topics.md.j2", {"title": "Topics"}, **context)
        made["duplicates.md"] = _html_page("duplicates.html.j2", {"title": "Duplicates", **UNSEARCHED}, **context)
        made["rejected.md"] = _html_page("rejected.html.j2", {"title": "Rejected input", **UNSEARCHED}, **context)
        made["needs-metadata.md"] = _html_page("needs-metadata.html.j2", {"title": "Needs metadata", **UNSEARCHED}, **context)
        made["tags.md"] = _page("tags.md.j2", {"title": "Tags", **UNSEARCHED}, **context)
        for old, new in moved.items():
            meta = {"title": html.escape(self.listed[new].title, quote=False), "template": "moved.html", "moved_to": new, **UNSEARCHED}
            made[f"papers/{old}.md"] = _page("moved.md.j2", meta, slug=new, title=self.listed[new].title)
        made.update(self._exports(store, order, listed))
        made["feed.xml"] = self._feed(store, listed)
        self.outputs = {}
        for relative, page in made.items():
            data = page if isinstance(page, bytes) else page.encode("utf-8")  # type: ignore[union-attr]
            self.outputs[relative] = (page_digest(data), len(data))
        pages.update(made)
        return pages

    def _page_text(self, store: Any, taxonomy: Taxonomy, slug: str) -> str:
        return render_paper(store.get(slug), taxonomy, self.cite_keys[slug])

    def _exports(self, store: Any, order: list[str], listed: list[Listed]) -> dict[str, Page]:
        """papers.json and papers.bib, plain or (past exports.LARGE_LIST papers) gzip-compressed
        by blocks, a block made again only when one of its papers changed."""
        json_name, bib_name = export_names(len(listed))

        def lines(kind: str, start: int, end: int) -> list[str]:
            found = cache.active().get_many(kind, [item.shown if kind == "paper" else item.line[2] for item in listed[start:end]], use=False)
            if kind == "paper":
                return [found[item.shown][1] for item in listed[start:end]]
            return [found[item.line[2]] for item in listed[start:end]]

        if json_name.endswith(".gz"):
            return {
                json_name: compress_blocks([i.line[0] for i in listed], [i.line[1] for i in listed], functools.partial(lines, "paper-json"),
                                           *PAPERS_JSON[::2], PAPERS_JSON[1]),
                bib_name: compress_blocks([i.entry[0] for i in listed], [i.entry[1] for i in listed], functools.partial(lines, "paper"), "", "", "\n"),
            }
        return {json_name: papers_json(lines("paper-json", 0, len(listed))), bib_name: papers_bib(lines("paper", 0, len(listed)))}

    def _feed(self, store: Any, listed: list[Listed]) -> str:
        """The Atom feed of the newest papers (their whole records read from the store)."""
        dated = sorted((item for item in listed if item.date or item.year), key=lambda item: (item.date or f"{item.year}-01-01", item.slug), reverse=True)
        newest = [item.slug for item in dated[:FEED_ENTRIES]]
        papers = store.get_many(newest)
        return atom_feed([papers[slug] for slug in newest], SITE_NAME, os.environ.get("SITE_URL", ""))


def _discard(index: dict[str, set[str]], key: str, value: str) -> None:
    members = index.get(key)
    if members is not None:
        members.discard(value)
        if not members:
            del index[key]


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
_HTML.globals.update(word_diff=word_diff, abstract_html=abstract_html, merge_counts=merge_counts)

_ENV.filters.update(
    first_sentence=first_sentence,
    url=lambda value: Markup(_url(str(value))),
    score=lambda value: Markup(f"{value:.3f}"),  # a number: safe in HTML and Markdown alike
    score2=lambda value: Markup(f"{value:.2f}"),
)
_ENV.globals.update(word_diff=word_diff, abstract_html=abstract_html, bar_chart=bar_chart, merge_counts=merge_counts)
