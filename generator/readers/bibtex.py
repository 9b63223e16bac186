"""BibTeX and BibLaTeX (Zotero, Better BibTeX, Mendeley, JabRef, hand-kept files, our own
papers.bib), read as BibTeX tools read them: bibtexparser 2.x splits the entries, and then

- `@string` macros are expanded, with `#` joining quoted text, braced text, numbers and
  macros (`"Proc. Fifteenth Annual" # STOC`); an undefined macro stays as its name;
- an entry with `crossref` takes the fields it lacks from the entry it names (a parent's
  `title` becomes the child's `booktitle`);
- text-mode TeX is decoded to Unicode (`fields.tex`: accents, `\\&`, `\\!`, Mendeley's
  `$\\backslash$`); math (`$x^2$`) is left for the page to render;
- a book with editors and no authors is named by its editors;
- Mendeley's `arxivId = {quant-ph/0607039}` wins over its cut `eprint = {0607039}`;
- two entries under one citation key are two records (tools warn and read both).

An entry that does not parse is reported with its line; the others are read.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from . import fields
from .base import Collector, Format

ENTRY = re.compile(r"^\s*@\s*([A-Za-z]+)\s*[{(]", re.MULTILINE)
KEY = re.compile(r"^(\s*@\s*([A-Za-z]+)\s*[{(]\s*)([^,\s{}()]+)(\s*,)", re.MULTILINE)
SKIPPED_TYPES = frozenset(["comment", "preamble", "string"])
MONTHS = {name[:3]: name for name in ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                                      "november", "december")}
NOT_INHERITED = frozenset(["crossref", "title", "key", "ids", "related"])


def detect(text: str, suffix: str) -> float:
    """An `@type{` entry before any other text (comments and blank lines aside), or a .bib
    file with entries."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("%"):
            continue
        if ENTRY.match(line):
            return 1.0
        break
    return 0.9 if suffix == ".bib" and ENTRY.search(text) else 0.0


def unique_keys(text: str) -> str:
    """The text with a citation key used again renamed (`Schank:80` -> `Schank:80__2`):
    bibtexparser drops the second entry, BibTeX tools read both."""
    seen: dict[str, int] = {}

    def rename(match: re.Match[str]) -> str:
        if match[2].lower() in SKIPPED_TYPES:
            return match[0]
        key = match[3].lower()
        seen[key] = seen.get(key, 0) + 1
        return match[0] if seen[key] == 1 else f"{match[1]}{match[3]}__{seen[key]}{match[4]}"

    return KEY.sub(rename, text)


def expand(value: str, strings: dict[str, str], depth: int = 0) -> str:
    """A field value with `#` joins and macros expanded (see the module's docstring)."""
    parts = _parts(value)
    if len(parts) == 1 and not _is_macro(parts[0]):
        return value
    out = []
    for part in parts:
        part = part.strip()
        if part[:1] in "{\"" and part[-1:] in "}\"":
            out.append(part[1:-1])
        elif part.isdigit():
            out.append(part)
        elif part.lower() in strings and depth < 8:
            out.append(expand(strings[part.lower()], strings, depth + 1))
        else:
            out.append(MONTHS.get(part.lower(), part))
    return "".join(out)


def _is_macro(part: str) -> bool:
    return bool(re.fullmatch(r"\s*[A-Za-z][\w:\-.+]*\s*", part))


def _parts(value: str) -> list[str]:
    """The parts of a value joined by `#` outside braces and quotes."""
    parts, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(value):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif char == '"' and depth == 0:
            quoted = not quoted
        elif char == "#" and depth == 0 and not quoted:
            parts.append(value[start:i])
            start = i + 1
    parts.append(value[start:])
    return parts


def _names(value: Any) -> tuple[str, ...]:
    """People from a BibTeX name list, each as `Given von Last, Jr.`."""
    from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, split_multiple_persons_names

    names = []
    for raw in split_multiple_persons_names(str(value)):
        raw = fields.tex(raw, braces=True) or ""
        if not raw:
            continue
        try:
            parts = parse_single_name_into_parts(raw, strict=False)
        except InvalidNameError:
            names.append(raw)
            continue
        name = " ".join([*parts.first, *parts.von, *parts.last])
        names.append(f"{name}, {' '.join(parts.jr)}" if parts.jr else name)
    return tuple(name for name in names if name and name.lower() not in ("others", "et al."))


def _year(value: object) -> int | None:
    return fields.year_of(re.sub(r"\{?\\noopsort\{[^}]*\}\}?", "", str(value or "")))


def read(text: str, out: Collector) -> None:
    import bibtexparser
    from bibtexparser import middlewares

    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)  # failures are reported below, with lines
    library = bibtexparser.parse_string(
        unique_keys(text), parse_stack=[middlewares.ResolveStringReferencesMiddleware(True), middlewares.RemoveEnclosingMiddleware(True)]
    )
    for block in library.failed_blocks:
        line = block.start_line + 1
        first = block.raw.strip().splitlines()[0] if block.raw.strip() else ""
        reason = str(getattr(block, "error", "")) if type(block).__name__ == "DuplicateFieldKeyBlock" else "an unclosed brace or quote?"
        out.reject(line, f"BibTeX entry does not parse ({reason})", first)
    strings = {block.key.lower(): str(block.value) for block in library.strings}
    entries = {entry.key.lower(): entry for entry in library.entries}
    for entry in library.entries:
        if entry.entry_type.lower() in SKIPPED_TYPES:
            continue
        values = _values(entry, strings)
        parent = entries.get(str(values.get("crossref", "")).lower())
        if parent is not None and parent is not entry:
            inherited = _values(parent, strings)
            if "booktitle" not in values and inherited.get("title"):
                values["booktitle"] = inherited["title"]
            for key, value in inherited.items():
                if key not in NOT_INHERITED:
                    values.setdefault(key, value)
        eprint = values.get("eprint") if str(values.get("archiveprefix") or values.get("eprinttype") or "arxiv").lower() == "arxiv" else None
        ids = fields.identifiers(values.get("arxivid"), eprint, values.get("doi"), values.get("url"), values.get("note"),
                                 values.get("howpublished"), values.get("journal"))
        out.add(
            entry.start_line + 1,
            fields.abstract(values.get("abstract"), braces=True),
            title=fields.tex(values.get("title"), braces=True),
            authors=_names(values["author"]) if values.get("author") else _names(values["editor"]) if values.get("editor") else (),
            date=fields.iso_date(values.get("date")),
            year=_year(values.get("year") or values.get("date")),
            category=fields.text(values.get("primaryclass")),
            url=fields.text(values.get("url")) if not ids.get("arxiv") else None,
            keywords=fields.keywords(fields.tex(values.get("keywords"), braces=True)),
            venue=fields.venue(values.get("journal") or values.get("journaltitle") or values.get("booktitle"), braces=True),
            **ids,
        )


def _values(entry: Any, strings: dict[str, str]) -> dict[str, str]:
    return {key.lower(): expand(str(field.value), strings) for key, field in entry.fields_dict.items()}


FORMAT = Format("bibtex", detect, read, "a BibTeX file")
