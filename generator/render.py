"""Papers -> pages: Markdown text for every generated page. Pure: returns strings (a paper page the cache knows as its digest, see `writer.KnownPage`).

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
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup

from . import arxiv, cache
from .cache import key_of
from .exports import (PAPERS_JSON, atom_feed, bibtex, citation_keys, compress_lines, export_names, large, paper_json, papers_bib,
                      papers_json, source_record)
from .model import Paper, Problem, group_problems
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


@dataclass(frozen=True)
class Site:
    """Everything the index pages show."""

    papers: tuple[Paper, ...]
    taxonomy: Taxonomy
    problems: tuple[Problem, ...]
    records: int
    files: int
    moved: dict[str, str] = field(default_factory=dict)
    """Old paper slugs and where those papers are now: a redirect page each."""


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


def render_paper(paper: Paper, site: Site, key: str) -> str:
    body = _HTML.get_template("paper.html.j2").render(
        paper=paper,
        category_name=arxiv.category_name(paper.category),
        language_name=LANGUAGE_NAMES.get(paper.language, paper.language),
        links=paper_links(paper),
        bibtex=code_block(bibtex(paper, key), "bibtex"),
    )
    return front_matter(paper_front_matter(paper, site.taxonomy)) + body


def render_pages(site: Site) -> dict[str, Page]:
    """Every generated page, by path relative to the docs folder (bytes for compressed
    exports; a `KnownPage` for a paper page from the cache)."""
    keys = citation_keys(site.papers)
    names = key_of(site.taxonomy.topics)
    papers = list(site.papers)
    with_abstracts = not large(len(papers))

    def outputs(paper: Paper) -> tuple[str, str]:
        return render_paper(paper, site, keys[paper.slug]), bibtex(paper, keys[paper.slug], with_abstract=with_abstracts)

    def kept(made: tuple[str, str]) -> tuple[tuple[str, int], str]:
        data = made[0].encode("utf-8")
        return (page_digest(data), len(data)), made[1]

    # A paper's page, BibTeX entry and papers.json line are pure functions of the paper (with
    # its records and related papers), its citation key and the topic names: unchanged
    # papers come from the cache. The page shows related papers' scores to 2 places and
    # papers.json to 3, and an added paper moves the scores of a hundred papers or more at
    # 10,000 (every weight has the number of papers in it): the page is made again only
    # when what it shows changed. Of the page, the cache keeps only its digest and size,
    # which is all the writer needs of a page it wrote before (the pages' text was a third
    # of the cache at 48,956 records, 230 MB, read back and hashed on every run); a page
    # whose file is gone or changed is rendered again.
    bases = [key_of(paper_key(paper), keys[paper.slug], names, with_abstracts) for paper in papers]
    shown = [key_of(base, marshal.dumps(tuple((r.slug, r.title, f"{r.score:.2f}") for r in paper.related), 2))
             for base, paper in zip(bases, papers)]
    made = cache.active().compute(
        "paper", shown, lambda missing: parallel_map(lambda i: outputs(papers[i]), missing, "render", worth_it=len(missing) >= 1000),
        keep=kept)
    exported = [key_of(base, repr([(r.slug, r.score) for r in paper.related])) for base, paper in zip(bases, papers)]
    lines = cache.active().compute("paper-json", exported, lambda missing: [paper_json(papers[i]) for i in missing])
    pages: dict[str, Page] = {
        f"papers/{paper.slug}.md": KnownPage(*page, functools.partial(render_paper, paper, site, keys[paper.slug])) if isinstance(page, tuple) else page
        for paper, (page, _) in zip(papers, made)
    }
    by_topic = {topic.slug: [p for p in site.papers if topic.slug in p.topics] for topic in site.taxonomy.topics}
    for topic in site.taxonomy.topics:
        members = sorted(by_topic[topic.slug], key=lambda p: (p.date or (f"{p.year}" if p.year else ""), p.slug), reverse=True)
        pages[f"topics/{topic.slug}.md"] = _html_page("topic.html.j2", {"title": topic.name, **UNSEARCHED}, topic=topic, papers=members,
                                                      teasers=not large(len(site.papers)))
    clusters = [p for p in site.papers if len(p.cluster.members) > 1]
    kinds = Counter(m.kind for p in clusters for m in p.cluster.members[1:])
    errors = [p for p in site.problems if p.severity == "error" and not p.curated]
    warnings = [p for p in site.problems if p.severity == "warning" and not p.curated]
    curation = [p for p in site.problems if p.curated]
    error_runs, warning_runs = group_problems(errors), group_problems(warnings)
    context = dict(
        site=site,
        exports=export_names(len(site.papers)),
        papers=site.papers,
        taxonomy=site.taxonomy,
        by_topic=by_topic,
        clusters=clusters,
        kinds=kinds,
        errors=errors,
        warnings=warnings,
        error_runs=error_runs,
        warning_runs=warning_runs,
        curation=curation,
        derived=[p for p in site.papers if p.title_derived],
        abstractless=[p for p in site.papers if not p.abstract],
        chart=[(topic.name, len(by_topic[topic.slug])) for topic in site.taxonomy.topics],
        translations=sum(1 for p in site.papers for m in p.cluster.members if m.record.language != "en"),
    )
    pages["index.md"] = _page("home.md.j2", {"title": "Home", **UNSEARCHED}, **context)
    pages["topics/index.md"] = _page("topics.md.j2", {"title": "Topics"}, **context)
    pages["duplicates.md"] = _html_page("duplicates.html.j2", {"title": "Duplicates", **UNSEARCHED}, **context)
    pages["rejected.md"] = _html_page("rejected.html.j2", {"title": "Rejected input", **UNSEARCHED}, **context)
    pages["needs-metadata.md"] = _html_page("needs-metadata.html.j2", {"title": "Needs metadata", **UNSEARCHED}, **context)
    pages["tags.md"] = _page("tags.md.j2", {"title": "Tags", **UNSEARCHED}, **context)
    titles = {paper.slug: paper.title for paper in site.papers}
    for old, new in site.moved.items():
        meta = {"title": html.escape(titles[new], quote=False), "template": "moved.html", "moved_to": new, **UNSEARCHED}
        pages[f"papers/{old}.md"] = _page("moved.md.j2", meta, slug=new, title=titles[new])
    json_name, bib_name = export_names(len(site.papers))
    entries = [entry for _, entry in made]
    if json_name.endswith(".gz"):
        pages[json_name] = compress_lines(lines, *PAPERS_JSON[::2], PAPERS_JSON[1])
        pages[bib_name] = compress_lines(entries, "", "", "\n")
    else:
        pages[json_name], pages[bib_name] = papers_json(lines), papers_bib(entries)
    pages["feed.xml"] = atom_feed(site.papers, SITE_NAME, os.environ.get("SITE_URL", ""))
    return pages


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
