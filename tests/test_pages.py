"""Small things on the pages, read back with a real HTML parser: escaping, counts, nesting."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from support import DEMO, SEEDS, generate, make_project, mkdocs_build, parse_html, text_of

TITLE = 'Q&A about "Sleeper" <Agents> & Co'


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds, a catalog title full of HTML specials, a forced merge, a hand-written page."""
    folder = tmp_path_factory.mktemp("pages")
    catalog = (DEMO / "catalog.yml").read_text("utf-8").replace(
        'title: "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training"', f"title: '{TITLE}'", 1)
    (folder / "catalog.yml").write_text(catalog, "utf-8")
    overrides = (DEMO / "duplicates.yml").read_text("utf-8") + (
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
    meta = [(m.get("name"), m.get("content")) for m in parse_html(page).iter("meta")]
    assert [content for name, content in meta if name == "citation_title"] == [TITLE]
    assert [content for name, content in meta if name == "citation_author"][0] == "Evan Hubinger"


def test_merge_counts_add_up_everywhere(project: Path):
    rows = [[text_of(td) for td in tr.iter("td")] for tr in parse_html(project / "site" / "about-this-list" / "index.html").iter("tr")]
    cell = next(row[1] for row in rows if row and row[0] == "Duplicates merged")
    total, parts = re.fullmatch(r"(\d+) records: (.+)", cell).groups()
    assert sum(int(n) for n in re.findall(r"(\d+) ", parts)) == int(total) == 9
    assert "1 forced by duplicates.yml" in parts and "2 translations" in parts and "1 reworded version" in parts
    duplicates = (project / "site" / "duplicates" / "index.html").read_text("utf-8")
    text = re.sub(r"<[^>]+>", "", duplicates)
    assert "appear more than once in the seed files. Merged into them: 9 records: 5 exact copies, 1 reworded version, 2 translations, 1 forced by duplicates.yml." in text


def test_generated_pages_convert_to_well_formed_html(project: Path):
    """Every generated page, through Python-Markdown with the site's extensions, parses as
    HTML5 without a single parse error (a <p> inside a <p> left a stray </p>). The built,
    minified pages are checked by the Nu HTML Checker in test_tools.py."""
    import html5lib
    import markdown

    extensions = ["tables", "admonition", "pymdownx.details", "pymdownx.superfences", "attr_list", "toc"]  # as mkdocs.yml
    pages = sorted((project / "docs").rglob("*.md"))
    assert any("<details" in p.read_text("utf-8") for p in pages), "the seeds have translated duplicates"
    for page in pages:
        body = page.read_text("utf-8").split("\n---\n", 1)[-1]
        html = markdown.markdown(body, extensions=extensions)
        html5lib.HTMLParser(strict=True).parseFragment(html)  # raises on any parse error


def test_about_table_has_no_empty_header(project: Path):
    headers = [text_of(th) for th in parse_html(project / "site" / "about-this-list" / "index.html").iter("th")]
    assert headers[:2] == ["In this list", "Count"] and "" not in headers


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
    links = [e.get(a) for e in parse_html(project / "site" / "404.html").iter() for a in ("href", "src") if e.get(a)]
    assert links and not [link for link in links if link.startswith("/") and not link.startswith("//")], links
    hosted = mkdocs_build(project, "--site-dir", str(project / "site-hosted"), env={"SITE_URL": "https://example.org/list/"})
    assert hosted.returncode == 0, hosted.stderr
    hosted_links = [e.get("href") for e in parse_html(project / "site-hosted" / "404.html").iter("link") if e.get("href")]
    assert any(link.startswith("/list/assets/") for link in hosted_links), hosted_links
    shutil.rmtree(project / "site-hosted")
