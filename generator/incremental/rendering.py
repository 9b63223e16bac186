"""The pages of the last build, kept so that an edit renders again only the papers it changed.

For every paper the state keeps its `pages.Card` (what the index pages show of it), the
digest and size of its page, the key of what the page was made from (a digest of the paper
itself, its citation key and the topic names: `page_key`), and a digest of the paper for
the blocks of the compressed exports. An update renders the pages whose key changed, and
makes every index page and export again with the functions of a build from nothing
(`pages`, `exports`), from the cards and, for the exports, from the blocks the cache holds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..digests import digest, key_of
from ..exports import PAPERS_JSON, bibtex, block_cuts, citation_base, compressed, export_names, large, numbered, paper_json, papers_bib, papers_json
from ..model import Paper, Problem, Related, evolve
from ..pages import Card, Rendered, Site, card, index_pages, paper_path
from ..redirects import Previous, find_moves, paper_keys
from ..render import render_paper
from ..topics import Taxonomy
from ..writer import KnownPage, Page, page_digest
from .cache import CachedWork
from .tables import Chunked, SetTable, Table

Column = tuple[str, int, str, str]
"""What the state keeps of a paper's outputs: its page's digest and size, the page's key
(`page_key`), and a digest of the paper (the exports' blocks are keyed by these)."""


def page_key(paper_digest: str, cite: str, names: str) -> str:
    """What a paper's page is made from: the paper (with its related papers), its citation
    key and the topic names (`names`: a digest of the taxonomy's topics)."""
    return key_of(paper_digest, cite, names)


def topic_names(taxonomy: Taxonomy) -> str:
    return digest(*taxonomy.topics)


class Rendering:
    """Every paper's card and column, citation key and identity keys (for redirects)."""

    def __init__(self) -> None:
        self.rows: Table[dict[str, Any]] = Table("page-parts")
        self.cards: Chunked[Card] = Chunked(self.rows, "card:")
        self.column: Chunked[Column] = Chunked(self.rows, "column:")
        self.cite_of: Table[str] = Table("cite-key")
        self.base_of: Table[str] = Table("cite-base-of")
        self.by_cite = SetTable("cite-base")
        self.keys_of: Table[frozenset[str]] = Table("identity-keys")
        self.owners = SetTable("owners")
        """Identity key digest -> the slugs of the papers that hold it (for redirects)."""
        self._texts: dict[str, bytes] = {}
        """Pages rendered by this build, for the writer."""

    def __getstate__(self) -> dict[str, object]:
        return {name: value for name, value in self.__dict__.items() if not name.startswith("_")}

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._texts = {}

    def tables(self) -> list[Table[Any]]:
        return [self.rows, self.cite_of, self.base_of, self.by_cite, self.keys_of, self.owners]

    @classmethod
    def of(cls, papers: Sequence[Paper], rendered: Rendered, taxonomy: Taxonomy, store: Table[Paper], work: CachedWork) -> Rendering:
        """What a build from nothing rendered of `papers` (in slug order, with their related
        papers)."""
        made = cls()
        names = topic_names(taxonomy)
        work.digest_all(papers)
        owned: list[tuple[str, str]] = []
        cited: list[tuple[str, str]] = []
        for paper, item in zip(papers, rendered.cards):
            slug = paper.slug
            store[slug] = evolve(paper, related=())
            base = citation_base(paper)
            made.base_of[slug] = base
            cited.append((base, slug))
            made.cite_of[slug] = cite = rendered.cites[slug]
            keys = frozenset(key_of(key) for key in paper_keys(paper))
            made.keys_of[slug] = keys
            owned += [(key, slug) for key in keys]
            data = rendered.pages[paper_path(slug)]
            assert isinstance(data, bytes)
            paper_digest = work.digest(paper)
            made.column[slug] = (page_digest(data), len(data), page_key(paper_digest, cite, names), paper_digest)
            made.cards[slug] = item
        made.by_cite.add_all(cited)
        made.owners.add_all(owned)
        return made

    def known_pages(self, pages: Mapping[str, str | bytes]) -> dict[str, Page]:
        """These paper pages as the writer takes them with their digests known (made by
        `of`: not made again)."""
        return {path: KnownPage(digest_, size, functools.partial(bytes, pages[path]))
                for path, (digest_, size, _, _) in ((paper_path(slug), column) for slug, column in self.column.items())}

    def update(self, removed: Iterable[str], added: Sequence[Paper], related: set[str], neighbours: Any, store: Table[Paper],
               taxonomy: Taxonomy, work: CachedWork) -> set[str]:
        """Take out the papers `removed` (slugs) and put in (or replace) those `added`, give
        the papers in `related` (slugs) their related papers from `neighbours` again, and
        render the pages whose key changed. Returns the slugs of the papers looked at again."""
        fresh = {paper.slug: paper for paper in added}
        gone = set(removed) - fresh.keys()
        before = {slug: item.title for slug in fresh if (item := self.cards.get(slug)) is not None}
        bases = set()
        for slug in sorted(set(removed) | fresh.keys()):
            base = self.base_of.pop(slug)
            if base is not None:
                bases.add(base)
                self.by_cite.discard(base, slug)
            for key in self.keys_of.pop(slug) or ():
                self.owners.discard(key, slug)
        for slug in gone:
            store.pop(slug)
            self.cite_of.pop(slug)
            self.column.pop(slug)
            self.cards.pop(slug)
        again = set(fresh) | {slug for slug in related if slug in fresh or slug in self.column}
        cited = [(citation_base(paper), slug) for slug, paper in fresh.items()]
        for base, slug in cited:
            self.base_of[slug] = base
        self.by_cite.add_all(cited)
        for base in sorted(bases | {base for base, _ in cited}):
            for slug, key in numbered(base, self.by_cite.get(base) or ()).items():
                if self.cite_of.get(slug) != key:
                    self.cite_of[slug] = key
                    again.add(slug)
        renamed = {slug for slug, title in before.items() if fresh[slug].title != title}
        if renamed:  # papers that list a paper whose title changed under the same slug
            again |= {slug for slug in neighbours.listing(renamed) if slug in fresh or slug in self.column}
        titles = _Titles(self.cards, {slug: paper.title for slug, paper in fresh.items()})
        kept = store.get_many(sorted(again - fresh.keys()))
        papers = [evolve(fresh.get(slug) or kept[slug], related=neighbours.related(slug, titles)) for slug in sorted(again)]
        self._put_in(papers, taxonomy, store, set(fresh), work)
        return again

    def _put_in(self, papers: Sequence[Paper], taxonomy: Taxonomy, store: Table[Paper], fresh: set[str], work: CachedWork) -> None:
        """Each paper's card and column, its page rendered again if its key changed."""
        names = topic_names(taxonomy)
        cites = [self.cite_of[paper.slug] for paper in papers]
        digests = [work.digest(paper) for paper in papers]
        keys = [page_key(d, cite, names) for d, cite in zip(digests, cites)]
        stale = [i for i, (paper, key) in enumerate(zip(papers, keys)) if (self.column.get(paper.slug) or ("", 0, ""))[2] != key]
        texts = work.each(lambda i: render_paper(papers[i], taxonomy, cites[i]).encode("utf-8"), stale, "render", heavy=len(stale) >= MANY)
        made = dict(zip(stale, texts))
        owned: list[tuple[str, str]] = []
        for i, paper in enumerate(papers):
            slug = paper.slug
            if slug in fresh:  # kept without its related papers, which change more often
                store[slug] = evolve(paper, related=())
                identity = frozenset(key_of(key) for key in paper_keys(paper))
                self.keys_of[slug] = identity
                owned += [(key, slug) for key in identity]
            if i in made:
                data = self._texts[slug] = made[i]
                self.column[slug] = (page_digest(data), len(data), keys[i], digests[i])
            else:
                digest_, size, key, _ = self.column[slug]  # type: ignore[misc]
                self.column[slug] = (digest_, size, key, digests[i])
            self.cards[slug] = card(paper)
        self.owners.add_all(owned)

    def moves(self, previous: Previous) -> dict[str, str]:
        """Redirects: old slug -> new slug, for papers whose URL changed (see `redirects`)."""
        current = set(self.column.keys())
        vanished = {slug: {key_of(key) for key in keys} for slug, keys in previous.vanished(current).items()}
        owners = self.owners.get_many(sorted({key for keys in vanished.values() for key in keys}))
        return find_moves(vanished.items(), owners, current, previous.moved)

    def pages(self, store: Table[Paper], neighbours: Any, taxonomy: Taxonomy, problems: tuple[Problem, ...], records: int, files: int,
              moved: dict[str, str], work: CachedWork, settings: Any = None) -> dict[str, Page]:
        """Every generated page, by path relative to the docs folder: a `KnownPage` where
        the text is known by its digest (made only if the writer needs it)."""
        texts, self._texts = self._texts, {}
        cards = list(self.cards.values())
        titles = _Titles(self.cards, {})
        with_related = functools.partial(_with_related, store, neighbours, titles)
        pages: dict[str, Page] = {}
        columns: list[tuple[str, Column]] = list(self.column.items())
        for slug, (digest_, size, _, _) in columns:
            data = texts.get(slug)
            made = functools.partial(bytes, data) if data is not None else functools.partial(self._page_text, with_related, taxonomy, slug)
            pages[paper_path(slug)] = KnownPage(digest_, size, made)
        site = Site(cards, taxonomy, problems, records, files, moved, with_related, settings) if settings else Site(
            cards, taxonomy, problems, records, files, moved, with_related)
        pages.update(index_pages(site))
        pages.update(self._exports(columns, store, neighbours, with_related, work))
        return pages

    def _page_text(self, with_related: Callable[[Sequence[str]], list[Paper]], taxonomy: Taxonomy, slug: str) -> str:
        return render_paper(with_related([slug])[0], taxonomy, self.cite_of[slug])

    def _exports(self, columns: list[tuple[str, Column]], store: Table[Paper], neighbours: Any, with_related: Callable[[Sequence[str]], list[Paper]],
                 work: CachedWork) -> dict[str, Page]:
        """papers.json and papers.bib (see `exports.export_files`): past LARGE_LIST papers by
        blocks, a block made only when the cache does not have it, from its papers' digests."""
        slugs = [slug for slug, _ in columns]
        digests = [column[3] for _, column in columns]
        json_name, bib_name = export_names(len(slugs))
        if not large(len(slugs)):
            papers = with_related(slugs)
            return {json_name: papers_json([paper_json(paper) for paper in papers]),
                    bib_name: papers_bib([bibtex(paper, self.cite_of[paper.slug], True) for paper in papers])}
        cuts = block_cuts(slugs)
        cites = self.cite_of.get_many(slugs)
        head, separator, tail = PAPERS_JSON
        work = work.here()  # the blocks' lines read the papers from the state

        def json_lines(start: int, end: int) -> list[str]:
            return [paper_json(paper) for paper in _with_scores(store, neighbours, slugs[start:end])]

        def bib_lines(start: int, end: int) -> list[str]:  # an entry shows no related papers
            found = store.get_many(slugs[start:end])
            return [bibtex(found[slug], cites[slug], False) for slug in slugs[start:end]]

        return {
            json_name: compressed("json", cuts, head, tail, separator, json_lines, lambda start, end: digests[start:end], work),
            bib_name: compressed("bib", cuts, "", "", "\n", bib_lines,
                                 lambda start, end: [part for i in range(start, end) for part in (digests[i], cites[slugs[i]])], work),
        }


MANY = 1_000
"""Pages from which rendering them is worth other processes."""


def _with_related(store: Table[Paper], neighbours: Any, titles: Any, slugs: Sequence[str]) -> list[Paper]:
    """The papers of these slugs, with their related papers."""
    found = store.get_many(slugs)
    return [evolve(found[slug], related=neighbours.related(slug, titles)) for slug in slugs]


def _with_scores(store: Table[Paper], neighbours: Any, slugs: Sequence[str]) -> list[Paper]:
    """The papers of these slugs, with their related papers' slugs and scores only: all a
    papers.json line shows of them (`exports.paper_record`)."""
    found = store.get_many(slugs)
    return [evolve(found[slug], related=tuple(Related(other, "", round(score, 3)) for other, score in neighbours.lists.get(slug) or ()))
            for slug in slugs]


class _Titles:
    """Paper titles by slug, for related-paper lists: the new ones, else as the cards have them."""

    def __init__(self, cards: Chunked[Card], fresh: dict[str, str]) -> None:
        self.cards, self.fresh = cards, fresh

    def __getitem__(self, slug: str) -> str:
        return self.fresh[slug] if slug in self.fresh else self.cards.get(slug).title  # type: ignore[union-attr]
