"""The engine fallback: ProperDocs (a maintained fork of MkDocs 1.x) builds the same site.

MkDocs 1.6.1 is unmaintained and Material is in maintenance mode; all logic lives in the
generator and its hook, so switching the site tool must change nothing a reader sees:
the same pages, the same links, the same search results."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import parse_html, text_of

PROPERDOCS = Path(sys.executable).parent / "properdocs"


@pytest.fixture(scope="module")
def proper_site(seeds_site: Path) -> Path:
    result = subprocess.run([str(PROPERDOCS), "build", "--strict", "-f", "mkdocs.yml", "-d", "site-proper"],
                            cwd=seeds_site, capture_output=True, text=True, check=False, env={**os.environ, "NO_MKDOCS_2_WARNING": "true"})
    assert result.returncode == 0, result.stderr
    return seeds_site / "site-proper"


def files(site: Path) -> set[str]:
    return {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}


def test_properdocs_builds_the_same_pages(seeds_site: Path, proper_site: Path):
    assert files(proper_site) == files(seeds_site / "site")


def test_properdocs_pages_have_the_same_links_and_text(seeds_site: Path, proper_site: Path):
    pages = sorted(p for p in files(proper_site) if p.endswith(".html"))
    assert len(pages) > 40
    for page in pages:
        ours, theirs = parse_html(seeds_site / "site" / page), parse_html(proper_site / page)
        links = lambda tree: [e.get("href") for e in tree.iter() if e.get("href")]  # noqa: E731
        assert links(ours) == links(theirs), page
        body = lambda tree: text_of(tree.find("body")) if tree.find("body") is not None else ""  # noqa: E731
        assert body(ours) == body(theirs), page


def test_properdocs_search_gives_the_same_results(seeds_site: Path, proper_site: Path, tmp_path: Path):
    index = Path("search") / "papers"
    for path in sorted(files(seeds_site / "site")):
        if path.startswith(f"{index.as_posix()}/") or path == "search/search_index.json":
            assert (proper_site / path).read_bytes() == (seeds_site / "site" / path).read_bytes(), path
    if not shutil.which("node"):
        pytest.skip("needs node to run the search worker")
    from test_search import run_worker

    queries = ["sycophancy", "reward model", "突破性", "Hubinger", "aligning"]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    ours = run_worker(tmp_path / "a", {"texts": [], "forms": [], "queries": queries}, seeds_site / "site" / index)
    theirs = run_worker(tmp_path / "b", {"texts": [], "forms": [], "queries": queries}, proper_site / index)
    assert ours["results"] == theirs["results"] and all(ours["results"][:4])
