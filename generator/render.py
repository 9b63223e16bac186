"""Papers -> pages: a paper's page, and what the index pages are made with (see `pages`).

Scraped text is untrusted. MkDocs' Jinja does not autoescape and Markdown passes raw HTML
through, so every piece of scraped text goes through `md_escape` (HTML entities plus
backslash escapes for Markdown syntax) before it reaches a page, and front matter strings
that themes print (the title) are HTML-escaped too.
"""

from __future__ import annotations

import difflib
import html
import re
from collections import Counter
from pathlib import Path
from xml.etree import ElementTree as ET

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup, escape

from . import arxiv
from .exports import bibtex, json_text, source_record
from .model import OPENREVIEW, Paper, Record
from .text import latex_to_text
from .topics import Taxonomy

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
"""What the Markdown (`ENV`) and the HTML (`HTML`) environments share. Templates are the
generator's code, loaded once (not checked against their files before every use)."""
ENV = Environment(finalize=_finalize, **_TEMPLATES)


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
        **({"venue": html.escape(paper.venue, quote=False)} if paper.venue else {}),
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
    "version": ("other version (preprint or published)", "other versions (preprint or published)"),
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
    """(text, URL) of a paper's outside links: arXiv and its PDF, the DOI, and every other
    version's page (an OpenReview forum, a publisher's page), each once, named by its site."""
    links = []
    if paper.arxiv:
        links += [(f"arXiv:{paper.arxiv}", f"https://arxiv.org/abs/{paper.arxiv}"), ("PDF", f"https://arxiv.org/pdf/{paper.arxiv}")]
    if paper.doi:
        links.append((f"DOI {paper.doi}", f"https://doi.org/{_url(paper.doi)}"))
    pages = [paper.url] if paper.url else []
    pages += sorted({m.record.url for m in paper.cluster.members if m.record.url} - {paper.url})
    seen = {"arxiv"} if paper.arxiv else set()  # arXiv's pages are linked above
    for page in pages:
        if not page.startswith(("http://", "https://")) or (key := _page_key(page)) in seen or key.split(".", 1)[0] in seen:
            continue
        seen.add(key)
        links.append((_site(page) if len(pages) > 1 else "Web page", page.replace(" ", "%20")))
    return links


def _page_key(url: str) -> str:
    """A page's URL as compared: an OpenReview `pdf?id=` is its `forum?id=`; scheme, `www.`
    and a trailing slash do not count."""
    if found := OPENREVIEW.match(url):
        return f"openreview.net/forum?id={found[1]}"
    return re.sub(r"^https?://(?:www\.)?", "", url).rstrip("/")


def _site(url: str) -> str:
    return re.sub(r"^https?://(?:www\.)?", "", url).split("/", 1)[0]


def _url(value: str) -> str:
    """A URL safe inside Markdown link parentheses and HTML attributes."""
    return html.escape(value, quote=True).replace(" ", "%20").replace("(", "%28").replace(")", "%29")


def render_paper(paper: Paper, taxonomy: Taxonomy, key: str) -> str:
    return front_matter(paper_front_matter(paper, taxonomy)) + paper_body(paper, code_block(bibtex(paper, key), "bibtex"))


def paper_body(paper: Paper, cite: Markup) -> str:
    """A paper page's body, pre-rendered HTML: every value is HTML-escaped (`escape`) unless
    it is HTML already. MkDocs passes it through untouched (see `mkdocs_hooks`), resolving
    the `.md` links as it would in Markdown. No heading: Material prints the title from the
    front matter, and the page has no table of contents. Python, not a Jinja template: the
    same bytes, in a third of the time."""
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
    if paper.venue:
        when += f" · <strong>Published in:</strong> {escape(paper.venue)}"
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
    out += [f'<p class="paper-meta">Version at {_where(m.record)}: {escape(m.reason)}.</p>\n' for m in members if m.kind == "version"]
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


def page(template: str, meta: dict[str, object], **context: object) -> str:
    return front_matter(meta) + ENV.get_template(template).render(**context)


def html_page(template: str, meta: dict[str, object], **context: object) -> str:
    """A page whose body is pre-rendered HTML (`body: html`), which MkDocs passes through."""
    return front_matter({**meta, "body": "html"}) + HTML.get_template(template).render(**context)


def html_block(template: str, **context: object) -> Markup:
    """Pre-rendered HTML for part of a page."""
    return Markup(HTML.get_template(template).render(**context))


def first_sentence(text: str, limit: int = 200) -> str:
    """The first sentence, at most `limit` characters, with LaTeX as plain text."""
    sentence = latex_to_text(re.split(r"(?<=[.!?。！？])\s", text, maxsplit=1)[0])
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + " …"


HTML = Environment(autoescape=True, **_TEMPLATES)
"""For pre-rendered HTML bodies: every value is HTML-escaped unless it is Markup."""

HTML.filters.update(first_sentence=first_sentence)
HTML.globals.update(merge_counts=merge_counts)

ENV.filters.update(
    first_sentence=first_sentence,
    url=lambda value: Markup(_url(str(value))),
    score=lambda value: Markup(f"{value:.3f}"),  # a number: safe in HTML and Markdown alike
    score2=lambda value: Markup(f"{value:.2f}"),
)
ENV.globals.update(bar_chart=bar_chart, merge_counts=merge_counts)
