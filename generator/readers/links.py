"""Markdown lists of papers, as awesome-list READMEs write them, and plain lists of links.

The text is parsed with markdown-it-py (CommonMark with tables) into a token tree; each list
item, table row or paragraph is an item, and an item with a link to a paper is a paper. A
link to a paper is one to arXiv, OpenReview, the ACL Anthology, a DOI, a proceedings site
or a PDF; headings, tables of contents, badges, images and links to code, blogs, videos or
repositories are not papers, and prose is not read at all.

An item's title is its bold text (`**"Title"**`, `**[Title](url)**`), else the paper
link's text unless that is a label (`[paper]`, `[[PDF]]`, `arXiv`, a model name), else the
item's text before its first link; a table row's is its paper link's text, else its
longest cell of words. Authors come from italic text (`*Colin Raffel et al.*`); the date
from a prefix (`[2025/10]`, `(2023-01)`, a table's `2017-06` or `23.07` cell), else a year
in the text (`JMLR 2019`), else the arXiv id. A heading that links to a paper holds the
paragraphs under it: its authors and an `Abstract:` paragraph (a daily digest's shape).
Other items have no abstract: the paper waits for one from another file.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

from . import fields
from .base import Collector, Format

PAPER_HOST = re.compile(
    r"^https?://(?:www\.)?(?:(?:export\.)?arxiv\.org|ar5iv\.(?:labs\.)?arxiv\.org|openreview\.net|aclanthology\.org|(?:www\.)?aclweb\.org"
    r"|(?:dx\.)?doi\.org|proceedings\.neurips\.cc|papers\.nips\.cc|proceedings\.mlr\.press|openaccess\.thecvf\.com|ieeexplore\.ieee\.org"
    r"|dl\.acm\.org|link\.springer\.com|ojs\.aaai\.org|(?:www\.)?ijcai\.org|jmlr\.org|(?:www\.)?semanticscholar\.org/paper"
    r"|(?:www\.)?nature\.com/articles|(?:www\.)?science\.org/doi|(?:www\.)?sciencedirect\.com/science/article|huggingface\.co/papers)",
    re.IGNORECASE,
)
"""Sites whose links name a paper."""
NOT_PAPER = re.compile(r"^https?://(?:www\.)?(?:github\.com|gitlab\.com|img\.shields\.io|(?:www\.)?youtube\.com|youtu\.be|twitter\.com|x\.com)", re.IGNORECASE)
LABEL = re.compile(
    r"^\W*(?:paper|papers|pdf|arxiv|abs|abstract|html|link|here|doi|openreview|acl|code|github|project(?: page)?|page|website|homepage|blog|"
    r"demo|data(?:set)?|slides?|video|poster|checkpoints?|model|weights|official|site|details?|read|full text|preprint|论文|代码)\W*$",
    re.IGNORECASE,
)
"""Link texts that name what a link is, not the paper's title."""
VENUE = re.compile(r"^\W*[A-Za-z][A-Za-z&\-]{1,15}['’ ]?\s*(?:19|20)?\d{2}\W*$")
"""`ICLR 2024`, `NeurIPS'23`, `JMLR 2019`: a venue, not a title."""
DATE_PREFIX = re.compile(r"^\s*[\[(]?\s*((?:19|20)\d{2})(?:\s*[/.\-]\s*(\d{1,2}))?\s*[\])]?\s*[:\-–]?\s*")
SHORT_DATE = re.compile(r"^\s*(\d{2})\.(\d{2})\s*$")
"""A table cell `23.07`: July 2023."""
YEAR = re.compile(r"(?<![\d/.])((?:19|20)\d{2})(?![\d/]|\.\d)")
NUMBERING = re.compile(r"^\s*\d+[.)]\s+")
VENUE_IN_TEXT = re.compile(r"(?<![\w/])([A-Z][A-Za-z&]*[A-Z][A-Za-z&\-]*(?:['’]\d{2}|\s+(?:19|20)\d{2}))(?![\w/]|\.\d)")
"""`ICLR 2023`, `NeurIPS'23`, `JMLR 2019` written in an item: where the paper was published."""
ABSTRACT = re.compile(r"^\s*abstract\s*[:：]", re.IGNORECASE)
QUOTES = "\"'“”‘’«»"


def is_paper_link(href: str) -> bool:
    """Whether a link names a paper: a paper site, a DOI or arXiv id, or a PDF."""
    href = href.strip()
    if not href.lower().startswith(("http://", "https://")) or NOT_PAPER.match(href):
        return False
    return bool(PAPER_HOST.match(href) or href.lower().split("?", 1)[0].split("#", 1)[0].endswith(".pdf") or fields.identifiers(href))


