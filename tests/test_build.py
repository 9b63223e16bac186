"""End to end: seeds -> generator -> docs -> real `mkdocs build --strict` -> site."""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path

import frontmatter

from generator.build import read_seeds

from support import SEEDS, generate, make_project, mkdocs_build, tree


def paper_pages(docs: Path) -> dict[str, frontmatter.Post]:
    return {path.stem: frontmatter.load(path) for path in sorted((docs / "papers").glob("*.md"))}


def test_seeds_build_into_a_site_with_one_page_per_paper(seeds_site: Path):
    site = seeds_site / "site"
    assert (site / "index.html").is_file()
    pages = paper_pages(seeds_site / "docs")
    assert len(pages) >= 30
    for slug in pages:
        assert (site / "papers" / slug / "index.html").is_file(), slug


def test_front_matter_has_the_promised_fields(seeds_site: Path):
    for slug, post in paper_pages(seeds_site / "docs").items():
        assert isinstance(post["title"], str) and post["title"], slug
        assert isinstance(post["authors"], list)
        assert post["date"] is None or len(post["date"]) == 10
        assert post["language"] in {"en", "zh"}
        assert isinstance(post["topics"], list) and post["topics"], slug
        sources = post["sources"]
        assert sources[0]["kind"] == "canonical"
        assert all(set(s) >= {"file", "line", "format"} for s in sources)
        assert post.content.strip(), slug


def test_listing_metadata_reaches_the_page(seeds_site: Path):
    pages = paper_pages(seeds_site / "docs")
    post = next(p for p in pages.values() if p["title"].startswith("Red Teaming Language Models to Reduce Harms"))
    assert post["authors"][:3] == ["Deep Ganguli", "Liane Lovitt", "Jackson Kernion"]
    assert post["date"] == "2022-08-23" and post["category"] == "cs.CL"


def test_word_for_word_duplicates_collapse(seeds_site: Path):
    pages = paper_pages(seeds_site / "docs")
    sleeper = [p for p in pages.values() if "Sleeper Agents" in p["title"]]
    assert len(sleeper) == 1
    assert {(s["file"], s["line"]) for s in sleeper[0]["sources"]} == {
        ("000_fb6b050c0f47a046.txt", 1), ("001_347a0b179dc52533.txt", 1)}


def test_every_record_is_on_a_page_or_reported(tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    (seeds / "messy.txt").write_text("Abstract:A\nAbstract: A short but valid abstract about reward models.\n", "utf-8")
    (seeds / "newsletter.md").write_text("One paragraph abstract about red teaming models.\n\nSecond one, on calibration of language models.\n", "utf-8")
    (seeds / "legacy.txt").write_bytes("Abstract: 语言模型的能力评估方法研究\n".encode("gb18030"))
    result = generate(seeds, tmp_path / "docs")
    assert result.returncode == 0, result.stderr

    records, problems, _ = read_seeds(seeds)
    on_pages = {(s["file"], s["line"]) for post in paper_pages(tmp_path / "docs").values() for s in post["sources"]}
    assert on_pages == {(r.source.file, r.source.line) for r in records}
    rejected_page = html.unescape((tmp_path / "docs" / "rejected.md").read_text("utf-8"))
    rejected = [p for p in problems if p.severity == "error"]
    assert {(p.file, p.line) for p in rejected} == {("messy.txt", 1), ("legacy.txt", 0)}
    for problem in rejected:
        assert f"<td>{problem.file}</td><td>{problem.line}</td>" in rejected_page
        assert problem.reason.split(" (")[0] in rejected_page
    assert "messy.txt:1: error: abstract too short" in result.stderr
    assert "legacy.txt: error: file skipped: it is not UTF-8" in result.stderr
    assert "1 rejected" not in result.stdout and "2 rejected" in result.stdout


def test_strict_mode_fails_on_rejected_input(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "bad.txt").write_text("Abstract:A\nAbstract: A valid abstract that is long enough to keep.\n", "utf-8")
    assert generate(seeds, tmp_path / "docs").returncode == 0
    assert generate(seeds, tmp_path / "docs", "--strict").returncode == 1


def test_generated_docs_are_byte_identical_across_runs(tmp_path: Path):
    generate(SEEDS, tmp_path / "one")
    generate(SEEDS, tmp_path / "two")
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*") if p.is_file()}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*") if p.is_file()}
    assert one == two


