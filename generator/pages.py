"""Papers -> every generated page: the paper pages, the index pages and the exports.

An index page is a function of the site (`Site`): every paper's `Card` (what index pages
show of a paper), the taxonomy and the build's facts. Each is registered with
`@index_page`; `render_site` makes them all. The build's state keeps the cards between
builds (`incremental.rendering`), so an edit makes again the cards of the papers it
changed, and every index page from all cards, with the same functions.
"""

from __future__ import annotations

import html
import itertools
import os
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from markupsafe import Markup, escape

from .exports import FEED_ENTRIES, atom_feed, citation_keys, export_files, export_names, large
from .model import Paper, Problem, group_problems
from .render import HTML, UNSEARCHED, first_sentence, html_page, page, render_paper
from .settings import ListSettings
from .topics import Taxonomy
from .work import Work


@dataclass(frozen=True)
class Card:
    """What the index pages show of a paper (`card`)."""

    slug: str
    title: str
    year: int | None
    date: str | None
    topics: tuple[str, ...]
    title_derived: bool
    has_abstract: bool
    teaser: str
    """The abstract's first sentence."""
    kinds: tuple[str, ...]
    """How its records but the canonical one were merged (`Member.kind`)."""
    foreign: int
    """Its records not in English."""
    merges: str
    """Its part of the duplicates page (HTML); "" for a paper of one record."""


def card(paper: Paper) -> Card:
    members = paper.cluster.members
    return Card(
        slug=paper.slug,
        title=paper.title,
        year=paper.year,
        date=paper.date,
        topics=paper.topics,
        title_derived=paper.title_derived,
        has_abstract=bool(paper.abstract),
        teaser=first_sentence(paper.abstract) if paper.abstract else "",
        kinds=tuple(member.kind for member in members[1:]),
        foreign=sum(1 for member in members if member.record.language != "en"),
        merges=HTML.get_template("duplicate.html.j2").render(paper=paper) if len(members) > 1 else "",
    )


@dataclass(frozen=True)
class Site:
    """What the index pages are made of."""

    cards: Sequence[Card]
    """Every paper's card, in slug order."""
    taxonomy: Taxonomy
    problems: tuple[Problem, ...]
    records: int
    files: int
    moved: Mapping[str, str] = field(default_factory=dict)
    """Redirects: old slug -> the slug of the paper it moved to (see `redirects`)."""
    papers: Callable[[Sequence[str]], Sequence[Paper]] = lambda slugs: ()
    """The papers of these slugs, for a page that shows more than their cards (the feed)."""
    settings: ListSettings = field(default_factory=ListSettings)
    """The list's name, intro and feed settings (from mkdocs.yml)."""

    @cached_property
    def by_slug(self) -> dict[str, Card]:
        return {card.slug: card for card in self.cards}

    @cached_property
    def by_topic(self) -> dict[str, list[Card]]:
        """Each topic's papers, newest first (by date, else year; ties by slug, reversed)."""
        topics: dict[str, list[Card]] = {topic.slug: [] for topic in self.taxonomy.topics}
        for item in self.cards:
            for topic in item.topics:
                topics.setdefault(topic, []).append(item)
        return {slug: sorted(items, key=_sort_key, reverse=True) for slug, items in topics.items()}

    @cached_property
    def context(self) -> dict[str, object]:
        """What the templates of the index pages are given."""
        problems = self.problems
        errors = [p for p in problems if p.severity == "error" and not p.curated]
        warnings = [p for p in problems if p.severity == "warning" and not p.curated]
        derived = [item for item in self.cards if item.title_derived]
        abstractless = [item for item in self.cards if not item.has_abstract]
        duplicated = [item for item in self.cards if item.merges]
        by_topic = {topic.slug: len(self.by_topic[topic.slug]) for topic in self.taxonomy.topics}
        kinds: Counter[str] = Counter(kind for item in self.cards for kind in item.kinds)
        return dict(
            records=self.records,
            files=self.files,
            exports=export_names(len(self.cards)),
            count=len(self.cards),
            taxonomy=self.taxonomy,
            by_topic=by_topic,
            duplicated=len(duplicated),
            blocks=Markup("".join(item.merges for item in duplicated)),
            kinds=kinds,
            errors=errors,
            warnings=warnings,
            error_runs=group_problems(errors),
            warning_runs=group_problems(warnings),
            curation=[p for p in problems if p.curated],
            derived=len(derived),
            derived_items=Markup("".join(_listing(item) for item in derived)),
            abstractless=len(abstractless),
            abstractless_items=Markup("".join(_listing(item) for item in abstractless)),
            chart=[(topic.name, by_topic[topic.slug]) for topic in self.taxonomy.topics],
            translations=sum(item.foreign for item in self.cards),
            settings=self.settings,
        )


def _sort_key(item: Card) -> tuple[str, str]:
    return (item.date or (f"{item.year}" if item.year else ""), item.slug)


def _listing(item: Card) -> str:
    return f'<li><a href="papers/{escape(item.slug)}.md">{escape(item.title)}</a></li>\n'


IndexPage = Callable[[Site], Mapping[str, str]]
INDEX_PAGES: list[IndexPage] = []
"""Every index page's function, in the order registered."""


def index_page(make: IndexPage) -> IndexPage:
    """Register a function that makes index pages: path (relative to docs/) -> text."""
    INDEX_PAGES.append(make)
    return make


