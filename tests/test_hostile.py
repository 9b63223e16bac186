"""Hostile and broken input: nothing lost, nothing executed, nothing written outside docs/."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

import frontmatter
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.build import read_seeds
from generator.readers import read_seed
from hostile_corpus import IFRAME, IMG, JS_LINK, SCRIPT, write_corpus
from support import generate, make_project, mkdocs_build


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("hostile")
    cases = write_corpus(root / "seeds")
    before = {p for p in root.parent.rglob("*") if p.is_file()}
    result = generate(root / "seeds", root / "project" / "docs")
    after = {p for p in root.parent.rglob("*") if p.is_file()}
    return {"root": root, "cases": cases, "result": result, "new_files": after - before}


def test_build_completes_and_strict_mode_fails(hostile: dict, tmp_path: Path):
    assert hostile["result"].returncode == 0, hostile["result"].stderr
    strict = generate(hostile["root"] / "seeds", tmp_path / "docs", "--strict")
    assert strict.returncode == 1


def test_nothing_is_written_outside_the_docs_folder(hostile: dict):
    docs = hostile["root"] / "project" / "docs"
    outside = [p for p in hostile["new_files"] if docs not in p.parents]
    assert outside == []


def test_every_valid_record_is_published_and_every_rejected_one_reported(hostile: dict):
    root = hostile["root"]
    records, problems, _ = read_seeds(root / "seeds")
    published = {}
    for path in (root / "project/docs/papers").glob("*.md"):
        for source in frontmatter.load(path)["sources"]:
            published[source["file"]] = published.get(source["file"], 0) + 1
    assert {(r.source.file, r.source.line) for r in records} == {
        (s["file"], s["line"]) for path in (root / "project/docs/papers").glob("*.md") for s in frontmatter.load(path)["sources"]}
    rejected_page = html.unescape((root / "project/docs/rejected.md").read_text("utf-8"))
    for case in hostile["cases"]:
        assert published.get(case.name, 0) == case.published, case.name
        errors = [p for p in problems if p.file == case.name and p.severity == "error"]
        assert len(errors) == case.rejected, case.name
        for problem in errors[:1]:
            assert problem.reason.split(" (")[0] in hostile["result"].stderr
            assert f"<td>{case.name}</td><td>{problem.line}" in rejected_page, case.name
    assert "many-lines.txt:1-100000: error: abstract too short" in hostile["result"].stderr
    assert "<td>many-lines.txt</td><td>1–100000</td><td>100000</td>" in rejected_page


def test_yaml_specials_round_trip_and_slugs_are_safe(hostile: dict):
    papers = hostile["root"] / "project/docs/papers"
    titles = {frontmatter.load(p)["title"]: p.name for p in papers.glob("*.md")}
    assert "Colons: In Titles And &#x27;Quotes&#x27; &quot;Double&quot; &amp;anchor *alias !!python/object:os.system" in titles \
        or "Colons: In Titles And 'Quotes' \"Double\" &amp;anchor *alias !!python/object:os.system" in titles
    assert "../../etc/passwd" in titles and re.fullmatch(r"etc-passwd-[0-9a-f]{6}\.md", titles["../../etc/passwd"])
    assert titles["CON"].startswith("con-") and len(titles["A" * 300]) <= 70
    for path in papers.glob("*.md"):
        assert re.fullmatch(r"[a-z0-9-]+\.md", path.name), path.name
        yaml.safe_load(path.read_text("utf-8").split("---\n")[1])  # front matter is plain safe YAML


def test_the_site_reads_front_matter_as_yaml_does(hostile: dict):
    """The MkDocs hooks read paper pages' front matter with json (`mkdocs_internals.front_matter`): on every
    page the generator wrote from hostile input, the result is what PyYAML reads, and what
    YAML would read otherwise is left to MkDocs."""
    from generator.mkdocs_internals import front_matter as _front_matter

    pages = list((hostile["root"] / "project/docs/papers").glob("*.md"))
    assert len(pages) > 15
    for path in pages:
        text = path.read_text("utf-8").split("---\n")[1]
        assert _front_matter(text) == yaml.load(text, yaml.CSafeLoader), path.name
    for text in ('score: 1e-05\n', 'on: "x"\n', 'title: "\\ud83e\\udd16"\n', 'title: x\n', 'tags: [1] # c\n'):
        assert _front_matter(text) is None, text
    assert _front_matter('sources:\nyear: 2025\n') == yaml.safe_load('sources:\nyear: 2025\n') == {"sources": None, "year": 2025}


@pytest.fixture(scope="module")
def hostile_site(hostile: dict) -> Path:
    project = hostile["root"] / "project"
    make_project(project, hostile["root"] / "seeds")
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    return project / "site"


def test_text_appears_literally_on_the_page(hostile_site: Path):
    from html import unescape

    pages = "".join(unescape(re.sub(r"<[^>]+>", "", p.read_text("utf-8"))) for p in (hostile_site / "papers").glob("*/index.html"))
    for literal in (SCRIPT, IMG, JS_LINK, IFRAME, "{{ config.site_name }}", "{% include 'x' %}", "# A leading hash",
                    "[x]: https://example.com/evil", "🤖🧪", "נושא בעברית", "é ñ ä"):
        assert literal in pages, literal


def test_no_script_runs_in_the_browser(hostile_site: Path):
    from playwright.sync_api import sync_playwright

    from test_browser import ARGS, CHROMIUM

    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium")
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for path in sorted((hostile_site / "papers").glob("*/index.html")) + [hostile_site / "rejected/index.html"]:
            page.goto(path.as_uri(), wait_until="load")
            injected = page.evaluate("""() => ({
                scripts: [...document.scripts].filter(s => s.textContent.includes('xss')).length,
                images: document.querySelectorAll('img[onerror]').length,
                frames: document.querySelectorAll('article iframe').length,
                links: document.querySelectorAll('[href^="javascript:"]').length,
            })""")
            assert injected == {"scripts": 0, "images": 0, "frames": 0, "links": 0}, path
        browser.close()
    assert dialogs == []


FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1500"))


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_fuzz_readers_never_crash_and_account_for_every_line(data: bytes):
    """FUZZ_EXAMPLES generated files (raw bytes and arbitrary text; 1,500 by default,
    `FUZZ_EXAMPLES=50000 pytest -k fuzz` for a long run)."""
    reading = read_seed(data, "fuzz.txt")
    assert all(r.abstract and r.source.file == "fuzz.txt" for r in reading.records)
    if reading.format is None:
        assert reading.problems and reading.problems[0].severity == "error"
        return
    text_lines = [n for n, line in enumerate(re.split(r"\r\n|\r|\n", data.decode("utf-8", "ignore")), 1) if line.strip()]
    if text_lines:
        assert reading.records or any(p.severity == "error" for p in reading.problems) or reading.format == "translated"


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=20, max_size=200)
                .filter(lambda t: t.strip() and len(t.strip()) >= 20), min_size=1, max_size=8))
def test_abstract_lines_reader_publishes_every_line(abstracts: list[str]):
    data = "".join(f"Abstract: {a}\n" for a in abstracts).encode("utf-8")
    reading = read_seed(data, "gen.txt")
    assert len(reading.records) + len([p for p in reading.problems if p.severity == "error"]) == len(abstracts)
    assert [r.source.line for r in reading.records] == sorted(r.source.line for r in reading.records)


FIRST = "The first abstract of this small list of papers."


def slug_of(abstract: str) -> str:
    """The slug of a paper known only by its abstract."""
    from generator.papers import derive_title, make_slug
    from generator.text import fingerprint

    return make_slug(derive_title(abstract), "text:" + fingerprint(abstract))


def test_hand_written_pages_are_kept_and_stale_pages_removed(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Abstract: The first abstract of this small list of papers.\nAbstract: The second abstract, which will be removed later.\n", "utf-8")
    docs = tmp_path / "docs"
    assert generate(seeds, docs).returncode == 0
    (docs / "about.md").write_text("# About\nHand-written.\n", "utf-8")
    (docs / "papers" / "my-notes.md").write_text("# My notes\n", "utf-8")
    pages = sorted(p.name for p in (docs / "papers").glob("*.md"))
    assert len(pages) == 3
    (seeds / "a.txt").write_text("Abstract: The first abstract of this small list of papers.\n", "utf-8")
    assert generate(seeds, docs).returncode == 0
    assert (docs / "about.md").read_text("utf-8") == "# About\nHand-written.\n"
    assert (docs / "papers" / "my-notes.md").exists()
    assert sorted(p.name for p in (docs / "papers").glob("*.md")) == sorted(["my-notes.md", f"{slug_of(FIRST)}.md"])


def test_generator_refuses_to_overwrite_a_hand_written_file(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text(f"Abstract: {FIRST}\n", "utf-8")
    docs = tmp_path / "docs"
    (docs / "papers").mkdir(parents=True)
    mine = docs / "papers" / f"{slug_of(FIRST)}.md"
    mine.write_text("mine\n", "utf-8")
    result = generate(seeds, docs)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [f"{mine}: exists and was not written by the generator; move or rename it (nothing was written)"]
    assert mine.read_text("utf-8") == "mine\n"
    assert sorted(p.name for p in docs.rglob("*")) == ["papers", mine.name]


@settings(max_examples=500, deadline=None)
@given(st.text(), st.lists(st.text(), max_size=3), st.integers(min_value=-1, max_value=10**6))
def test_front_matter_round_trips_through_a_yaml_loader(title: str, authors: list[str], line: int):
    from generator.render import front_matter

    data = {"title": title, "authors": authors, "date": None, "flag": True,
            "sources": [{"file": title, "line": line, "score": 0.5}]}
    text = front_matter(data)
    assert text.startswith("---\n") and text.endswith("\n---\n\n")
    assert yaml.safe_load(text[4:-6]) == data