def is_label(text: str) -> bool:
    """A link text that names the link, not the paper: `paper`, `PDF`, `ICLR 2024`, `T5`."""
    text = text.strip()
    words = text.split()
    return not text or bool(LABEL.match(text)) or bool(VENUE.match(text)) or (len(words) == 1 and len(text) <= 20) or text.startswith(("http://", "https://"))


@dataclass
class Span:
    """Text of an item, with how it is marked up."""

    text: str
    strong: bool = False
    emphasis: bool = False
    href: str | None = None


@dataclass
class Item:
    """A list item, a table row or a paragraph: where a paper may be."""

    line: int
    spans: list[Span] = field(default_factory=list)
    cells: list[list[Span]] = field(default_factory=list)
    """A table row's cells."""
    table: int = 0
    """Which table of the file holds the row (from 1); 0 for an item not in a table."""
    body: list[list[Span]] = field(default_factory=list)
    """A heading's paragraphs."""


@cache
def _parser():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def items(text: str) -> Iterator[Item]:
    """Every list item, table row and paragraph of a Markdown text (a list item's own
    paragraphs only: a nested list's items are items of their own), and every heading with a
    link to a paper, which holds the paragraphs under it that link to none (a digest's
    `### [Title](arxiv)`, its authors and its `Abstract:`)."""
    tokens = _parser().parse(text)
    row: Item | None = None
    heading: Item | None = None
    listed = table = 0
    for index, token in enumerate(tokens):
        if token.type == "list_item_open":
            listed += 1
        elif token.type == "list_item_close":
            listed -= 1
        elif token.type == "table_open":
            table += 1
        elif token.type == "heading_open" and heading is not None:
            yield heading
            heading = None
        elif token.type == "tr_open":
            row = Item((token.map or [0])[0] + 1, table=table)
        elif token.type == "tr_close" and row is not None:
            row.spans = [span for cell in row.cells for span in cell]
            yield row
            row = None
        elif token.type == "inline":
            spans = list(_spans(token.children or []))
            line = (token.map or [0])[0] + 1
            opened = tokens[index - 1].type if index else ""
            if row is not None:
                row.cells.append(spans)
            elif opened == "heading_open":
                if any(span.href and is_paper_link(span.href) for span in spans):
                    heading = Item(line, spans)
            elif opened == "paragraph_open":
                if heading is not None and not listed and not any(span.href and is_paper_link(span.href) for span in spans):
                    heading.body.append(spans)
                elif listed:
                    yield Item(line, spans)
                else:  # a paragraph's lines: a list of links written one a line, a paper written over lines, or prose
                    yield from (Item(line + n, part) for n, part in _paragraph_items(spans))
    if heading is not None:
        yield heading


def _paragraph_items(spans: list[Span]) -> Iterator[tuple[int, list[Span]]]:
    """A paragraph outside lists, cut into items: one item, unless more than one of its lines
    links to a paper; then a line with a paper link, or starting in bold, after a line with
    one starts the next item. Each with the line (from 0) it starts on."""
    lines: list[list[Span]] = [[]]
    for span in spans:
        if span.text == "\n":
            lines.append([])
        else:
            lines[-1].append(span)
    linked = [any(is_paper_link(span.href) if span.href else bool(BARE.search(span.text)) for span in line) for line in lines]
    if sum(linked) <= 1:
        yield 0, [span if span.text != "\n" else Span(" ", span.strong, span.emphasis, span.href) for span in spans]
        return
    start, current, has_link = 0, [], False
    for n, line in enumerate(lines):
        bold = bool(line) and line[0].strong
        if current and has_link and (linked[n] or bold):
            yield start, current
            start, current, has_link = n, [], False
        current = current + ([Span(" ")] if current else []) + line
        has_link = has_link or linked[n]
    if current:
        yield start, current


def _spans(children: list) -> Iterator[Span]:  # type: ignore[type-arg]
    strong = emphasis = superscript = 0
    href: str | None = None
    for child in children:
        kind = child.type
        if kind == "html_inline" and re.match(r"<(/?)(?:sup|sub)\b", child.content, re.IGNORECASE):
            superscript += -1 if child.content[1] == "/" else 1  # `Name<sup>1</sup>`: an affiliation mark
        elif superscript > 0:
            continue
        elif kind == "strong_open":
            strong += 1
        elif kind == "strong_close":
            strong -= 1
        elif kind == "em_open":
            emphasis += 1
        elif kind == "em_close":
            emphasis -= 1
        elif kind == "link_open":
            href = str(child.attrs.get("href") or "")
            yield Span("", strong > 0, emphasis > 0, href)  # marks where a link starts, even with no text
        elif kind == "link_close":
            href = None
        elif kind in ("text", "code_inline"):
            yield Span(child.content, strong > 0, emphasis > 0, href)
        elif kind in ("softbreak", "hardbreak"):
            yield Span("\n", strong > 0, emphasis > 0, href)
        # images (badges), inline HTML (`<u>`, `<br>`) and the like are not text of the item


