"""Seed formats people already keep (BibTeX, CSL-JSON, arXiv feeds, CSV, link lists), and
one identity per paper across all of them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import frontmatter
import pytest

from generator.catalog import Catalog, Entry
from generator.dedupe import cluster_duplicates
from generator.model import Record, Source
from generator.papers import make_papers
from generator.readers import read_seed
from support import ROOT, SEEDS, generate, make_project, mkdocs_build

FORMATS = ROOT / "tests" / "data" / "formats"


def read(name: str):  # type: ignore[no-untyped-def]
    reading = read_seed((FORMATS / name).read_bytes(), name)
    assert not [p for p in reading.problems if p.severity == "error"], reading.problems
    return reading


# ---------------------------------------------------------------- readers


def test_bibtex_zotero_export():
    reading = read("zotero.bib")
    assert reading.format == "bibtex" and len(reading.records) == 5
    sleeper, scheurer, perez, olsson, go = reading.records
    assert sleeper.title == "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training"  # {} protection gone
    assert sleeper.authors[:2] == ("Evan Hubinger", "Carson Denison") and sleeper.arxiv == "2401.05566"
    assert (sleeper.source.line, sleeper.year, sleeper.doi) == (1, 2024, None)  # arXiv's DOI names the arXiv id
    assert scheurer.authors[0] == "Jérémy Scheurer"  # LaTeX accents decoded
    assert "Kamilė Lukošiūtė" in perez.authors
    assert "Germán Kruszewski" in go.authors
    assert olsson.abstract == "" and olsson.title == "In-context Learning and Induction Heads"
    assert "Computer Science - Artificial Intelligence" in sleeper.keywords


def test_bibtex_latex_and_broken_entries():
    text = (
        "@article{a,\n  title = {{BERT} and {GPT} -- a {\\\"U}ber look},\n  author = {M{\\\"u}ller, J{\\'e}r{\\^o}me and Lee, Ann},\n"
        "  abstract = {We measure 90\\% of $x^2$ cases with {BERT}, at length and in detail.},\n  eprint = {hep-th/9901001v2},\n"
        "  archivePrefix = {arXiv},\n  year = 1999\n}\n@misc{broken,\n  title = {Unclosed,\n  year = 2020\n}\n"
        "@misc{c, title = {Third}, doi = {10.1000/ABC.def}, year = 2020}\n"
    )
    reading = read_seed(text.encode(), "x.bib")
    first, third = reading.records
    assert first.title == "BERT and GPT – a Über look" and first.authors == ("Jérôme Müller", "Ann Lee")
    assert first.abstract == "We measure 90% of $x^2$ cases with BERT, at length and in detail."
    assert (first.arxiv, first.version) == ("hep-th/9901001", 2)
    assert third.doi == "10.1000/ABC.def" and third.ids == {"doi:10.1000/abc.def"} and third.source.line == 13  # shown as written, compared without case
    (broken,) = [p for p in reading.problems if p.severity == "error"]
    assert broken.line == 9 and "does not parse" in broken.reason


def test_csl_json_zotero_export():
    reading = read("zotero-csl.json")
    assert reading.format == "csl-json"
    constitutional, evolution = reading.records
    assert constitutional.title == "Constitutional AI: Harmlessness from AI Feedback" and constitutional.arxiv == "2212.08073"
    assert constitutional.authors[0] == "Yuntao Bai" and constitutional.date == "2022-12-15"
    assert [r.source.line for r in reading.records] == [2, 51] or evolution.source.line > constitutional.source.line


def test_arxiv_api_atom_response():
    reading = read("arxiv-api.xml")
    assert reading.format == "feed"
    red, know = reading.records
    assert (red.arxiv, red.version, red.category, red.date) == ("2209.07858", 2, "cs.CL", "2022-08-23")
    assert red.title.startswith("Red Teaming Language Models to Reduce Harms") and "\n" not in red.title
    assert red.authors[:2] == ("Deep Ganguli", "Liane Lovitt") and red.abstract.startswith("We describe our early efforts")
    assert (know.arxiv, know.version) == ("2207.05221", 4)
    lines = (FORMATS / "arxiv-api.xml").read_text("utf-8").splitlines()
    assert lines[red.source.line - 1].strip() == "<entry>"


def test_arxiv_rss_listing_feed():
    (record,) = read("arxiv-rss.xml").records
    assert (record.arxiv, record.version, record.category, record.date) == ("2310.13548", 1, "cs.CL", "2023-10-23")
    assert record.abstract.startswith("Human feedback is commonly utilized") and "Announce Type" not in record.abstract
    assert record.authors[:2] == ("Mrinank Sharma", "Meg Tong")


def test_csv_with_aliases_and_empty_abstracts():
    reading = read("reading-list.csv")
    assert reading.format == "table"
    sleeper, concrete, scaling = reading.records
    assert sleeper.abstract == "" and sleeper.arxiv == "2401.05566" and sleeper.source.line == 2
    assert concrete.title == "Concrete Problems in AI Safety" and concrete.arxiv == "1606.06565" and len(concrete.authors) == 6
    assert (scaling.arxiv, scaling.version, scaling.date) == ("2010.14701", 2, "2020-10-28") and scaling.abstract


def test_tsv_and_unknown_columns_warn():
    text = "title\tabstract\tmy notes\nA Title\tAn abstract in a TSV file, long enough.\tx\n"
    reading = read_seed(text.encode(), "list.tsv")
    assert reading.format == "table" and reading.records[0].title == "A Title"
    assert any("columns not read: my notes" in p.reason for p in reading.problems)


def test_markdown_link_list():
    reading = read("papers.md")
    assert reading.format == "links"
    titles = [(r.title, r.arxiv, r.source.line) for r in reading.records]
    assert titles == [
        ("Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training", "2401.05566", 7),
        ("Deep reinforcement learning from human preferences", "1706.03741", 8),
        ("Constitutional AI: Harmlessness from AI Feedback", "2212.08073", 9),
        ("Inverse Scaling: When Bigger Isn't Better", "2306.09479", 13),
    ]
    assert all(r.abstract == "" for r in reading.records)


def test_plain_text_list_of_links_and_ids():
    text = "Sleeper Agents https://arxiv.org/abs/2401.05566\nhttps://doi.org/10.1145/3442188.3445922\narXiv:2212.08073v2\n"
    reading = read_seed(text.encode(), "list.txt")
    assert reading.format == "links"
    assert [(r.title, r.arxiv, r.doi) for r in reading.records] == [
        ("Sleeper Agents", "2401.05566", None), (None, None, "10.1145/3442188.3445922"), (None, "2212.08073", None)]


# ---------------------------------------------------------------- one identity per paper


def record(line: int, text: str, **fields: object) -> Record:
    return Record(Source("t.bib", line, "bibtex"), text, "en", **fields)  # type: ignore[arg-type]


ABSTRACT = "We study how reading lists merge records of one paper that arrive from many kinds of files, and why."


def test_same_id_is_one_paper_whatever_the_text():
    clusters, _ = cluster_duplicates([record(1, ABSTRACT, arxiv="2401.00001"), record(2, "Completely different words here, nothing shared at all.", arxiv="2401.00001")])
    (cluster,) = clusters
    assert cluster.members[1].kind == "identifier" and "same arXiv id 2401.00001" in cluster.members[1].reason


def test_different_ids_are_different_papers_even_with_identical_text(tmp_path: Path):
    records = [record(1, ABSTRACT, arxiv="2401.00001"), record(2, ABSTRACT, arxiv="2401.00002"), record(3, ABSTRACT)]
    clusters, _ = cluster_duplicates(records)
    assert sorted(len(c.members) for c in clusters) == [1, 2]  # the id-less copy joins one of them
    reworded = [record(1, ABSTRACT, arxiv="2401.00001"), record(2, ABSTRACT.replace("why.", "why it matters."), arxiv="2401.00002")]
    assert len(cluster_duplicates(reworded)[0]) == 2
    overrides = tmp_path / "duplicates.yml"
    overrides.write_text('same:\n  - ["reading lists merge records of one paper", "reading lists merge records of one paper"]\n', "utf-8")
    from generator.overrides import load_overrides

    forced, _ = cluster_duplicates(reworded, load_overrides(overrides))
    assert len(forced) == 1 and forced[0].members[1].kind == "forced"


def test_catalog_id_joins_entries_without_text_to_the_scraped_paper():
    scraped = Record(Source("a.txt", 1, "abstract-lines"), ABSTRACT, "en")
    link = Record(Source("l.md", 3, "links"), "", "en", title="A Link Title", arxiv="2401.00001")
    pins = [("readinglistsmergerecordsofonepaper", frozenset(["arxiv:2401.00001"]), "catalog.yml line 2")]
    clusters, _ = cluster_duplicates([scraped, link], pins=pins)
    (cluster,) = clusters
    assert cluster.canonical is scraped and cluster.members[1].kind == "identifier"
    assert "given by catalog.yml line 2" in cluster.members[1].reason
    assert len(cluster_duplicates([scraped, link])[0]) == 2  # without the catalog, nothing links them


def test_a_heavily_revised_version_with_the_same_title_and_authors_merges():
    v1 = ("We introduce a benchmark for tracking hallucinations of large language models in ontology matching systems. "
          "It covers seven alignment tracks and we release all data and code for the community to use.")
    v2 = ("This paper presents a benchmark dataset for understanding hallucinations of language models in ontology matching. "
          "It covers seven alignment tracks and we release all data and code for the community to use. We also study mitigation.")
    listing = lambda line, text, title, authors: Record(Source("l.txt", line, "listing"), text, "en", title=title, authors=authors)  # noqa: E731
    a = listing(1, v1, "OAEI-LLM-T: A TBox Benchmark Dataset for Understanding LLM Hallucinations in Ontology Matching Systems", ("Zhangcheng Qiang",))
    b = listing(4, v2, "OAEI-LLM-T: A TBox Benchmark Dataset for Understanding Large Language Model Hallucinations in Ontology Matching", ("Zhangcheng Qiang", "Kerry Taylor"))
    (cluster,) = cluster_duplicates([a, b])[0]
    member = cluster.members[1]
    assert member.kind == "revised" and "same title" in member.reason and "qiang" in member.reason
    stranger = listing(7, v2, b.title, ("Somebody Else",))
    assert len(cluster_duplicates([a, stranger])[0]) == 2  # no author in common


def test_metadata_precedence_catalog_then_structured_then_listing():
    listing = Record(Source("l.txt", 1, "listing"), ABSTRACT, "en", title="The real title", authors=("Guessed Author",), date="2024-01-02")
    bib = Record(Source("r.bib", 5, "bibtex"), ABSTRACT + " Longer.", "en", title="The Real Title", authors=("Real Author",), year=2023, arxiv="2401.00001")
    clusters, _ = cluster_duplicates([listing, bib])
    (paper,) = make_papers(clusters, {})
    assert (paper.title, paper.authors, paper.arxiv) == ("The Real Title", ("Real Author",), "2401.00001")
    entry = Entry(match="x", line=1, title="The Curated Title", year=2022)
    (curated,) = make_papers(clusters, {0: entry})
    assert (curated.title, curated.year, curated.authors) == ("The Curated Title", 2022, ("Real Author",))
    chinese = Record(Source("t.txt", 1, "translated"), "我们研究阅读清单如何合并来自多种文件的同一篇论文的记录，以及原因。", "zh", title="中文标题", arxiv="2401.00001")
    (mixed,) = make_papers(cluster_duplicates([chinese, bib])[0], {})
    assert mixed.abstract == bib.abstract and mixed.language == "en"  # the canonical abstract is the English one


def test_catalog_entry_matches_by_arxiv_id_alone():
    clusters, _ = cluster_duplicates([record(1, ABSTRACT, arxiv="2412.14093")])
    catalog = Catalog((Entry(match="2412.14093", line=3, arxiv="2412.14093", title="Alignment Faking"),))
    assigned, problems = catalog.assign(clusters)
    assert problems == [] and assigned[0].title == "Alignment Faking"


# ---------------------------------------------------------------- whole builds


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds and one file of each new format, built into a real site."""
    folder = tmp_path_factory.mktemp("mixed")
    seeds = folder / "seeds"
    shutil.copytree(SEEDS, seeds)
    for path in FORMATS.iterdir():
        shutil.copy(path, seeds / path.name)
    project = make_project(folder / "project", seeds)
    result = mkdocs_build(project)
    assert result.returncode == 0, result.stderr
    return project


