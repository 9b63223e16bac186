"""No page gets a title that is a heading, a table row, a list number, a badge or markup,
whatever Markdown a list is written in: hypothesis writes random awesome-list-like
documents (headings with badges, tables of dates, links and emoji, numbered and bulleted
items with bold, italics, labels and double brackets, HTML, code) and every record read
from them must have a title a reader would accept, or be reported with its line."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.readers import read_seed

WORDS = st.sampled_from(["Attention", "is", "all", "you", "need", "Scaling", "Laws", "for", "LLM", "🤔", "🔥", "⭐", "2023", "42",
                         "&", ":", "-", "—", "(ICLR'24)", "T5", "GPT-4", "日本語", "**", "_", "`x`", "<b>", "|", "#"])
PAPER = st.sampled_from(["https://arxiv.org/abs/2401.05566", "https://openreview.net/forum?id=WZH7099tgfM", "https://doi.org/10.1000/xyz",
                         "https://aclanthology.org/2023.acl-long.1.pdf", "https://example.org/paper.pdf"])
OTHER = st.sampled_from(["https://github.com/a/b", "https://img.shields.io/badge/x-y-blue", "#toc", "https://youtu.be/x", "https://blog.example.com/"])
LABEL = st.sampled_from(["Paper", "PDF", "arXiv", "Code", "paper", "[PDF]", "Github", "Blog"])

text = st.lists(WORDS, min_size=0, max_size=8).map(" ".join)
link = st.one_of(st.tuples(text, PAPER), st.tuples(LABEL, PAPER), st.tuples(text, OTHER), st.tuples(LABEL, OTHER)).map(lambda t: f"[{t[0]}]({t[1]})")
badge = st.tuples(text, OTHER).map(lambda t: f"![{t[0]}]({t[1]})")
inline = st.lists(st.one_of(text, link, badge, text.map(lambda t: f"**{t}**"), text.map(lambda t: f"*{t}*"), link.map(lambda t: f"**{t}**"),
                            link.map(lambda t: f"[{t}]"), st.sampled_from(["[2025/10]", "(2023-01)", "1.", "<u>T5</u>:", "\\"])),
                  min_size=1, max_size=6).map(" ".join)
heading = st.tuples(st.integers(1, 6), inline).map(lambda t: "#" * t[0] + " " + t[1])
bullets = st.lists(st.tuples(st.sampled_from(["- ", "* ", "1. ", "2) ", "  - "]), inline).map("".join), min_size=1, max_size=5).map("\n".join)
table = st.tuples(st.integers(2, 4), st.lists(st.lists(st.one_of(inline, st.sampled_from(["23.07", "2017-06", "CMU", ""])), min_size=4, max_size=4),
                                              min_size=1, max_size=4)).map(
    lambda t: "| " + " | ".join(["Date", "Title", "Link", "Org"][: t[0]]) + " |\n|" + "---|" * t[0] + "\n"
    + "\n".join("| " + " | ".join(row[: t[0]]) + " |" for row in t[1]))
html = st.sampled_from(["<details><summary>More</summary>\n\n", "</details>", "<p align=center><img src=x></p>", "<!-- comment -->"])
code = inline.map(lambda t: f"```\n{t}\n```")
document = st.lists(st.one_of(heading, bullets, table, inline, html, code), min_size=1, max_size=8).map("\n\n".join)

LETTER = re.compile(r"[^\W\d_]")


def acceptable(title: str) -> bool:
    """A title a reader would accept: words, no Markdown or HTML left in it."""
    return (bool(LETTER.search(title)) and not re.match(r"\s*#+(?:[^\w#]|$)", title) and " | " not in title and not title.startswith("|")
            and "![" not in title and "](" not in title and "**" not in title and "[[" not in title and not re.search(r"</?[a-z]+[ >/]", title)
            and "shields.io" not in title)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(document)
def test_no_record_is_titled_with_markup(markdown: str):
    reading = read_seed(markdown.encode(), "awesome.md")
    lines = markdown.count("\n") + 1
    for record in reading.records:
        assert record.title is None or acceptable(record.title), (record.title, markdown)
        assert 1 <= record.source.line <= lines
    for problem in reading.problems:
        assert problem.file == "awesome.md" and 0 <= problem.line <= lines and problem.reason  # 0: the whole file


def test_the_shapes_the_guard_refuses():
    from generator.readers.base import not_a_title

    for title in ("## 🤔AI Safety & Security Discussions | Date | Link", "| 23.07 | CMU | arxiv |", "1", "1.", "![LLM](https://img.shields.io/x)",
                  "[Paper](https://arxiv.org/abs/1)", "**bold**", "<img src=x>", "🔥🔥", "- item"):
        assert not_a_title(title), title
    for title in ("Attention Is All You Need", "GPT-4 Technical Report", "2.5D Vision: a survey", "Bounds on |x|-norms", "Q&A: 42 ways",
                  "Navigating the Post-API Dilemma | Search Engine Results Pages"):  # a real arXiv title
        assert not not_a_title(title), title
    assert not_a_title("Attention | Attention", markdown=True)