def tidy(text: str) -> str:
    """A title as an item writes it, without its quotes, decorations and trailing marks."""
    text = fields.text(text) or ""
    text = "".join(c for c in text if unicodedata.category(c) not in ("So", "Sk", "Cs", "Co") and c not in "\ufe0f\u200d")
    text = re.sub(r"\s+", " ", text).strip()
    text = text.strip(" \t:;,–—-|*_`")
    while len(text) > 1 and text[0] in QUOTES and text[-1] in QUOTES:
        text = text[1:-1].strip()
    return text.rstrip(". ").strip(" \t:;,–—-") if text.endswith((". ", ".")) and not text.endswith("..") else text


def _has_paper_link(item: Item) -> bool:
    return any(span.href and is_paper_link(span.href) for span in item.spans)


def paper_of(item: Item, papers_table: bool = False) -> tuple[dict[str, object], str, str] | None:
    """The paper an item names, as record fields and an abstract, or None; and, when the item
    names one but its title cannot be told, why. In a table of papers (`papers_table`), a row's link with
    a title to any page but a code repository's names its paper."""
    if not any(span.href for span in item.spans):
        item = _bare_links(item)
    links = [span for span in item.spans if span.href is not None]
    papers = [span.href for span in links if span.href and is_paper_link(span.href)]
    if not papers and papers_table:
        papers = [span.href for span in links if span.href and span.href.startswith(("http://", "https://")) and not NOT_PAPER.match(span.href)
                  and not is_label(span.text)]
    if not papers:
        return None
    href = papers[0]
    ids: dict[str, object] = {}
    for other in papers:
        for key, value in fields.identifiers(other).items():
            ids.setdefault(key, value)
    text_of = lambda spans: "".join(span.text for span in spans)  # noqa: E731
    link_text = tidy(text_of(span for span in item.spans if span.href == href))
    title = ""
    strong = tidy(" ".join(chunk for chunk in _runs(item.spans, lambda span: span.strong) if chunk.strip()))
    if item.cells:
        cell = next((cell for cell in item.cells if any(span.href == href for span in cell)), [])
        title = tidy(text_of(span for span in cell if span.href == href))
        if is_label(title):
            candidates = [tidy(text_of(cell)) for cell in item.cells]
            candidates = [text for text in candidates if len(text.split()) >= 3 and not is_label(text)]
            title = max(candidates, key=len) if candidates else ""
    elif strong and not is_label(strong):
        title = strong
    elif link_text and not is_label(link_text):
        title = link_text
    else:
        before = tidy(_before_date(text_of(span for span in item.spans[: item.spans.index(next(s for s in item.spans if s.href is not None))])))
        before = NUMBERING.sub("", before).strip()
        title = before if before and not is_label(before) else ""
    prefix = text_of(item.cells[0]) if item.cells else text_of(item.spans)
    date = _date(prefix)
    authors, year = _authors(item.spans)
    record: dict[str, object] = {"title": title or None, **ids}
    if not ids.get("arxiv"):
        record["url"] = href
    rest = text_of(span for span in item.spans if span.href is None and not span.strong)
    abstract = ""
    for paragraph in item.body:
        if not authors:
            authors, year = _authors(paragraph)
        written = text_of(paragraph)
        if ABSTRACT.match(written):
            abstract = written
    if authors:
        record["authors"] = authors
    record["year"] = (int(date[:4]) if date else None) or year or _year(rest)
    venue = VENUE_IN_TEXT.search(rest)
    record["venue"] = fields.venue(venue[1]) if venue else None
    if date and len(date) > 4:
        record["date"] = date
    return record, abstract, "" if title else "a link to a paper, but no title in the item"


BARE = re.compile(r"(?P<href>https?://[^\s<>()\[\]]+[^\s<>()\[\].,;:!?'\"])|(?P<id>\barXiv:\s*\d{4}\.\d{4,5}(?:v\d+)?|\b10\.\d{4,9}/\S+)", re.IGNORECASE)
"""A link, an arXiv id or a DOI written out in the text."""