def test_a_folder_mixing_all_eight_formats_builds_one_page_per_paper(mixed: Path):
    data = json.loads((mixed / "docs" / "papers.json").read_text("utf-8"))
    formats = {s["format"] for p in data["papers"] for s in p["sources"]}
    assert formats == {"abstract-lines", "listing", "translated", "bibtex", "csl-json", "feed", "table", "links"}
    assert len(data["papers"]) == 33 + 2  # the seeds' papers, and two papers only the new files name
    ids = [p["arxiv"] for p in data["papers"]]
    assert len(set(ids)) == len(ids) and None not in ids
    sleeper = next(p for p in data["papers"] if p["arxiv"] == "2401.05566")
    assert {s["format"] for s in sleeper["sources"]} == {"abstract-lines", "bibtex", "links", "table"}
    assert all((mixed / "site" / "papers" / p["slug"] / "index.html").is_file() for p in data["papers"])


def test_nothing_from_a_known_format_falls_back_to_paragraphs(mixed: Path):
    data = json.loads((mixed / "docs" / "papers.json").read_text("utf-8"))
    assert "paragraphs" not in {s["format"] for p in data["papers"] for s in p["sources"]}
    assert "no known format" not in (mixed / "docs" / "rejected.md").read_text("utf-8")


def test_a_paper_without_an_abstract_gets_a_page_and_waits_on_needs_metadata(mixed: Path):
    (page,) = (mixed / "docs" / "papers").glob("concrete-problems-in-ai-safety-*.md")
    post = frontmatter.load(page)
    assert post["arxiv"] == "1606.06565" and post["authors"][0] == "Dario Amodei"
    html = (mixed / "site" / "papers" / page.stem / "index.html").read_text("utf-8")
    assert "No abstract yet" in html and "https://arxiv.org/abs/1606.06565" in html
    needs = (mixed / "docs" / "needs-metadata.md").read_text("utf-8")
    assert page.stem in needs.split('id="no-abstract-yet"')[1]


