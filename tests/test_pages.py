"""Small things on the pages, read back with a real HTML parser: escaping, counts, nesting."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from support import ROOT, SEEDS, generate, make_project, mkdocs_build

TITLE = 'Q&A about "Sleeper" <Agents> & Co'


class Meta(HTMLParser):
    """<meta name=...> contents, and every element's parent, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, list[str]] = {}
        self.stack: list[str] = []
        self.nested_paragraphs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "meta" and values.get("name"):
            self.meta.setdefault(values["name"] or "", []).append(values.get("content") or "")
        if tag == "p" and "p" in self.stack:
            self.nested_paragraphs += 1
        if tag not in ("meta", "link", "br", "img", "input", "hr", "path", "circle", "rect"):
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass


def parse(path: Path) -> Meta:
    parser = Meta()
    parser.feed(path.read_text("utf-8"))
    return parser


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds, a catalog title full of HTML specials, a forced merge, a hand-written page."""
    folder = tmp_path_factory.mktemp("pages")
    catalog = (ROOT / "catalog.yml").read_text("utf-8").replace(
        'title: "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training"', f"title: '{TITLE}'", 1)
    (folder / "catalog.yml").write_text(catalog, "utf-8")
    overrides = (ROOT / "duplicates.yml").read_text("utf-8") + (
        "same:\n  - [\"We identify empirical scaling laws for the cross-entropy loss\", "
        "\"we train GPT-3, an autoregressive language model with 175 billion parameters\"]\n")
    (folder / "duplicates.yml").write_text(overrides, "utf-8")
    project = make_project(folder / "project")
    result = generate(SEEDS, project / "docs", "--catalog", str(folder / "catalog.yml"), "--overrides", str(folder / "duplicates.yml"))
    assert result.returncode == 0, result.stderr
    (project / "docs" / "about.md").write_text("# About this list\n\nHand-written, and in no nav.\n", "utf-8")
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    return project


def test_citation_tags_hold_the_title_exactly_once_escaped(project: Path):
    (page,) = (project / "site" / "papers").glob("q-a-about-sleeper-agents-co-*/index.html")
    meta = parse(page).meta
    assert meta["citation_title"] == [TITLE]
    assert meta["citation_author"][0] == "Evan Hubinger"


def test_merge_counts_add_up_everywhere(project: Path):
    home = (project / "site" / "index.html").read_text("utf-8")
    cell = re.search(r"<td>Duplicates merged</td>\s*<td>(.+?)</td>", home)[1]
    total, parts = re.fullmatch(r"(\d+) records: (.+)", cell).groups()
    assert sum(int(n) for n in re.findall(r"(\d+) ", parts)) == int(total) == 9
    assert "1 forced by duplicates.yml" in parts and "2 translations" in parts and "1 reworded version" in parts
    duplicates = (project / "site" / "duplicates" / "index.html").read_text("utf-8")
    text = re.sub(r"<[^>]+>", "", duplicates)
    assert "appear more than once in the seed files. Merged into them: 9 records: 5 exact copies, 1 reworded version, 2 translations, 1 forced by duplicates.yml." in text


def test_no_paragraph_inside_a_paragraph(project: Path):
    pages = sorted((project / "site" / "papers").glob("*/index.html"))
    translated = [p for p in pages if "<details" in p.read_text("utf-8")]
    assert translated, "the seeds have translated duplicates"
    for page in pages:
        assert parse(page).nested_paragraphs == 0, page


def test_home_table_has_no_empty_header(project: Path):
    home = (project / "site" / "index.html").read_text("utf-8")
    assert "<th></th>" not in home and "<th>Count</th>" in home


def test_hand_written_page_outside_the_nav_builds_in_strict_mode(project: Path):
    assert "About this list" in (project / "site" / "about" / "index.html").read_text("utf-8")


def test_cli_counts_use_plurals(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Abstract: One abstract about reward hacking in agents.\n", "utf-8")
    (seeds / "b.txt").write_text("Some prose about calibration of language models, as a paragraph.\n", "utf-8")
    (tmp_path / "empty.yml").write_text("", "utf-8")
    empty = str(tmp_path / "empty.yml")
    result = generate(seeds, tmp_path / "docs", "--catalog", empty, "--overrides", empty)
    assert "2 files read, 2 records found, 2 unique papers, 0 duplicates merged, 0 rejected, 1 warning\n" in result.stdout


def test_404_page_links_are_relative_without_a_site_url(project: Path):
    page = (project / "site" / "404.html").read_text("utf-8")
    assert not re.search(r'(?:href|src)="/(?!/)', page), "root-absolute link in 404.html"
    hosted = mkdocs_build(project, "--site-dir", str(project / "site-hosted"), env={"SITE_URL": "https://example.org/list/"})
    assert hosted.returncode == 0, hosted.stderr
    assert 'href="/list/assets/' in (project / "site-hosted" / "404.html").read_text("utf-8")
    shutil.rmtree(project / "site-hosted")
