"""The readers on real files from public repositories (tests/data/real/, their sources and
licences in its README), against what a careful reader found in each (expected.yml, written
by reading the files): the format, the paper count within 2 %, no garbage titles, and every
spot check of title, first author, year, ids and the abstract's first words."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
import yaml
from support import memory_work

from generator.build import Built, Options, load_curated, pipeline
from generator.model import SeedFile
from generator.readers.base import not_a_title
from generator.redirects import Previous

REAL = Path(__file__).parent / "data" / "real"
EXPECTED = yaml.safe_load((REAL / "expected.yml").read_text("utf-8"))["files"]


@cache
def built(name: str) -> Built:
    none = Path("/nonexistent")
    curated = load_curated(Options(none, none, none / "catalog.yml", none / "taxonomy.yml", none / "duplicates.yml"))
    return pipeline([SeedFile(name, (REAL / name).read_bytes())], curated, Previous(), memory_work())


def test_every_real_file_is_listed_with_its_source_and_licence():
    listed = (REAL / "README.md").read_text("utf-8")
    files = sorted(path.name for path in REAL.iterdir() if path.name not in ("README.md", "expected.yml"))
    assert files == sorted(EXPECTED)
    assert len(files) >= 15
    for name in files:
        row = next((line for line in listed.splitlines() if line.startswith(f"| `{name}`")), "")
        assert row.count("|") >= 8 and any(licence in row for licence in ("MIT", "BSD", "Apache", "CC0", "CC-BY", "CC BY")), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_file_is_read_as_a_careful_reader_reads_it(name: str):
    expected = EXPECTED[name]
    made = built(name)
    assert made.readings[name].format == expected["format"]
    papers = made.papers
    assert abs(len(papers) - expected["papers"]) <= 0.02 * expected["papers"], (len(papers), expected["papers"])
    garbage = [paper.title for paper in papers if not paper.title_derived and not_a_title(paper.title, expected["format"] == "links")]
    assert not garbage
    for check in expected.get("checks", []):
        title = str(check["title"])
        found = [paper for paper in papers if paper.title.casefold() == title.casefold()]
        assert found, f"no paper titled {title!r}"
        paper = found[0]
        if "first_author" in check:
            assert (paper.authors[0] if paper.authors else None) == check["first_author"], title
        if "year" in check:
            assert paper.year == check["year"], title
        if "arxiv" in check:
            assert paper.arxiv == (str(check["arxiv"]) if check["arxiv"] else None), title
        if "doi" in check:
            assert paper.doi == check["doi"], title
        if check.get("abstract_starts"):
            assert paper.abstract.startswith(check["abstract_starts"]), title


def test_a_preprint_and_its_reviewed_version_are_one_paper_with_every_link():
    """Least-to-Most is listed as an arXiv preprint and as its ICLR paper on OpenReview: one
    page, the venue and year of the published version, both links, the evidence shown."""
    papers = built("awesome-numbered-llm-papers.md").papers
    paper = next(p for p in papers if p.title.startswith("Least-to-Most Prompting"))
    assert paper.arxiv == "2205.10625" and paper.venue == "ICLR 2023" and paper.year == 2023
    kinds = {member.kind for member in paper.cluster.members}
    assert "version" in kinds
    from generator.render import paper_body, paper_links

    links = dict((href, text) for text, href in paper_links(paper))
    assert "https://arxiv.org/abs/2205.10625" in links and "https://openreview.net/forum?id=WZH7099tgfM" in links
    assert "another version of the work" in paper_body(paper, "")


def test_entries_without_a_title_say_what_is_missing():
    problems = [p for p in built("csl-json-betterbibtex-untitled-entry.json").problems if p.severity == "error"]
    assert problems and all("empty abstract" not in p.reason for p in problems)
