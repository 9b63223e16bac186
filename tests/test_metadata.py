"""Metadata: catalog matching, derived titles, topics, related papers, exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from xml.etree import ElementTree as ET

import frontmatter
import yaml

from generator.build import Options, build
from generator.exports import bibtex_escape, citation_keys
from generator.papers import derive_title
from generator.topics import load_taxonomy
from support import DEMO, ROOT, generate, parse_html, text_of


def test_catalog_warns_about_entries_that_match_nothing(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Abstract: We study reward hacking in reinforcement learning agents.\n", "utf-8")
    catalog = tmp_path / "catalog.yml"
    catalog.write_text(
        'papers:\n'
        '  - match: "reward hacking in reinforcement learning agents"\n'
        '    title: "Reward Hacking"\n'
        '    arxiv: "2201.00001"\n'
        '  - match: "a phrase that appears in no abstract at all"\n'
        '    title: "Ghost"\n', "utf-8")
    result = generate(seeds, tmp_path / "docs", "--catalog", str(catalog))
    assert "catalog.yml:5: warning: catalog entry matches no paper" in result.stderr
    (page,) = (tmp_path / "docs/papers").glob("reward-hacking-*.md")
    post = frontmatter.load(page)
    assert post["title"] == "Reward Hacking" and post["arxiv"] == "2201.00001" and post["title_derived"] is False


def test_catalog_phrase_without_id_finds_the_paper_an_edit_adds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The clustering finds the catalog's phrases in each group it makes: an entry with no id
    finds its paper when a later build adds it, as a build from nothing does (a second paper
    to a list of one is a large change: here it takes the incremental path all the same)."""
    from generator.incremental import sessions

    monkeypatch.setattr(sessions, "LARGE_CHANGE", float("inf"))
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Abstract: We measure how often language models refuse harmless requests in chat.\n", "utf-8")
    catalog = tmp_path / "catalog.yml"
    catalog.write_text('papers:\n  - match: "reward hacking in reinforcement learning agents"\n    title: "Reward Hacking"\n', "utf-8")
    options = lambda docs, cache: Options(seeds, docs, catalog, DEMO / "taxonomy.yml", tmp_path / "none.yml", cache=cache)  # noqa: E731
    first = build(options(tmp_path / "docs", tmp_path / "cache"))
    assert [p.reason for p in first.warnings] == ["catalog entry matches no paper"]
    (seeds / "b.txt").write_text("Abstract: We study reward hacking in reinforcement learning agents trained on proxies.\n", "utf-8")
    edited = build(options(tmp_path / "docs", tmp_path / "cache"))
    assert not edited.full and edited.warnings == []
    (page,) = (tmp_path / "docs/papers").glob("reward-hacking-*.md")
    assert frontmatter.load(page)["title"] == "Reward Hacking"
    build(options(tmp_path / "cold", None))
    pages = lambda docs: {p.name: p.read_bytes() for p in (docs / "papers").glob("*.md")}  # noqa: E731
    assert pages(tmp_path / "docs") == pages(tmp_path / "cold")


def test_every_seed_paper_is_described_by_the_catalog(seeds_site: Path):
    data = json.loads((seeds_site / "docs/papers.json").read_text("utf-8"))
    assert all(not p["title_derived"] for p in data["papers"])
    assert all(p["arxiv"] for p in data["papers"])
    chinese_only = [p for p in data["papers"] if p["language"] == "zh"]
    assert {p["title"][:20] for p in chinese_only} == {"Beyond the Imitation", "A General Language A"}
    assert all(p["machine_translated"] for p in chinese_only)


