"""`./dev new`: the demo list replaced by an empty list of one's own.

The demo's seed files go (only files that are byte for byte the demo's: anything else in
`seeds/` stops it, unless `--force`), `catalog.yml` and `duplicates.yml` become empty files
that explain themselves, `taxonomy.yml` a starter of two topics, `seeds/README.md` says what
to put there, and `mkdocs.yml` names the list with placeholders to fill in. The next build
removes the demo's pages from `docs/`.
"""

from __future__ import annotations

import re
from pathlib import Path

DEMO_SEEDS = {
    "000_fb6b050c0f47a046.txt", "001_347a0b179dc52533.txt", "002_e6d2aecd7775def0.txt", "003_0da990b18b5202ef.txt", "004_f35cfd3433627dd0.txt",
}
"""The demo list's seed files (a copy is kept in tests/data/demo/seeds)."""

CATALOG = """\
# Metadata you supply for papers (see the README, "Curating metadata"). Each entry finds its
# paper by `match` (a phrase copied from the abstract: 16+ letters or digits, case, spacing
# and punctuation aside; or an arXiv id), by `arxiv` or `doi`, or by `source` (a seed file
# and the line of a record of the paper), and gives it a title, authors, a year, topics or notes:
#
# papers:
#   - match: "a distinctive phrase copied from the abstract"
#     title: "The Paper's Real Title"
#     authors: ["Ann Lee", "Bo Chen"]
#     year: 2024
#     arxiv: "2401.05566"
#     topics: [example-topic]
papers: []
"""

DUPLICATES = """\
# Decisions about duplicates that override the detector (see the README, "Duplicates").
# Name each record by a phrase copied from its abstract (16+ letters or digits; case, spacing
# and punctuation are ignored).
#
# same:        # these records are the same paper
#   - ["phrase from the first abstract", "phrase from the second abstract"]
# different:   # these records are different papers, however alike they look
#   - ["phrase from the first abstract", "phrase from the second abstract"]
"""

TAXONOMY = """\
# The list's topics (see the README, "Topics"). Each topic has a name, a slug (its URL), a
# one-line description and the terms that place a paper in it. Terms are lower case; an
# English term matches at the start of a word, a Chinese term anywhere. A paper joins every
# topic with two distinct terms in its abstract or one in its title; a paper that joins none
# goes to its best topic, or to "other".
topics:
  - name: Example topic
    slug: example-topic
    description: Replace with a topic of your list.
    terms:
      en: [example term, another term]
  - name: Another topic
    slug: another-topic
    description: Replace with another topic, or delete it.
    terms:
      en: [a third term]
"""

SEEDS_README = """\
# Seed files

Put the files your list is made of here. Every file is read but hidden ones and files named
README (like this one: save an awesome list's README under another name). The format of
each is detected from its content: BibTeX or CSL-JSON exports (Zotero, Mendeley, Better
BibTeX), arXiv API responses and RSS feeds, CSV or TSV with a header row, Markdown lists of
links, or plain text with one `Abstract:` record a line. See the README's "Adding seeds"
for examples. Then run `./dev site` (or `./dev serve`).
"""

SETTINGS = {
    "site_name": "My Reading List",
    "site_description": "Papers I collect, deduplicated and searchable.",
}
READING_LIST = """\
  reading_list:
    intro: >-
      What this list is about, who collects it and how (Markdown). Or write home.md next
      to this file.
    search_examples: []
    feed_title: ""
    feed_author: ""
"""


def _is_demo(root: Path, path: Path) -> bool:
    """A demo seed file, unchanged (compared with its copy in tests/data/demo when there is one)."""
    if path.name not in DEMO_SEEDS or not path.is_file():
        return False
    copy = root / "tests" / "data" / "demo" / "seeds" / path.name
    return not copy.is_file() or copy.read_bytes() == path.read_bytes()


class StarterError(Exception):
    """The list cannot be replaced as it is (files of one's own would be lost)."""


def new_list(root: Path, force: bool = False) -> list[str]:
    """Replace the demo list in `root` with an empty one; returns what was done, a line each."""
    seeds = root / "seeds"
    demo = [path for path in (seeds.iterdir() if seeds.is_dir() else []) if _is_demo(root, path)]
    own = sorted(path.relative_to(seeds).as_posix() for path in seeds.rglob("*")
                 if path.is_file() and path not in demo and not path.name.lower().startswith("readme")) if seeds.is_dir() else []
    if own and not force:
        shown = ", ".join(own[:5]) + (f" and {len(own) - 5} more" if len(own) > 5 else "")
        raise StarterError(f"seeds/ holds files that are not the demo list's ({shown}); move them away first, or run with --force to keep them")
    done = []
    removed = demo
    for path in removed:
        path.unlink()
    if removed:
        done.append(f"removed the demo's {len(removed)} seed files from seeds/")
    seeds.mkdir(exist_ok=True)
    (seeds / "README.md").write_text(SEEDS_README, "utf-8")
    done.append("wrote seeds/README.md (what to put there)")
    for name, text in (("catalog.yml", CATALOG), ("duplicates.yml", DUPLICATES), ("taxonomy.yml", TAXONOMY)):
        (root / name).write_text(text, "utf-8")
        done.append(f"wrote {name} ({'a starter of two topics' if name == 'taxonomy.yml' else 'empty, with how to fill it in'})")
    config = root / "mkdocs.yml"
    if config.is_file():
        text = config.read_text("utf-8")
        for key, value in SETTINGS.items():
            text = re.sub(rf"(?m)^{key}:.*$", f"{key}: {value}", text, count=1)
        text = re.sub(r"(?ms)^  reading_list:\n(?:    .*\n|\s*\n)*", READING_LIST, text, count=1)
        config.write_text(text, "utf-8")
        done.append("named the list in mkdocs.yml (site_name, site_description, extra.reading_list): fill in the placeholders")
    home = root / "home.md"
    if home.is_file() and not force:
        done.append("kept home.md (the home page's text): edit it for your list")
    return done
