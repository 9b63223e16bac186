"""Curated files: a mistake stops the build loudly, before anything is written."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from support import DEMO, ROOT, SEEDS, generate, tree

ONE_LINE = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)$")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/ generated once from the real seeds and curated files."""
    docs = tmp_path_factory.mktemp("curated") / "docs"
    result = generate(SEEDS, docs)
    assert result.returncode == 0, result.stderr
    return docs


def broken(tmp_path: Path, name: str, edit) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(edit((DEMO / name).read_text("utf-8")), "utf-8")
    return path


def run_with(tmp_path: Path, built: Path, option: str, path: Path, *extra: str):  # type: ignore[no-untyped-def]
    docs = tmp_path / "docs"
    shutil.copytree(built, docs)
    before = tree(docs)
    result = generate(SEEDS, docs, f"--{option}", str(path), *extra)
    assert tree(docs) == before, "a broken curated file must leave docs/ as it was"
    return result


def first_error(result) -> re.Match[str]:  # type: ignore[no-untyped-def]
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    match = ONE_LINE.match(result.stderr.splitlines()[0])
    assert match, result.stderr
    return match


CASES = {
    "catalog syntax error": ("catalog", "catalog.yml", lambda t: t.replace('    year: 2024\n', '    year: 2024\n   title: "bad indent"\n', 1)),
    "catalog wrong type": ("catalog", "catalog.yml", lambda t: re.sub(r"authors: \[.*\]", "authors: Evan Hubinger and Carson Denison", t, count=1)),
    "catalog unknown key": ("catalog", "catalog.yml", lambda t: t.replace("    notes:", "    note:", 1)),
    "catalog duplicate key": ("catalog", "catalog.yml", lambda t: t.replace("    year: 2024\n", "    year: 2024\n    year: 2023\n", 1)),
    "catalog bad arxiv id": ("catalog", "catalog.yml", lambda t: t.replace('arxiv: "2401.05566"', 'arxiv: "2401.055"', 1)),
    "taxonomy syntax error": ("taxonomy", "taxonomy.yml", lambda t: t.replace("slug: rlhf", "slug: [rlhf", 1)),
    "taxonomy duplicate slug": ("taxonomy", "taxonomy.yml", lambda t: t.replace("slug: honesty", "slug: rlhf", 1)),
    "taxonomy missing name": ("taxonomy", "taxonomy.yml", lambda t: t.replace("  - name: Scaling laws\n    slug", "  - slug", 1)),
    "duplicates syntax error": ("overrides", "duplicates.yml", lambda t: t + '  - ["unclosed phrase of enough letters\n'),
    "duplicates short phrase": ("overrides", "duplicates.yml", lambda t: t + '  - ["too short", "demonstrate a proof-of-concept on a neural program synthesis task"]\n'),
}


@pytest.mark.parametrize("mode", [(), ("--strict",), ("--strict", "curation"), ("--force",)], ids=["default", "strict", "curation", "force"])
def test_a_broken_curated_file_stops_the_build_in_every_mode(tmp_path: Path, built: Path, mode: tuple[str, ...]):
    option, name, edit = CASES["catalog syntax error"]
    error = first_error(run_with(tmp_path, built, option, broken(tmp_path, name, edit), *mode))
    assert error["file"].endswith(name)


def test_each_mistake_is_one_line_with_file_line_column_naming_it(tmp_path: Path, built: Path):
    messages = {}
    for case, (option, name, edit) in CASES.items():
        folder = tmp_path / case.replace(" ", "-")
        folder.mkdir()
        error = first_error(run_with(folder, built, option, broken(folder, name, edit)))
        assert error["file"].endswith(name) and int(error["line"]) > 1 and int(error["column"]) >= 1, case
        messages[case] = error
    assert "YAML syntax error" in messages["catalog syntax error"]["message"]
    assert "'authors' must be a list of names" in messages["catalog wrong type"]["message"]
    assert "unknown key 'note'; did you mean 'notes'?" in messages["catalog unknown key"]["message"]
    assert "duplicate key 'year'" in messages["catalog duplicate key"]["message"]
    assert "must be an arXiv id" in messages["catalog bad arxiv id"]["message"]
    duplicate_slug = messages["taxonomy duplicate slug"]["message"]
    lines = [int(n) for n in re.findall(r"\d+", duplicate_slug.split("lines")[1])]
    taxonomy = (DEMO / "taxonomy.yml").read_text("utf-8").splitlines()
    assert "slug: rlhf" in taxonomy[lines[0] - 1] and "slug: honesty" in taxonomy[lines[1] - 1]
    assert "missing 'name'" in messages["taxonomy missing name"]["message"]
    assert "phrase too short" in messages["duplicates short phrase"]["message"]


@pytest.mark.parametrize("option", ["catalog", "taxonomy", "overrides"])
def test_a_named_curated_file_that_does_not_exist_stops_the_build(tmp_path: Path, built: Path, option: str):
    result = run_with(tmp_path, built, option, tmp_path / "nope.yml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.splitlines()[0] == f"{tmp_path / 'nope.yml'}: file not found (given with --{option})"


def test_a_quoted_year_is_read_as_a_year(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Abstract: We study reward hacking in reinforcement learning agents.\n", "utf-8")
    catalog = tmp_path / "catalog.yml"
    catalog.write_text('papers:\n  - match: "reward hacking in reinforcement learning agents"\n    title: "1984"\n    year: "2024"\n    arxiv: 2401.10020\n', "utf-8")
    result = generate(seeds, tmp_path / "docs", "--catalog", str(catalog))
    assert result.returncode == 0, result.stderr
    import frontmatter

    (page,) = (tmp_path / "docs" / "papers").glob("*.md")
    post = frontmatter.load(page)
    assert (post["title"], post["year"], post["arxiv"]) == ("1984", 2024, "2401.10020")


def test_an_unknown_topic_is_a_warning_with_its_line_and_the_closest_slug(tmp_path: Path):
    catalog = broken(tmp_path, "catalog.yml", lambda t: t.replace('    arxiv: "2401.05566"\n', '    arxiv: "2401.05566"\n    topics: [decepton]\n', 1))
    result = generate(SEEDS, tmp_path / "docs", "--catalog", str(catalog))
    assert result.returncode == 0, result.stderr
    line = catalog.read_text("utf-8").splitlines().index("    topics: [decepton]") + 1
    assert f"catalog.yml:{line}: warning: unknown topic 'decepton'; did you mean 'deception'?" in result.stderr
    assert "0 rejected" in result.stdout
    strict = generate(SEEDS, tmp_path / "docs", "--catalog", str(catalog), "--strict", "curation")
    assert strict.returncode == 1 and "strict mode (curation): 1 problem, failing" in strict.stderr