def test_undescribed_paper_gets_a_derived_title_and_is_listed(tmp_path: Path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("Abstract: We study reward hacking in reinforcement learning agents trained on proxies. It is bad.\n", "utf-8")
    generate(seeds, tmp_path / "docs")
    post = frontmatter.load(next((tmp_path / "docs/papers").glob("*.md")))
    assert post["title_derived"] is True
    assert post["title"] == "We study reward hacking in reinforcement learning agents trained on proxies"
    assert "reward hacking" in (tmp_path / "docs/needs-metadata.md").read_text("utf-8")


def test_derive_title_cuts_long_sentences_and_chinese():
    assert derive_title("One two three four five six seven eight nine ten eleven twelve thirteen. Next.") == \
        "One two three four five six seven eight nine ten eleven twelve …"
    assert derive_title("我们研究语言模型是否可以评估自己主张的有效性并预测他们能够正确回答的问题。其余").endswith("…")


def test_every_paper_has_a_known_topic_and_topic_pages_list_it(seeds_site: Path):
    taxonomy = load_taxonomy(DEMO / "taxonomy.yml")
    slugs = {t.slug for t in taxonomy.topics}
    for path in (seeds_site / "docs/papers").glob("*.md"):
        post = frontmatter.load(path)
        assert post["topics"] and set(post["topics"]) <= slugs, path.name
        for topic in post["topics"]:
            assert f"../papers/{path.stem}.md" in (seeds_site / f"docs/topics/{topic}.md").read_text("utf-8")


def test_related_papers_exist_and_include_chinese_only_papers(seeds_site: Path):
    data = json.loads((seeds_site / "docs/papers.json").read_text("utf-8"))
    slugs = {p["slug"] for p in data["papers"]}
    for paper in data["papers"]:
        assert 1 <= len(paper["related"]) <= 5, paper["slug"]
        assert all(r["slug"] in slugs and r["slug"] != paper["slug"] for r in paper["related"])
        scores = [r["score"] for r in paper["related"]]
        assert scores == sorted(scores, reverse=True)


def test_bibtex_escapes_specials_and_keys_are_unique():
    assert bibtex_escape("50% of {A} & B_1 \\ $x$") == r"50\% of \{A\} \& B\_1 \textbackslash{} \$x\$"
    data = json.loads((ROOT / "docs/papers.json").read_text("utf-8"))
    assert len(set(citation_keys_for(data).values())) == len(data["papers"])


def citation_keys_for(data):
    from generator.model import Cluster, Paper
    papers = [Paper(p["slug"], p["title"], p["title_derived"], tuple(p["authors"]), p["date"], p["year"], p["language"], p["abstract"], Cluster(())) for p in data["papers"]]
    return citation_keys(papers)


def test_exports_are_complete_and_parse(seeds_site: Path):
    docs = seeds_site / "docs"
    data = json.loads((docs / "papers.json").read_text("utf-8"))
    pages = list((docs / "papers").glob("*.md"))
    assert len(data["papers"]) == len(pages)
    assert sum(len(p["sources"]) for p in data["papers"]) == 41
    bib = (docs / "papers.bib").read_text("utf-8")
    assert bib.count("@misc{") == len(pages)
    feed = ET.parse(docs / "feed.xml").getroot()
    entries = feed.findall("{http://www.w3.org/2005/Atom}entry")
    assert len(entries) == sum(1 for p in data["papers"] if p["date"] or p["year"])
    updated = [e.find("{http://www.w3.org/2005/Atom}updated").text for e in entries]
    assert updated == sorted(updated, reverse=True)
    for name in ("papers.bib", "papers.json", "feed.xml"):
        assert (seeds_site / "site" / name).is_file()


def test_paper_page_has_scholar_tags_and_bibtex(seeds_site: Path):
    page = seeds_site / "site/papers/sleeper-agents-training-deceptive-llms-that-persist-through-accc7f/index.html"
    tree = parse_html(page)
    meta = {m.get("name"): m.get("content") for m in tree.iter("meta") if m.get("name", "").startswith("citation_")}
    assert meta["citation_title"] == "Sleeper Agents: Training Deceptive LLMs that Persist Through Safety Training"
    authors = [m.get("content") for m in tree.iter("meta") if m.get("name") == "citation_author"]
    assert authors[:2] == ["Evan Hubinger", "Carson Denison"] and len(authors) == 10
    assert meta["citation_arxiv_id"] == "2401.05566"
    (code,) = [c for c in tree.iter("code") if c.get("class") == "language-bibtex"]
    assert text_of(code).startswith("@misc{hubinger2024sleeper,")
    assert '"content.code.copy"' in page.read_text("utf-8")  # Material adds the copy button to code blocks


def test_taxonomy_file_is_documented_yaml():
    data = yaml.safe_load((DEMO / "taxonomy.yml").read_text("utf-8"))
    for topic in data["topics"]:
        assert topic["name"] and topic["description"]
        if topic["slug"] != "other":
            assert topic["terms"]["en"] and topic["terms"]["zh"], topic["slug"]


def test_paper_header_lines_are_separate_paragraphs(seeds_site: Path):
    tree = parse_html(seeds_site / "site/papers/sleeper-agents-training-deceptive-llms-that-persist-through-accc7f/index.html")
    labels = [text_of(p.find("strong")) for p in tree.iter("p") if p.get("class") == "paper-meta"]
    assert labels == ["Authors:", "Year:", "Links:"]


def test_math_becomes_mathml_that_html_parsers_read_and_titles_get_plain_text():
    from generator.render import abstract_html
    from generator.text import latex_to_text

    html = str(abstract_html("$360^{\\circ}$ images and Omni$^2$ with $D_{\\mathrm{KL}}$ <b>"))
    assert html.startswith('<p class="abstract"><math') and "/>" not in html and "$" not in html
    assert "&lt;b&gt;" in html
    assert latex_to_text("$360^{\\circ}$ views, $\\sim5\\%$ and $A \\leftrightarrow B$") == "360° views, ~5% and A ↔ B"