def _bare_links(item: Item) -> Item:
    """The item with its links, arXiv ids and DOIs written as text made links."""
    spans: list[Span] = []
    for span in item.spans:
        at = 0
        for match in BARE.finditer(span.text):
            spans.append(Span(span.text[at : match.start()], span.strong, span.emphasis))
            found = match[0] if match["href"] else (f"https://arxiv.org/abs/{fields.identifiers(match[0])['arxiv']}" if fields.identifiers(match[0]).get("arxiv")
                                                     else f"https://doi.org/{match[0]}")
            spans.append(Span(match[0], span.strong, span.emphasis, found))
            at = match.end()
        spans.append(Span(span.text[at:], span.strong, span.emphasis))
    return Item(item.line, [span for span in spans if span.text or span.href], item.cells)


def _runs(spans: list[Span], keep) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The texts of consecutive spans that `keep` keeps."""
    run: list[str] = []
    for span in spans:
        if keep(span):
            run.append(span.text)
        elif run:
            yield "".join(run)
            run = []
    if run:
        yield "".join(run)


def _before_date(text: str) -> str:
    return DATE_PREFIX.sub("", text, count=1) if DATE_PREFIX.match(text) and _date(text) else text


def _date(text: str) -> str | None:
    """`YYYY` or `YYYY-MM` from a date at the start of an item (or its first cell)."""
    short = SHORT_DATE.match(text)
    if short and 1 <= int(short[2]) <= 12:
        return f"20{short[1]}-{int(short[2]):02d}"
    match = DATE_PREFIX.match(text)
    if not match or (not match[2] and not re.match(r"^\s*[\[(]", text)):
        return None
    if match[2] and 1 <= int(match[2]) <= 12:
        return f"{match[1]}-{int(match[2]):02d}"
    return match[1]


def _year(text: str) -> int | None:
    match = YEAR.search(text)
    return int(match[1]) if match else None


def _authors(spans: list[Span]) -> tuple[tuple[str, ...], int | None]:
    """Names in the item's italic text (`*Colin Raffel et al.*`, `*A. B and C. D (2023)*`), and
    a year written with them."""
    for run in _runs(spans, lambda span: span.emphasis and span.href is None):
        text = run.strip().strip(".,;")
        year = _year(text)
        text = re.sub(r"\(?\b(?:19|20)\d{2}\b\)?", "", text)
        text = re.sub(r"\bet\.?\s*al\.?", "", text, flags=re.IGNORECASE).strip(" ,.;")
        names = [name.strip() for name in re.split(r",|\band\b|&", text) if name.strip()]
        if names and all(1 <= len(name.split()) <= 5 and name[:1].isupper() for name in names):
            return tuple(names), year
    return (), None


def detect(text: str, suffix: str) -> float:
    """A Markdown file (by name, or by its lists and tables) with links to papers: more
    sure the more of its list items and table rows have one."""
    if suffix in (".csv", ".tsv"):
        return 0.0
    markdown = suffix in (".md", ".markdown") or bool(re.search(r"^\s{0,3}(?:#{1,6}\s|[-*+]\s+\[|\|.*\|\s*$)", text, re.MULTILINE))
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return 0.0
    linked = [line for line in lines if "](" in line or "://" in line]
    if not any(is_paper_link(href) for line in linked[:400] for href in re.findall(r"\]\((\S+?)\)|(https?://\S+)", line) for href in href if href):
        return 0.0
    share = len(linked) / len(lines)
    if markdown:
        return max(0.6, min(1.0, share + 0.5))
    return share if share >= 0.5 else 0.0


def read(text: str, out: Collector) -> None:
    found_items = list(items(text))
    tables: dict[int, list[Item]] = {}
    for item in found_items:
        if item.table:
            tables.setdefault(item.table, []).append(item)
    # A table whose rows mostly link to papers lists papers: a row whose link is to the
    # paper's own page (a project or publisher's page) with its title is one too.
    papers_tables = {table for table, rows in tables.items() if sum(1 for row in rows if _has_paper_link(row)) * 2 >= len(rows)}
    for item in found_items:
        found = paper_of(item, item.table in papers_tables)
        if found is None:
            continue
        metadata, abstract, why = found
        if why and not any(metadata.get(key) for key in ("arxiv", "doi")):
            out.reject(item.line, why, "".join(span.text for span in item.spans))
            continue
        out.add(item.line, abstract, **{key: value for key, value in metadata.items() if value is not None})


FORMAT = Format("links", detect, read, "a list of links")