def index_pages(site: Site) -> dict[str, str]:
    """Every index page of the site."""
    pages: dict[str, str] = {}
    for make in INDEX_PAGES:
        for path, text in make(site).items():
            if path in pages:
                raise ValueError(f"two index pages write {path}: {make.__name__} and another")
            pages[path] = text
    return pages


@index_page
def home(site: Site) -> dict[str, str]:
    """The reader's way in: the list's name and intro (mkdocs.yml, or home.md), its topics,
    exports and search."""
    return {"index.md": page("home.md.j2", {"title": "Home", **UNSEARCHED}, intro=Markup(site.settings.intro), **site.context)}


@index_page
def about(site: Site) -> dict[str, str]:
    """What the list was made of: records read, merged and rejected, for its maintainer."""
    return {"about-this-list.md": page("about.md.j2", {"title": "About this list", **UNSEARCHED}, **site.context)}


@index_page
def topics(site: Site) -> dict[str, str]:
    """The topics, and a page for each: its papers, newest first (past `exports.LARGE_LIST`
    papers, titles only)."""
    teasers = not large(len(site.cards))
    pages = {"topics/index.md": page("topics.md.j2", {"title": "Topics"}, **site.context)}
    for topic in site.taxonomy.topics:
        items = site.by_topic[topic.slug]
        body = Markup("".join(_topic_item(item, teasers) for item in items))
        pages[f"topics/{topic.slug}.md"] = html_page("topic.html.j2", {"title": topic.name, **UNSEARCHED}, topic=topic, count=len(items), items=body)
    return pages


def _topic_item(item: Card, teasers: bool) -> str:
    year = f" ({item.year})" if item.year else ""
    teaser = f": {escape(item.teaser)}" if teasers and item.has_abstract else ""
    return f'<li><a href="../papers/{escape(item.slug)}.md">{escape(item.title)}</a>{year}{teaser}</li>\n'


@index_page
def tags(site: Site) -> dict[str, str]:
    return {"tags.md": page("tags.md.j2", {"title": "Tags", **UNSEARCHED}, **site.context)}


@index_page
def duplicates(site: Site) -> dict[str, str]:
    return {"duplicates.md": html_page("duplicates.html.j2", {"title": "Duplicates", **UNSEARCHED}, **site.context)}


@index_page
def rejected(site: Site) -> dict[str, str]:
    return {"rejected.md": html_page("rejected.html.j2", {"title": "Rejected input", **UNSEARCHED}, **site.context)}


@index_page
def needs_metadata(site: Site) -> dict[str, str]:
    return {"needs-metadata.md": html_page("needs-metadata.html.j2", {"title": "Needs metadata", **UNSEARCHED}, **site.context)}


@index_page
def moved(site: Site) -> dict[str, str]:
    """A redirect page at the old URL of each paper whose URL changed."""
    pages = {}
    for old, new in site.moved.items():
        title = site.by_slug[new].title
        meta = {"title": html.escape(title, quote=False), "template": "moved.html", "moved_to": new, **UNSEARCHED}
        pages[paper_path(old)] = page("moved.md.j2", meta, slug=new, title=title)
    return pages


@index_page
def feed(site: Site) -> dict[str, str]:
    """The Atom feed of the FEED_ENTRIES newest papers with a date or a year."""
    dated = sorted(((item.date or f"{item.year}-01-01", item.slug) for item in site.cards if item.date or item.year), reverse=True)
    newest = [slug for _, slug in itertools.islice(dated, FEED_ENTRIES)]
    settings = site.settings
    return {"feed.xml": atom_feed(list(site.papers(newest)), settings.feed_title or settings.name, settings.url, settings.feed_author)}


def paper_path(slug: str) -> str:
    """A paper's page, relative to the docs folder."""
    return f"papers/{slug}.md"


@dataclass(frozen=True)
class Rendered:
    """Every generated page of a list of papers, and what they were made with."""

    pages: dict[str, str | bytes]
    """By path relative to docs/: paper pages as UTF-8 bytes."""
    cards: list[Card]
    """Every paper's card, in slug order."""
    cites: dict[str, str]
    """Every paper's citation key, by slug."""


def render_site(papers: Sequence[Paper], taxonomy: Taxonomy, problems: tuple[Problem, ...], records: int, files: int,
                moved: Mapping[str, str] | None = None, work: Work | None = None, settings: ListSettings | None = None) -> Rendered:
    """Every generated page of these papers (in slug order)."""
    work = work or Work()
    cites = citation_keys(papers)

    def made(i: int) -> tuple[bytes, Card]:
        return render_paper(papers[i], taxonomy, cites[papers[i].slug]).encode("utf-8"), card(papers[i])

    pairs = work.each(made, list(range(len(papers))), "render", heavy=len(papers) >= MANY)
    pages: dict[str, str | bytes] = {paper_path(paper.slug): page for paper, (page, _) in zip(papers, pairs)}
    cards = [item for _, item in pairs]
    by_slug = {paper.slug: paper for paper in papers}
    pages.update(index_pages(Site(cards, taxonomy, problems, records, files, moved or {}, lambda slugs: [by_slug[s] for s in slugs],
                                  settings or ListSettings())))
    pages.update(export_files(papers, cites, work))
    return Rendered(pages, cards, cites)


MANY = 1_000
"""Papers from which their pages are worth rendering in other processes."""
