"""Papers -> pages: Markdown text for every generated page. Pure: returns strings.

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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup

from . import arxiv
from .model import Paper, Problem
from .topics import Taxonomy

_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|])")
"""Python-Markdown's escapable characters (with the tables extension). Others must not be
escaped: a backslash before them would show."""
_MATH = re.compile(r"(?<![\\$])\$(?!\s)([^$\n]{1,300}?)(?<![\s\\])\$(?!\d)")


def md_escape(text: str) -> str:
    """Text that Markdown and HTML show literally, whatever it contains."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", html.escape(text, quote=True))


def render_math(text: str) -> Markup:
    """Escaped text with each `$...$` turned into MathML, so no script or CDN is needed.

    LaTeX that latex2mathml cannot convert stays as escaped source text.
    """
    parts, end = [], 0
    for match in _MATH.finditer(text):
        try:
            mathml = latex_to_mathml(match[1])
        except Exception:  # latex2mathml raises many kinds; the text is still shown
            continue
        parts.append(md_escape(text[end : match.start()]))
        parts.append(mathml.replace("\n", ""))
        end = match.end()
    parts.append(md_escape(text[end:]))
    return Markup("".join(parts))


def word_diff(old: str, new: str) -> Markup:
    """Word-level diff of two versions: removed words in <del>, added words in <ins>."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(md_escape(" ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{md_escape(' '.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{md_escape(' '.join(b[j1:j2]))}</ins>")
    return Markup(" ".join(out))


def _finalize(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, Markup) or isinstance(value, (int, float)):
        return value
    return md_escape(str(value))


_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    finalize=_finalize,
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["math"] = render_math
_ENV.globals["word_diff"] = word_diff
_ENV.filters["raw"] = Markup
_ENV.filters["url"] = lambda value: Markup(html.escape(str(value), quote=True).replace(" ", "%20").replace("(", "%28").replace(")", "%29"))
_ENV.globals["category_name"] = arxiv.category_name


def front_matter(data: dict[str, object]) -> str:
    """YAML front matter block, keys in the given order, Unicode kept."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)
    return f"---\n{text}---\n\n"


@dataclass(frozen=True)
class Site:
    """Everything the index pages show."""

    papers: tuple[Paper, ...]
    taxonomy: Taxonomy
    problems: tuple[Problem, ...]
    records: int
    files: int


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
        "sources": [
            {
                "file": m.record.source.file,
                "line": m.record.source.line,
                "format": m.record.source.format,
                "kind": m.kind,
                "score": m.score,
                "language": m.record.language,
                "reason": m.reason,
            }
            for m in paper.cluster.members
        ],
    }


def render_paper(paper: Paper, site: Site) -> str:
    topics = {topic.slug: topic for topic in site.taxonomy.topics}
    body = _ENV.get_template("paper.md.j2").render(paper=paper, topics=topics)
    return front_matter(paper_front_matter(paper, site.taxonomy)) + body


def render_pages(site: Site) -> dict[str, str]:
    """Every generated page, by path relative to the docs folder."""
    pages = {f"papers/{paper.slug}.md": render_paper(paper, site) for paper in site.papers}
    by_topic = {topic.slug: [p for p in site.papers if topic.slug in p.topics] for topic in site.taxonomy.topics}
    for topic in site.taxonomy.topics:
        members = sorted(by_topic[topic.slug], key=lambda p: (p.date or (f"{p.year}" if p.year else ""), p.slug), reverse=True)
        pages[f"topics/{topic.slug}.md"] = _page("topic.md.j2", {"title": topic.name}, topic=topic, papers=members)
    clusters = [p for p in site.papers if len(p.cluster.members) > 1]
    kinds = Counter(m.kind for p in clusters for m in p.cluster.members[1:])
    errors = [p for p in site.problems if p.severity == "error"]
    warnings = [p for p in site.problems if p.severity == "warning"]
    context = dict(
        site=site,
        papers=site.papers,
        taxonomy=site.taxonomy,
        by_topic=by_topic,
        clusters=clusters,
        kinds=kinds,
        errors=errors,
        warnings=warnings,
        derived=[p for p in site.papers if p.title_derived],
        translations=sum(1 for p in site.papers for m in p.cluster.members if m.record.language != "en"),
    )
    pages["index.md"] = _page("home.md.j2", {"title": "Home"}, **context)
    pages["topics/index.md"] = _page("topics.md.j2", {"title": "Topics"}, **context)
    pages["duplicates.md"] = _page("duplicates.md.j2", {"title": "Duplicates"}, **context)
    pages["rejected.md"] = _page("rejected.md.j2", {"title": "Rejected input"}, **context)
    pages["needs-metadata.md"] = _page("needs-metadata.md.j2", {"title": "Needs metadata"}, **context)
    return pages


def _page(template: str, meta: dict[str, object], **context: object) -> str:
    return front_matter(meta) + _ENV.get_template(template).render(**context)


def first_sentence(text: str, limit: int = 200) -> str:
    sentence = re.split(r"(?<=[.!?。！？])\s", text, maxsplit=1)[0]
    return sentence if len(sentence) <= limit else sentence[: limit - 1].rsplit(" ", 1)[0] + " …"


_ENV.filters["first_sentence"] = first_sentence
