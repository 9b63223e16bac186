"""Making the list one's own: `./dev new`, the list's settings in mkdocs.yml (and home.md),
nothing of the demo left on a renamed list, a paper curated by `source:`, redirects of a
list never published dropped, and pages the generator no longer owns reported."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.build import Options, build
from generator.starter import StarterError, new_list
from support import DEMO, ROOT, generate, mkdocs_build, tree

FORMATS = ROOT / "tests" / "data" / "formats"
DEMO_MARKS = ("AI Safety Reading List", "A reading list of AI safety and alignment papers", "*sycophancy*")


def fork(folder: Path) -> Path:
    """A copy of the repository's files as a fork starts with them: the demo list."""
    folder.mkdir(parents=True)
    shutil.copy(ROOT / "mkdocs.yml", folder / "mkdocs.yml")
    (folder / "mkdocs.yml").write_text((folder / "mkdocs.yml").read_text("utf-8"), "utf-8")
    shutil.copytree(ROOT / "overrides", folder / "overrides")
    (folder / "generator").symlink_to(ROOT / "generator")
    shutil.copytree(DEMO / "seeds", folder / "seeds")
    for name in ("catalog.yml", "taxonomy.yml", "duplicates.yml"):
        shutil.copy(DEMO / name, folder / name)
    (folder / "tests" / "data").mkdir(parents=True)
    (folder / "tests" / "data" / "demo").symlink_to(DEMO)
    return folder


def run_generator(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=project, capture_output=True, text=True, check=False,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_new_replaces_the_demo_with_an_empty_list_that_builds(tmp_path: Path):
    project = fork(tmp_path / "fork")
    result = run_generator(project, "new")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (project / "seeds").iterdir()) == ["README.md"]
    config = (project / "mkdocs.yml").read_text("utf-8")
    assert "site_name: My Reading List" in config and "AI Safety" not in config and "sycophancy" not in config
    assert "papers: []" in (project / "catalog.yml").read_text("utf-8")
    built = run_generator(project, "build", "--strict")
    assert built.returncode == 0, built.stdout + built.stderr
    assert "0 files read" in built.stdout or "1 file read" not in built.stdout
    site = mkdocs_build(project)
    assert site.returncode == 0, site.stderr
    assert "My Reading List" in (project / "site" / "index.html").read_text("utf-8")


def test_new_refuses_to_remove_files_of_ones_own(tmp_path: Path):
    project = fork(tmp_path / "fork")
    (project / "seeds" / "mine.bib").write_text("@misc{a, title={Mine}}\n", "utf-8")
    with pytest.raises(StarterError, match="mine.bib"):
        new_list(project)
    assert (project / "seeds" / "000_fb6b050c0f47a046.txt").exists()
    result = run_generator(project, "new")
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "mine.bib" in result.stderr
    done = new_list(project, force=True)
    assert (project / "seeds" / "mine.bib").exists() and not (project / "seeds" / "000_fb6b050c0f47a046.txt").exists() and done


def test_a_renamed_list_of_other_files_mentions_nothing_of_the_demo(tmp_path: Path):
    """mkdocs.yml names the list; with the demo's seeds replaced, no page, feed or export
    carries the demo's name, intro or search tip."""
    project = fork(tmp_path / "fork")
    assert run_generator(project, "new").returncode == 0
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("site_name: My Reading List", "site_name: Robot Learning Reading List")
                      .replace("search_examples: []", "search_examples: [grasping, sim-to-real]"), "utf-8")
    for path in FORMATS.iterdir():
        shutil.copy(path, project / "seeds" / path.name)
    built = run_generator(project, "build")
    assert built.returncode == 0, built.stderr
    assert mkdocs_build(project).returncode == 0
    home = (project / "site" / "index.html").read_text("utf-8")
    assert "Robot Learning Reading List" in home and "grasping" in home
    assert "<title>Robot Learning Reading List</title>" in (project / "docs" / "feed.xml").read_text("utf-8")
    for folder in ("docs", "site"):
        for name, data in tree(project / folder).items():
            text = data.decode("utf-8", "replace")
            assert not [mark for mark in DEMO_MARKS if mark in text], (folder, name)