def test_an_abstract_arriving_later_joins_the_page(tmp_path: Path, mixed: Path):
    seeds = tmp_path / "seeds"
    shutil.copytree(mixed.parent / "seeds", seeds)
    (seeds / "later.bib").write_text(
        "@article{amodei2016,\n  title = {Concrete Problems in {AI} Safety},\n  eprint = {1606.06565},\n  archivePrefix = {arXiv},\n"
        "  abstract = {Rapid progress in machine learning and artificial intelligence has brought increasing attention to the potential impacts of AI technologies on society.}\n}\n",
        "utf-8")
    result = generate(seeds, tmp_path / "docs")
    assert result.returncode == 0, result.stderr
    (page,) = (tmp_path / "docs" / "papers").glob("concrete-problems-in-ai-safety-*.md")
    post = frontmatter.load(page)
    assert {s["format"] for s in post["sources"]} == {"table", "bibtex"}
    assert "No abstract yet" not in post.content and "Rapid progress in machine learning" in post.content


def test_round_trip_of_our_own_exports(tmp_path: Path, mixed: Path):
    """papers.bib and papers.json, imported into an empty seed folder, give the same papers,
    titles, authors and ids."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name in ("papers.bib", "papers.json"):
        shutil.copy(mixed / "docs" / name, seeds / name)
    empty = tmp_path / "empty.yml"
    empty.write_text("", "utf-8")
    result = generate(seeds, tmp_path / "docs", "--catalog", str(empty), "--overrides", str(empty))
    assert result.returncode == 0, result.stderr
    before = json.loads((mixed / "docs" / "papers.json").read_text("utf-8"))["papers"]
    after = json.loads((tmp_path / "docs" / "papers.json").read_text("utf-8"))["papers"]
    shape = lambda papers: sorted((p["title"], tuple(p["authors"]), p["arxiv"], p["doi"]) for p in papers)  # noqa: E731
    assert shape(after) == shape(before)
    assert {s["format"] for p in after for s in p["sources"]} == {"bibtex", "papers-json"}


CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"


@pytest.mark.skipif(not CORPUS.exists(), reason="needs ../shared/corpora")
def test_evaluation_across_formats_meets_the_targets(tmp_path: Path):
    """A slice of the labelled set of tests/formats_eval.py (the README has the full one):
    identifier merges are always right, revised merges nearly always."""
    import formats_eval

    truth = formats_eval.write_labelled_set(tmp_path / "seeds", 600)
    report = formats_eval.evaluate(tmp_path / "seeds", truth)
    assert report["paragraph fallback records"] == 0 and report["rejected"] == 0
    assert report["identifier"]["precision"] == 1.0 and report["identifier"]["recall"] == 1.0
    assert report["identifier"]["merges"] > 100
    assert report["revised"]["precision"] >= 0.99 and report["revised"]["recall"] >= 0.9 and report["revised"]["merges"] >= 10
    assert report["exact"]["precision"] == 1.0 and report["title"]["precision"] >= 0.95
    assert report["version"]["precision"] >= 0.99 and report["version"]["recall"] >= 0.9 and report["version"]["merges"] >= 10