def synthetic_seeds(folder: Path, papers: int) -> Path:
    folder.mkdir(parents=True)
    lines = [
        f"Abstract: Paper number {i} studies topic {i % 7} with method {i * 7919 % 1000} and finds effect {i * 104729 % 997}."
        for i in range(papers)
    ]
    (folder / "many.txt").write_text("\n".join(lines) + "\n", "utf-8")
    return folder


def test_page_html_does_not_grow_with_the_number_of_papers(tmp_path: Path):
    """With papers in the nav, every page embeds every title: 3,000 papers made 2.4 GB."""
    sizes = {}
    for count in (20, 400):
        project = make_project(tmp_path / str(count), synthetic_seeds(tmp_path / f"seeds{count}", count))
        result = mkdocs_build(project)
        assert result.returncode == 0, result.stderr
        pages = sorted((project / "site" / "papers").glob("*/index.html"))
        assert len(pages) == count
        sizes[count] = sum(p.stat().st_size for p in pages) / len(pages)
    assert sizes[400] <= sizes[20] * 1.05, sizes


def test_second_process_builds_the_same_site(tmp_path: Path):
    """`mkdocs build` hands half the paper pages to a forked copy of itself
    (`_SecondProcess` in generator/mkdocs_hooks.py): the site is the same bytes as one
    process builds."""
    project = make_project(tmp_path / "project", synthetic_seeds(tmp_path / "seeds", 400))
    sites = {}
    for workers in ("2", "1"):
        result = mkdocs_build(project, "--site-dir", str(project / f"site{workers}"), env={"READING_LIST_WORKERS": workers})
        assert result.returncode == 0, result.stderr
        assert ("200 paper pages built by a second process" in result.stderr) == (workers == "2"), result.stderr
        sites[workers] = {p.relative_to(project / f"site{workers}").as_posix(): p.read_bytes()
                          for p in (project / f"site{workers}").rglob("*") if p.is_file()}
    assert len(sites["1"]) > 400 and sites["2"] == sites["1"]


def test_a_page_that_fails_in_the_second_process_fails_the_build(tmp_path: Path):
    """A paper page the forked copy cannot render (hand-edited front matter) stops the build
    with the copy's error, as it would in one process."""
    project = make_project(tmp_path / "project", synthetic_seeds(tmp_path / "seeds", 400))
    papers = sorted((project / "docs" / "papers").glob("*.md"))
    broken = papers[1]  # the copy builds every other paper page, starting with the second
    broken.write_text(broken.read_text("utf-8").replace("authors: []", "authors: 5", 1), "utf-8")
    result = mkdocs_build(project)
    assert result.returncode != 0
    assert "building paper pages in the second process failed" in result.stderr, result.stderr[-2000:]
    assert broken.stem in result.stderr


def test_an_edited_theme_template_shows_in_the_next_build(tmp_path: Path):
    """Compiled templates are kept in .cache/jinja/ between builds (`_bytecode_cache` in
    generator/mkdocs_hooks.py); an edited override is compiled again, not served stale."""
    project = make_project(tmp_path / "project")
    assert mkdocs_build(project).returncode == 0
    assert list((project / ".cache" / "jinja" / "mkdocs").glob("*.cache"))
    main = project / "overrides" / "main.html"
    main.write_text(main.read_text("utf-8").replace("{{ super() }}", "{{ super() }}<meta name=edited content=override>", 1), "utf-8")
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    assert "<meta content=override name=edited>" in (project / "site" / "index.html").read_text("utf-8")
