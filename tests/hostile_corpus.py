"""A corpus of hostile and broken seed files, written on demand (a 5 MB line and 100,000
lines are not worth committing). `write_corpus(folder)` returns what each file should give."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

SCRIPT = "<script>alert('xss-script')</script>"
IMG = "<img src=x onerror=\"alert('xss-img')\">"
JS_LINK = "[click me](javascript:alert('xss-link'))"
IFRAME = "<iframe src=\"javascript:alert('xss-iframe')\"></iframe>"


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    published: int
    """Records that must appear on pages."""
    rejected: int
    """Records (or the whole file) that must be reported as rejected."""


def _lines(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def cases() -> list[Case]:
    long_title = "A" * 300
    return [
        Case("invalid-utf8.txt", b"Abstract: valid start of an abstract \xff\xfe then garbage bytes follow.\n", 0, 1),
        Case("gb18030.txt", "Abstract: 我们研究语言模型是否可以评估自己主张的有效性。\n".encode("gb18030"), 0, 1),
        Case("utf16.txt", codecs.BOM_UTF16_LE + "Abstract: This file was saved as UTF-16 with a byte-order mark.\n".encode("utf-16-le"), 1, 0),
        Case("binary.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, 0, 1),
        Case("empty.txt", b"", 0, 0),
        Case("nul-bytes.txt", b"Abstract: An abstract with\x00 NUL bytes\x00 inside it, still readable.\n", 1, 0),
        Case("huge-line.txt", b"Abstract: " + b"word " * 1_000_000 + b"\n", 0, 1),
        Case("many-lines.txt", b"Abstract: tiny\n" * 100_000, 0, 100_000),
        Case("one-char.txt", _lines("Abstract:A", "Abstract: A normal abstract next to a one-character one."), 1, 1),
        Case("html.txt", _lines(
            f"Abstract: Scripts must stay text: {SCRIPT} and images too: {IMG} in this abstract.",
            f"Abstract: Links must not run: {JS_LINK} nor frames: {IFRAME} in this abstract.",
            "Abstract: Math must not run either: $\\texttt{<script>alert('xss-math')</script>}$ and "
            "$\\href{javascript:alert('xss-href')}{click}$ and $\\text{<img src=x onerror=alert('xss-mimg')>}$.",
        ), 3, 0),
        Case("markdown.txt", _lines(
            "Abstract: Template syntax {{ config.site_name }} and {% include 'x' %} stays literal here.",
            "Abstract:# A leading hash must not become a heading in this abstract",
            "Abstract: ---",
            "Abstract: [x]: https://example.com/evil a reference definition that must stay literal.",
            "Abstract: --- a line that starts like a YAML front matter fence but is an abstract.",
        ), 4, 1),
        Case("yaml-titles.txt", _lines(
            "CLApr 12, 2022",
            "Colons: In Titles And 'Quotes' \"Double\" &anchor *alias !!python/object:os.systemJane Doe, John Roe",
            "An abstract whose title is full of YAML specials that must round-trip through front matter.",
            "CLApr 13, 2022",
            "../../etc/passwdJane Doe",
            "An abstract whose title looks like a path outside the output folder and must stay inside.",
            "CLApr 14, 2022",
            "CONJane Doe",
            "An abstract whose title is a reserved device name on Windows and must still get a page.",
            "CLApr 15, 2022",
            f"{long_title}Jane Doe",
            "An abstract whose title is three hundred characters long and must get a short slug.",
        ), 4, 0),
        Case("unicode.txt", _lines(
            "Abstract: Emoji 🤖🧪 in an abstract about robots and experiments, kept as they are.",
            "Abstract: נושא בעברית mixed with English, right-to-left text in an abstract here.",
            "Abstract: Combining characters: e\u0301 n\u0303 a\u0308 must normalise and stay readable here.",
        ), 3, 0),
    ]


def write_corpus(folder: Path) -> list[Case]:
    folder.mkdir(parents=True, exist_ok=True)
    all_cases = cases()
    for case in all_cases:
        (folder / case.name).write_bytes(case.data)
    return all_cases
