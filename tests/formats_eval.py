"""Precision and recall of merges by kind across seed formats, on a labelled set of real-shaped files.

    .venv/bin/python tests/formats_eval.py                # 3,000 corpus papers (about 40 s)
    .venv/bin/python tests/formats_eval.py --papers 600   # a quick look

The labelled set is written here, deterministically, into a temporary seed folder and read
back by the real readers, as a user's files would be:

- the five seed files and tests/data/formats/ (a Zotero BibTeX and CSL-JSON export, an arXiv
  API response, an arXiv RSS feed, a CSV and a Markdown list, all about seed papers), with
  the catalog's ids as identity keys; truth from tests/data/seed_papers.yml;
- corpus papers (../shared/corpora), each written into one to three of: a BibTeX export
  (LaTeX-encoded accents, `{}`-protected words, the id in `eprint`, `note`, `url` or arXiv's
  DOI, the abstract in 70 % of entries), CSL-JSON, an arXiv API Atom response (versioned
  ids, wrapped text), an arXiv RSS feed, a CSV (a fifth without abstract), a Markdown link
  list (no abstracts), a journal-style BibTeX with title, authors and year only (5 %), and
  the scraped formats (listings with title and authors but no id, `Abstract:` lines with
  neither). Truth: the arXiv id;
- revised versions: for 3 % of the papers, a listing record whose abstract was rewritten to
  a shingle Jaccard of 0.36-0.49 with its original, under the same title and authors, and
  the corpus' two real rewrites (2503.21813, 2504.11695) in both versions. They count for
  `revised` only where the rule can apply: both records with title and authors (the
  listing reader's title/author split fails on some names);
- published versions: for 3 % of the papers, a conference paper in BibTeX (a DOI, a
  booktitle, the year or the next, the last author dropped from long lists; no abstract, the
  abstract cut short with `...`, or its first sentence as a summary), and for 2 % an
  awesome-list item `**"Title"**. *First Author et al.* ICLR 2025. [[Paper](OpenReview
  forum or pdf link)]`. They count for `version` where the rule can apply: another record
  of the paper with title, authors and an id or link;
- hard negatives: the corpus' five pairs of different ids that share a title and authors,
  as listings without ids and as BibTeX entries with their ids; for 2 % of the papers, a listing under the paper's title and
  first author with another paper's abstract; the corpus' abstracts shared by two ids,
  each under its id.

A merge is a (canonical, member) pair of a predicted cluster, counted under the member's
kind. Precision: the share of merges of that kind whose two records are one paper.
Recall: the share of the pairs a kind should find that end up in one cluster (identifier:
records that carry the same id; revised: each revised version and its original; exact and
reworded: records of one paper with identical or different English text; title: an entry
without abstract or id, with title and authors, and a record of its paper that has them).
Some papers cannot be joined by anything (a bare link and an `Abstract:` line with neither
title nor id): "papers split over pages" counts them.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import html
import io
import json
import random
import re
import shutil
import sys
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "tests" / "data" / "demo"
"""The demo list (seeds and curated files) the tests use, whatever list the repository holds."""
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from dedupe_eval import reword  # noqa: E402
from generator.build import read_seeds  # noqa: E402
from generator.catalog import load_catalog  # noqa: E402
from generator.dedupe import cluster_duplicates, jaccard
from generator.shingles import Shingler  # noqa: E402
from generator.text import clean, fingerprint  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpora" / "arxiv-listings-2025.jsonl.gz"
FORMATS = ROOT / "tests" / "data" / "formats"
KINDS = ("identifier", "exact", "reworded", "revised", "title", "version", "translation")
SHARED_TITLES = [("2505.17997", "2506.03038"), ("2506.03197", "2510.15349"), ("2506.06035", "2510.03122"),
                 ("2507.12759", "2510.09354"), ("2509.18176", "2509.25393")]
REAL_REWRITES = ("2503.21813", "2504.11695")
VERSIONS = ("published-corpus.bib", "awesome-corpus.md")
"""The files of published versions (see `write_published`, `write_awesome`)."""


def corpus_papers() -> dict[str, list[dict]]:
    """arXiv id -> its listings (different abstracts for a new version), in corpus order."""
    papers: dict[str, list[dict]] = defaultdict(list)
    with gzip.open(CORPUS, "rt", encoding="utf-8") as file:
        for line in file:
            row = json.loads(line)
            if not any(clean(row["summary"]) == clean(r["summary"]) for r in papers[row["id"]]):
                papers[row["id"]].append(row)
    return papers


# ---------------------------------------------------------------- writers, one a format


def latex(text: str) -> str:
    from pylatexenc.latexencode import unicode_to_latex

    return unicode_to_latex(text, non_ascii_only=True, replacement_latex_protection="braces")


def bib_text(text: str) -> str:
    """Text as a Zotero export writes it: backslashes, braces and specials escaped, the rest
    of the non-ASCII characters as LaTeX."""
    text = re.sub(r"[\\{}]", lambda m: {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}"}[m[0]], text)
    return latex(re.sub(r"([%&#_$])", r"\\\1", text))


def protect(title: str) -> str:
    return " ".join("{" + word + "}" if sum(c.isupper() for c in word) >= 2 else word for word in title.split())


def write_bibtex(rows: list[tuple[dict, str]], rng: random.Random) -> str:
    entries = []
    for n, (row, style) in enumerate(rows):
        fields = [("title", "{" + protect(bib_text(clean(row["title"]))) + "}"),
                  ("author", "{" + " and ".join(bib_text(f"{a.split()[-1]}, {' '.join(a.split()[:-1])}".strip(", ")) for a in row["authors"]) + "}"),
                  ("year", "{20" + row["id"][:2] + "}")]
        fields += {"eprint": [("eprint", "{" + row["id"] + "}"), ("archivePrefix", "{arXiv}"), ("primaryClass", "{" + row["categories"][0] + "}")],
                   "note": [("note", "{arXiv:" + row["id"] + " [cs]}")],
                   "url": [("url", "{http://arxiv.org/abs/" + row["id"] + "v1}")],
                   "doi": [("doi", "{10.48550/arXiv." + row["id"] + "}")]}[style]
        if rng.random() < 0.7:
            fields.append(("abstract", "{" + bib_text(clean(row["summary"])) + "}"))
        entries.append(f"@misc{{paper{n},\n" + ",\n".join(f"\t{k} = {v}" for k, v in fields) + ",\n}\n")
    return "% Exported by Zotero (Better BibTeX)\n\n" + "\n".join(entries)


def write_csl(rows: list[dict]) -> str:
    items = [{"id": f"item-{r['id']}", "type": "article", "title": clean(r["title"]), "abstract": clean(r["summary"]),
              "archive": "arXiv", "number": f"arXiv:{r['id']}", "URL": f"http://arxiv.org/abs/{r['id']}",
              "author": [{"family": a.split()[-1], "given": " ".join(a.split()[:-1])} for a in r["authors"]],
              "issued": {"date-parts": [[int("20" + r["id"][:2]), int(r["id"][2:4])]]}} for r in rows]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def write_api(rows: list[tuple[dict, int]]) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">', '  <title type="html">ArXiv Query</title>']
    for row, version in rows:
        out += ["  <entry>", f"    <id>http://arxiv.org/abs/{row['id']}v{version}</id>", f"    <published>{row['listed']}T17:59:00Z</published>",
                f"    <title>{html.escape(chr(10).join(textwrap.wrap(clean(row['title']), 70)))}</title>",
                f"    <summary>  {html.escape(chr(10).join(textwrap.wrap(clean(row['summary']), 80)))}\n</summary>"]
        out += [f"    <author>\n      <name>{html.escape(a)}</name>\n    </author>" for a in row["authors"]]
        out += [f'    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="{row["categories"][0]}" scheme="http://arxiv.org/schemas/atom"/>',
                "  </entry>"]
    return "\n".join(out + ["</feed>"]) + "\n"


def write_rss(rows: list[dict]) -> str:
    out = ["<?xml version='1.0' encoding='UTF-8'?>",
           '<rss xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">',
           "  <channel>", "    <title>cs updates on arXiv.org</title>"]
    for row in rows:
        out += ["    <item>", f"      <title>{html.escape(clean(row['title']))}</title>", f"      <link>https://arxiv.org/abs/{row['id']}</link>",
                f"      <description>arXiv:{row['id']}v1 Announce Type: new \nAbstract: {html.escape(clean(row['summary']))}</description>",
                f'      <guid isPermaLink="false">oai:arXiv.org:{row["id"]}v1</guid>', f"      <category>{row['categories'][0]}</category>",
                f"      <dc:creator>{html.escape(', '.join(row['authors']))}</dc:creator>", "    </item>"]
    return "\n".join(out + ["  </channel>", "</rss>"]) + "\n"


def write_csv(rows: list[dict], rng: random.Random) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["Title", "Authors", "Abstract", "arXiv ID", "Date"])
    for row in rows:
        writer.writerow([clean(row["title"]), "; ".join(row["authors"]), clean(row["summary"]) if rng.random() < 0.8 else "", row["id"], row["listed"]])
    return buffer.getvalue()


def write_links(rows: list[dict]) -> str:
    return "# Papers to read\n\n" + "".join(f"- [{clean(r['title'])}](https://arxiv.org/abs/{r['id']})\n" for r in rows)


def write_published(rows: list[dict], rng: random.Random) -> str:
    """Conference versions of preprints: DOI `10.5555/conf.<arXiv id>` (the truth), no
    arXiv id."""
    entries = []
    for n, row in enumerate(rows):
        year = int("20" + row["id"][:2]) + rng.choice([0, 1])
        authors = row["authors"][:-1] if len(row["authors"]) > 3 else row["authors"]
        fields = [("title", "{" + protect(bib_text(clean(row["title"]))) + "}"),
                  ("author", "{" + " and ".join(bib_text(f"{a.split()[-1]}, {' '.join(a.split()[:-1])}".strip(", ")) for a in authors) + "}"),
                  ("booktitle", "{Proceedings of the International Conference on Learning Representations}"),
                  ("year", "{" + str(year) + "}"), ("doi", "{10.5555/conf." + row["id"] + "}")]
        abstract = clean(row["summary"])
        shape = rng.choice(["none", "cut", "summary"])
        if shape == "cut":
            fields.append(("abstract", "{" + bib_text(" ".join(abstract.split()[:40])) + "...}"))
        elif shape == "summary":
            fields.append(("abstract", "{" + bib_text(re.split(r"(?<=\.)\s", abstract, maxsplit=1)[0]) + "}"))
        entries.append(f"@inproceedings{{conf{n},\n" + ",\n".join(f"  {k} = {v}" for k, v in fields) + "\n}\n")
    return "\n".join(entries)


def write_awesome(rows: list[dict], rng: random.Random) -> str:
    """An awesome list of reviewed versions: OpenReview links whose id encodes the arXiv id
    (the truth)."""
    lines = ["# Awesome papers\n"]
    for row in rows:
        page = rng.choice(["forum", "pdf"])
        first = row["authors"][0] + (" et al." if len(row["authors"]) > 1 else "")
        lines.append(f'1. **"{clean(row["title"])}"**. *{first}* ICLR {int("20" + row["id"][:2]) + 1}. '
                     f'[[Paper](https://openreview.net/{page}?id=OR{row["id"].replace(".", "x")})]')
    return "\n".join(lines) + "\n"


def _published_id(record: object) -> str:
    doi = getattr(record, "doi", None) or ""
    if doi.startswith("10.5555/conf."):
        return doi.removeprefix("10.5555/conf.")
    found = re.search(r"id=OR(\w+)", getattr(record, "url", None) or "")
    return found[1].replace("x", ".") if found else "?"


def listing_lines(row: dict, abstract: str | None = None, authors: list[str] | None = None, title: str | None = None) -> list[str]:
    when = time.strftime("%b %-d, %Y", time.strptime(row["listed"], "%Y-%m-%d"))
    names = authors if authors is not None else row["authors"]
    shown = ", ".join(names[:3]) + (" et al." if len(names) > 3 else "")
    return [f"{row['categories'][0].split('.')[-1]}{when}", f"{clean(title or row['title'])}{shown}", clean(abstract or row["summary"])]


# ---------------------------------------------------------------- the labelled set


def heavy_revision(text: str, rng: random.Random, shingler: Shingler) -> str | None:
    """An abstract rewritten until its shingle Jaccard with the original is 0.36-0.49."""
    original = shingler.shingles(text)
    candidate = text
    for _ in range(12):
        candidate = reword(candidate, "sentence-changed", rng)
        similarity = jaccard(original, shingler.shingles(candidate))[0]
        if 0.36 <= similarity < 0.49:
            return candidate
        if similarity < 0.36:
            return None
    return None


def write_labelled_set(folder: Path, papers: int) -> dict[tuple[str, int], str]:
    """Write the seed folder; return the truth: (file, line) -> paper."""
    folder.mkdir(parents=True)
    truth: dict[tuple[str, int], str] = {}
    rng = random.Random(20261124)
    shingler = Shingler()

    # Seeds and the fixture files about seed papers: truth from the seed labels, through the catalog's ids.
    for path in sorted((DEMO / "seeds").iterdir()) + sorted(FORMATS.iterdir()):
        shutil.copy(path, folder / path.name)
    labels = yaml.safe_load((ROOT / "tests/data/seed_papers.yml").read_text("utf-8"))
    place = {where: name for name, places in labels.items() for where in places}
    seed_records, _, _ = read_seeds(DEMO / "seeds")
    arxiv_label = {}
    for entry in load_catalog(DEMO / "catalog.yml").entries:
        holder = next(r for r in seed_records if entry.phrase and fingerprint(entry.phrase) in r.key)
        arxiv_label[entry.arxiv] = f"seed:{place[f'{holder.source.file[:3]}:{holder.source.line}']}"
    records, _, _ = read_seeds(folder)
    for record in records:
        name = record.source.file
        truth[name, record.source.line] = (f"seed:{place[f'{name[:3]}:{record.source.line}']}" if name in {p.name for p in (ROOT / 'seeds').iterdir()}
                                           else arxiv_label.get(record.arxiv or "", f"arxiv:{record.arxiv}"))

    corpus = corpus_papers()
    ids = sorted(i for i in corpus if i not in {x for pair in SHARED_TITLES for x in pair} and i not in REAL_REWRITES)
    chosen = sorted(rng.sample(ids, papers))
    spare = [i for i in ids if i not in set(chosen)]
    files: dict[str, list] = defaultdict(list)
    for paper in chosen:
        row = corpus[paper][0]
        for kind in rng.sample(["bib", "csl", "api", "rss", "csv", "md", "listing", "lines"], rng.choice([1, 2, 2, 3])):
            files[kind].append(row)
    for kind, rows in files.items():
        rows.sort(key=lambda r: r["id"])

    bib_rows = [(row, rng.choice(["eprint", "note", "url", "doi"])) for row in files["bib"]]
    # Abstracts shared by two ids stay two papers: both ids go in as BibTeX entries.
    text_ids: dict[str, list[str]] = defaultdict(list)
    for paper, rows in corpus.items():
        text_ids[fingerprint(rows[0]["summary"])].append(paper)
    for twins in (t for t in text_ids.values() if len(t) > 1):
        bib_rows += [(corpus[paper][0], "eprint") for paper in twins]
    # Papers that share a title stay apart, whatever else carries the title.
    bib_rows += [(corpus[paper][0], "eprint") for pair in SHARED_TITLES for paper in pair]
    (folder / "zotero-corpus.bib").write_text(write_bibtex(bib_rows, rng), "utf-8")
    bare = [corpus[paper][0] for paper in rng.sample(chosen, papers // 20)]
    (folder / "journal-corpus.bib").write_text("".join(
        f"@article{{bare{n},\n  title = {{{bib_text(clean(r['title']))}}},\n  author = {{{' and '.join(bib_text(a) for a in r['authors'])}}},\n  year = {{20{r['id'][:2]}}}\n}}\n"
        for n, r in enumerate(bare)), "utf-8")
    (folder / "zotero-corpus.json").write_text(write_csl(files["csl"]), "utf-8")
    (folder / "arxiv-api-corpus.xml").write_text(write_api([(row, rng.choice([1, 1, 2, 3])) for row in files["api"]]), "utf-8")
    (folder / "arxiv-rss-corpus.xml").write_text(write_rss(files["rss"]), "utf-8")
    (folder / "reading-list-corpus.csv").write_text(write_csv(files["csv"], rng), "utf-8")
    (folder / "links-corpus.md").write_text(write_links(files["md"]), "utf-8")
    published = sorted(rng.sample(chosen, papers * 3 // 100))
    (folder / "published-corpus.bib").write_text(write_published([corpus[paper][0] for paper in published], rng), "utf-8")
    reviewed = sorted(rng.sample(chosen, papers * 2 // 100))
    (folder / "awesome-corpus.md").write_text(write_awesome([corpus[paper][0] for paper in reviewed], rng), "utf-8")

    listing: list[str] = []
    listing_truth: list[tuple[int, str]] = []

    def add_listing(lines: list[str], paper: str) -> None:
        listing_truth.append((len(listing) + 1, paper))
        listing.extend(lines)

    for row in files["listing"]:
        add_listing(listing_lines(row), f"arxiv:{row['id']}")
    revised: list[tuple[str, str]] = []  # (where of the revised listing, its paper)
    for paper in rng.sample(chosen, papers * 3 // 100):
        row = corpus[paper][0]
        text = heavy_revision(clean(row["summary"]), rng, shingler)
        if text:
            add_listing(listing_lines(row, abstract=text, authors=row["authors"][: max(1, len(row["authors"]) - 1)]), f"arxiv:{paper}")
            revised.append((f"listing-corpus.txt:{listing_truth[-1][0]}", f"arxiv:{paper}"))
    for paper in REAL_REWRITES:
        first, second = corpus[paper][:2]
        add_listing(listing_lines(first), f"arxiv:{paper}")
        add_listing(listing_lines(second), f"arxiv:{paper}")
        revised.append((f"listing-corpus.txt:{listing_truth[-1][0]}", f"arxiv:{paper}"))
    for a, b in SHARED_TITLES:
        add_listing(listing_lines(corpus[a][0]), f"arxiv:{a}")
        add_listing(listing_lines(corpus[b][0]), f"arxiv:{b}")
    for n, paper in enumerate(rng.sample(chosen, papers * 2 // 100)):
        row, other = corpus[paper][0], corpus[spare[n]][0]
        add_listing(listing_lines(row, abstract=other["summary"], authors=row["authors"][:1]), f"arxiv:{spare[n]}")
    (folder / "listing-corpus.txt").write_text("\n".join(listing) + "\n", "utf-8")
    (folder / "abstracts-corpus.txt").write_text("".join(f"Abstract: {clean(r['summary'])}\n" for r in files["lines"]), "utf-8")

    for record in read_seeds(folder)[0]:
        name, line = record.source.file, record.source.line
        if name == "listing-corpus.txt":
            truth[name, line] = dict(listing_truth)[line]
        elif name == "abstracts-corpus.txt":
            truth[name, line] = f"arxiv:{files['lines'][line - 1]['id']}"
        elif name == "journal-corpus.bib":
            truth[name, line] = f"arxiv:{bare[(line - 1) // 5]['id']}"
        elif name in VERSIONS:
            truth[name, line] = f"arxiv:{_published_id(record)}"
        elif "corpus" in name:
            truth[name, line] = f"arxiv:{record.arxiv}"
    (folder / ".revised.json").write_text(json.dumps(revised), "utf-8")
    return truth


# ---------------------------------------------------------------- evaluation


def evaluate(folder: Path, truth: dict[tuple[str, int], str]) -> dict[str, object]:
    records, problems, files = read_seeds(folder)
    catalog = load_catalog(DEMO / "catalog.yml")
    start = time.perf_counter()
    clusters, _ = cluster_duplicates(records, pins=catalog.pins())
    seconds = time.perf_counter() - start
    where = lambda r: (r.source.file, r.source.line)  # noqa: E731
    cluster_of = {where(m.record): n for n, c in enumerate(clusters) for m in c.members}
    merges: dict[str, list[bool]] = defaultdict(list)
    wrong: dict[str, list[str]] = defaultdict(list)
    for cluster in clusters:
        canonical = cluster.canonical
        for member in cluster.members[1:]:
            right = truth[where(member.record)] == truth[where(canonical)]
            merges[member.kind].append(right)
            if not right:
                wrong[member.kind].append(f"{where(member.record)} ~ {where(canonical)}")
    by_paper: dict[str, list] = defaultdict(list)
    for record in records:
        by_paper[truth[where(record)]].append(record)
    expected: dict[str, list[tuple]] = defaultdict(list)
    for paper, all_members in by_paper.items():
        sharing: dict[str, list] = defaultdict(list)
        for r in all_members:
            for key in sorted(r.ids):
                sharing[key].append(r)
        expected["identifier"] += sorted({(where(holders[0]), where(r)) for holders in sharing.values() for r in holders[1:]})
        members = [r for r in all_members if r.source.file not in VERSIONS]  # published versions count for `version` only
        english = [r for r in members if r.abstract and r.language == "en"]
        for r in english[1:]:
            kind = "exact" if r.key == english[0].key else "reworded"
            expected[kind].append((where(english[0]), where(r)))
        titled = [r for r in members if r.abstract and r.title and r.authors]
        expected["title"] += [(where(titled[0]), where(r)) for r in members if not r.abstract and r.title and r.authors and not r.ids] if titled else []
        foreign = [r for r in members if r.abstract and r.language != "en"]
        expected["translation"] += [(where(english[0]), where(r)) for r in foreign] if english else []
    revised = {(place.rsplit(":", 1)[0], int(place.rsplit(":", 1)[1])): paper for place, paper in json.loads((folder / ".revised.json").read_text("utf-8"))}
    for (file, line), paper in revised.items():
        # The rule needs title and authors on both sides; a revision of a paper known only
        # by an `Abstract:` line or a link cannot be told from another paper.
        mine = next(r for r in by_paper[paper] if where(r) == (file, line))
        originals = [r for r in by_paper[paper] if where(r) != (file, line) and r.abstract and r.title and r.authors]
        if originals and mine.authors:
            expected["revised"].append((where(originals[0]), (file, line)))
    expected["reworded"] = [(a, b) for a, b in expected["reworded"] if a not in revised and b not in revised]
    for paper, members in by_paper.items():
        for version in (r for r in members if r.source.file in VERSIONS):
            others = [r for r in members if r.title and r.authors and (r.ids or r.url) and r.source.file not in VERSIONS]
            if others:
                expected["version"].append((where(others[0]), where(version)))
    report: dict[str, object] = {"files": files, "records": len(records), "papers": len(by_paper), "clusters": len(clusters),
                                 "paragraph fallback records": sum(1 for r in records if r.source.format == "paragraphs"),
                                 "rejected": sum(1 for p in problems if p.severity == "error"), "dedupe seconds": round(seconds, 1),
                                 "papers split over pages": sum(1 for members in by_paper.values() if len({cluster_of[where(r)] for r in members}) > 1)}
    for kind in KINDS:
        found, pairs = merges.get(kind, []), expected.get(kind, [])
        together = sum(1 for a, b in pairs if cluster_of[a] == cluster_of[b])
        report[kind] = {
            "merges": len(found),
            "precision": round(sum(found) / len(found), 4) if found else 1.0,
            "pairs to find": len(pairs),
            "recall": round(together / len(pairs), 4) if pairs else 1.0,
            "false merges": wrong.get(kind, [])[:5],
            "missed": [f"{a} ~ {b}" for a, b in pairs if cluster_of[a] != cluster_of[b]][:5],
        }
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--papers", type=int, default=3000, help="corpus papers in the set (default 3,000)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "seeds"
        truth = write_labelled_set(folder, args.papers)
        print(json.dumps(evaluate(folder, truth), indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