def test_settings_change_the_pages_that_show_them_and_keep_the_cache(tmp_path: Path):
    """Renaming the list in mkdocs.yml rebuilds its pages from the per-text cache (nothing
    computed again); home.md replaces the intro; a broken setting is one line."""
    project = fork(tmp_path / "fork")
    options = Options(project / "seeds", project / "docs", project / "catalog.yml", project / "taxonomy.yml", project / "duplicates.yml",
                      cache=project / "cache", config=project / "mkdocs.yml")
    build(options)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text("utf-8").replace("site_name: AI Safety Reading List", "site_name: Renamed List"), "utf-8")
    again = build(options)
    assert again.computed == 1 and again.reused > 200  # the curated files and settings read again; every per-text result reused
    assert "# Renamed List" in (project / "docs" / "index.md").read_text("utf-8")
    assert "<title>AI Safety Reading List</title>" in (project / "docs" / "feed.xml").read_text("utf-8")  # feed_title is set
    (project / "home.md").write_text("Our own words, **in Markdown**.\n", "utf-8")
    build(options)
    home = (project / "docs" / "index.md").read_text("utf-8")
    assert "Our own words, **in Markdown**." in home and "A reading list of AI safety" not in home
    config.write_text(config.read_text("utf-8").replace("  reading_list:\n", "  reading_list:\n    colour: blue\n"), "utf-8")
    result = generate(project / "seeds", project / "docs", "--config", str(config))
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "extra.reading_list.colour: unknown setting" in result.stderr


def test_a_paper_whose_abstract_another_contains_is_curated_by_source(tmp_path: Path):
    """Two papers, one abstract plus a sentence, kept apart by duplicates.yml: no phrase
    singles out the shorter, `source: file:line` does; in an update too."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    short = "We measure how often language models repeat the mistakes of their users in long conversations about code review."
    (seeds / "a.txt").write_text(f"Abstract: {short}\nAbstract: {short} We also release the conversations as a public benchmark.\n", "utf-8")
    (tmp_path / "duplicates.yml").write_text(
        'different:\n  - ["of their users in long conversations about code review.", "release the conversations as a public benchmark"]\n', "utf-8")
    (tmp_path / "catalog.yml").write_text(
        'papers:\n  - source: "a.txt:1"\n    title: "The Shorter Paper"\n  - match: "release the conversations as a public benchmark"\n'
        '    title: "The Longer Paper"\n', "utf-8")
    options = Options(seeds, tmp_path / "docs", tmp_path / "catalog.yml", DEMO / "taxonomy.yml", tmp_path / "duplicates.yml", cache=tmp_path / "cache")
    summary = build(options)
    assert not [p for p in summary.problems if p.curated], summary.problems
    titles = sorted(path.read_text("utf-8").split("\n", 2)[1] for path in (tmp_path / "docs" / "papers").glob("*.md"))
    assert titles == ['title: "The Longer Paper"', 'title: "The Shorter Paper"']
    (seeds / "b.txt").write_text("Abstract: A third paper about something else entirely, with no phrase in common with the others.\n", "utf-8")
    update = build(options)
    assert not update.full and not [p for p in update.problems if p.curated]
    assert len(list((tmp_path / "docs" / "papers").glob("the-shorter-paper-*.md"))) == 1


def test_redirects_of_a_list_never_published_can_be_dropped(tmp_path: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(DEMO / "seeds", seeds)
    catalog = tmp_path / "catalog.yml"
    text = (DEMO / "catalog.yml").read_text("utf-8")
    docs = tmp_path / "docs"
    for title in ("Draft One", "Draft Two"):
        catalog.write_text(text.replace("Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training", title, 1), "utf-8")
        assert generate(seeds, docs, "--catalog", str(catalog)).returncode == 0
    moved = [p for p in (docs / "papers").glob("*.md") if "template: \"moved.html\"" in p.read_text("utf-8")]
    assert [p.name for p in moved] == ["draft-one-accc7f.md"]
    result = generate(seeds, docs, "--catalog", str(catalog), "--forget-moves")
    assert result.returncode == 0, result.stderr
    assert not [p for p in (docs / "papers").glob("*.md") if "template: \"moved.html\"" in p.read_text("utf-8")]


def test_pages_the_generator_no_longer_owns_are_reported(tmp_path: Path):
    """With docs/.generated.json deleted, the redirect pages of earlier builds would be left
    behind unnoticed: each is reported, and hand-written pages are not."""
    seeds = tmp_path / "seeds"
    shutil.copytree(DEMO / "seeds", seeds)
    catalog = tmp_path / "catalog.yml"
    text = (DEMO / "catalog.yml").read_text("utf-8")
    docs = tmp_path / "docs"
    catalog.write_text(text.replace("Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training", "Draft", 1), "utf-8")
    assert generate(seeds, docs, "--catalog", str(catalog)).returncode == 0
    catalog.write_text(text, "utf-8")
    assert generate(seeds, docs, "--catalog", str(catalog)).returncode == 0
    (docs / ".generated.json").unlink()
    for path in (docs / "papers").glob("*.md"):
        if "template: \"moved.html\"" not in path.read_text("utf-8"):
            path.unlink()
    (docs / "papers" / "notes.md").write_text("# My notes\n", "utf-8")
    result = generate(seeds, docs, "--catalog", str(catalog))
    assert result.returncode == 0, result.stderr
    orphans = [line for line in result.stderr.splitlines() if "no longer owns" in line]
    assert len(orphans) == 1 and "draft-" in orphans[0] and "notes.md" not in result.stderr
