"""The repository's own list, whatever it holds (the demo, or a maintainer's list after
`./dev new`): what holds for any list. It builds with `mkdocs build --strict`, every record
of its seeds is on a page or reported, and the committed docs/ is what the generator makes
of it. Tests that need a known list use tests/data/demo instead."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import read_seeds
from support import ROOT, mkdocs_build, tree

OWN = ("catalog.yml", "taxonomy.yml", "duplicates.yml", "mkdocs.yml")


def generate_own(docs: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """The generator as `./dev site` runs it: the repository's seeds, curated files and settings."""
    return subprocess.run([sys.executable, "-m", "generator", "build", "--docs", str(docs), *extra],
                          cwd=ROOT, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def own_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("own-list")
    for name in OWN:
        if (ROOT / name).exists():
            shutil.copy(ROOT / name, project / name)
    shutil.copytree(ROOT / "overrides", project / "overrides")
    (project / "generator").symlink_to(ROOT / "generator")
    if (ROOT / "home.md").exists():
        shutil.copy(ROOT / "home.md", project / "home.md")
    result = generate_own(project / "docs")
    assert result.returncode == 0, result.stderr
    built = mkdocs_build(project)
    assert built.returncode == 0, built.stderr
    return project


def test_the_own_list_builds_strictly(own_site: Path):
    assert (own_site / "site" / "index.html").is_file() and (own_site / "site" / "404.html").is_file()


def test_every_record_of_the_own_list_is_on_a_page_or_reported(own_site: Path):
    records, problems, _ = read_seeds(ROOT / "seeds")
    papers = json.loads((own_site / "docs" / "papers.json").read_text("utf-8"))["papers"]
    placed = {(source["file"], source["line"]) for paper in papers for source in paper["sources"]}
    assert placed == {(record.source.file, record.source.line) for record in records}
    for problem in problems:
        assert problem.reason and problem.line >= 0 and (ROOT / "seeds" / problem.file).exists(), problem


def test_the_committed_docs_are_what_the_generator_makes(tmp_path: Path):
    """Golden test: regenerating the committed docs/ from seeds/ changes nothing (the
    committed manifest carries the redirects of earlier builds). Refresh with `./dev site`
    and review the diff."""
    if not (ROOT / "docs").is_dir():
        pytest.skip("no docs/ committed yet: ./dev site makes it")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    result = generate_own(tmp_path / "docs", "--force")
    assert result.returncode == 0, result.stderr
    expected, committed = without_input_key(tree(tmp_path / "docs")), without_input_key(tree(ROOT / "docs"))
    stale = sorted(name for name in expected.keys() | committed.keys() if expected.get(name) != committed.get(name))
    assert not stale, f"docs/ is stale ({stale[:5]}): run ./dev site and review the diff"


def without_input_key(files: dict[str, bytes]) -> dict[str, bytes]:
    """The manifest's `key` hashes the generator's code too, so any code edit changes it;
    the golden test is about the output, so it compares the manifest without it."""
    manifest = json.loads(files.pop(".generated.json"))
    manifest.pop("key")
    return files | {".generated.json": json.dumps(manifest, sort_keys=True).encode()}
