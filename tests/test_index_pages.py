"""An index page is one function of the site (`pages.index_page`): registered, it is made by
a build from nothing and by an incremental build alike, from every paper's card, with no
other change to the generator."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import pages
from generator.build import Options, build
from support import DEMO, SEEDS


def by_year(site: pages.Site) -> dict[str, str]:
    """A page that lists the papers of each year, newest year first."""
    years: dict[int, list[pages.Card]] = {}
    for card in site.cards:
        if card.year:
            years.setdefault(card.year, []).append(card)
    lines = [f"# {year}\n\n" + "".join(f"- {card.title}\n" for card in cards) for year, cards in sorted(years.items(), reverse=True)]
    return {"by-year.md": "\n".join(lines)}


def options(project: Path, docs: Path, cache: Path | None) -> Options:
    return Options(project / "seeds", docs, DEMO / "catalog.yml", DEMO / "taxonomy.yml", DEMO / "duplicates.yml", cache=cache)


def test_a_registered_index_page_is_made_from_nothing_and_by_an_update(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from generator.incremental import sessions

    monkeypatch.setattr(pages, "INDEX_PAGES", [*pages.INDEX_PAGES, by_year])
    monkeypatch.setattr(sessions, "LARGE_CHANGE", float("inf"))
    shutil.copytree(SEEDS, tmp_path / "seeds")
    build(options(tmp_path, tmp_path / "docs", tmp_path / "cache"))
    first = (tmp_path / "docs" / "by-year.md").read_text("utf-8")
    assert "# 2024\n" in first and "- Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training\n" in first
    catalog = tmp_path / "catalog.yml"
    catalog.write_text((DEMO / "catalog.yml").read_text("utf-8"), "utf-8")
    with (tmp_path / "seeds" / "new.txt").open("w", encoding="utf-8") as file:
        file.write("Abstract: We study reward hacking in reinforcement learning agents trained on proxy objectives, and show how it grows.\n")
    updated = build(options(tmp_path, tmp_path / "docs", tmp_path / "cache"))
    assert not updated.full
    cold = tmp_path / "cold"
    shutil.copytree(tmp_path / "docs", cold)
    build(options(tmp_path, cold, None))
    assert (tmp_path / "docs" / "by-year.md").read_bytes() == (cold / "by-year.md").read_bytes()


def test_two_index_pages_that_write_one_path_are_an_error():
    site = pages.Site([], None, (), 0, 0)  # type: ignore[arg-type]
    twice = [lambda site: {"a.md": "one"}, lambda site: {"a.md": "two"}]
    original = pages.INDEX_PAGES
    try:
        pages.INDEX_PAGES = twice
        with pytest.raises(ValueError, match="two index pages write a.md"):
            pages.index_pages(site)
    finally:
        pages.INDEX_PAGES = original
