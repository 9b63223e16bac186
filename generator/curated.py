"""Curated files (catalog.yml, taxonomy.yml, duplicates.yml), read one way.

A curated file is used whole or not at all: a YAML syntax error, a key the schema does not
know, a value of the wrong shape or a contradiction (a topic slug used twice) raises
`CuratedFileError` with `file:line:column`, before the build writes anything. Half-applying
a maintainer's curation (every title gone, every paper in "Other") and exiting 0 would
silently cost their work.

Every scalar is read as text, not through YAML's typing: `arxiv: 2401.10020` stays
`2401.10020` (not the float 2401.1002), `title: 1984` stays a title, `notes: no` stays
"no". The schemas in `schemas/` describe the files in those terms; the README lists them.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str | int, ...]
"""Where a value sits in a document: keys and list indices from the root."""

SCHEMAS = Path(__file__).parent / "schemas"
_NULLS = frozenset(["", "~", "null", "Null", "NULL"])


@dataclass(frozen=True)
class Issue:
    """One thing wrong with a curated file, at a 1-based line and column."""

    line: int
    column: int
    message: str


class CuratedFileError(Exception):
    """A curated file that cannot be used. One line per issue: `file:line:column: message`."""

    def __init__(self, file: str, issues: list[Issue]) -> None:
        self.file = file
        self.issues = sorted(issues, key=lambda issue: (issue.line, issue.column, issue.message))
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(f"{self.file}:{i.line}:{i.column}: {i.message}" if i.line else f"{self.file}: {i.message}" for i in self.issues)


@dataclass
class Document:
    """A curated file's data, with where each value (and each mapping key) starts."""

    name: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def line(self, path: Path_) -> int:
        return self.where(path)[0]

    def where(self, path: Path_) -> tuple[int, int]:
        """Line and column of the value at `path`, or of its nearest enclosing value."""
        while path not in self.marks and path:
            path = path[:-1]
        return self.marks.get(path, (1, 1))

    def issue(self, path: Path_, message: str, key: bool = False) -> Issue:
        line, column = self.key_marks.get(path, self.where(path)) if key else self.where(path)
        return Issue(line, column, message)


def display_name(path: Path) -> str:
    """The path as the user would type it: relative to the working folder when inside it."""
    try:
        return Path(os.path.relpath(path)).as_posix() if not str(os.path.relpath(path)).startswith("..") else str(path)
    except ValueError:  # another drive on Windows
        return str(path)


def load(path: Path, schema: str) -> Document:
    """Parse and validate a curated file; a missing file is an empty document (the command
    line refuses a missing file the user named)."""
    name = display_name(path)
    if not path.exists():
        return Document(name, {})
    if not path.is_file():
        raise CuratedFileError(name, [Issue(0, 0, "not a file")])
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as error:
        raise CuratedFileError(name, [Issue(0, 0, f"not UTF-8 text (invalid byte at offset {error.start})")]) from None
    except OSError as error:
        raise CuratedFileError(name, [Issue(0, 0, f"cannot read it ({error.strerror})")]) from None
    try:
        node = yaml.compose(text, Loader=yaml.BaseLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        message = " ".join(part for part in (error.context, error.problem) if part)
        raise CuratedFileError(name, [Issue(mark.line + 1 if mark else 0, mark.column + 1 if mark else 0, f"YAML syntax error: {message}")]) from None
    except yaml.YAMLError as error:
        raise CuratedFileError(name, [Issue(0, 0, f"YAML error: {' '.join(str(error).split())}")]) from None
    document = Document(name, None)
    issues: list[Issue] = []
    document.data = _construct(node, (), document, issues) if node is not None else {}
    if document.data is None:
        document.data = {}
    issues += validate(document, schema)
    if issues:
        raise CuratedFileError(name, issues)
    return document


def _construct(node: yaml.Node, path: Path_, document: Document, issues: list[Issue]) -> Any:
    """Plain data from a YAML node: mappings, lists and text; a duplicate key is an issue."""
    document.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else "?"
            key_mark = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in result:
                first = document.key_marks[(*path, key)][0]
                issues.append(Issue(*key_mark, f"duplicate key {key!r} (first on line {first}); the second would silently win"))
                continue
            document.key_marks[(*path, key)] = key_mark
            result[key] = _construct(value_node, (*path, key), document, issues)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, index), document, issues) for index, item in enumerate(node.value)]
    value = str(node.value)
    return None if node.style is None and value in _NULLS else value


@cache
def _validator(schema: str) -> Any:
    import jsonschema

    data = json.loads((SCHEMAS / f"{schema}.schema.json").read_text("utf-8"))
    return jsonschema.Draft202012Validator(data)


_TYPES = {"string": "text", "array": "a list", "object": "a mapping", "integer": "a whole number", "null": "nothing"}


def validate(document: Document, schema: str) -> list[Issue]:
    """Schema issues, each placed at the offending key or value and worded for a person."""
    issues = []
    for error in _validator(schema).iter_errors(document.data):
        path: Path_ = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            allowed = sorted(error.schema.get("properties", {}))
            for key in sorted(set(error.instance) - set(allowed)):
                issues.append(document.issue((*path, key), f"unknown key {key!r}{suggest(key, allowed)}", key=True))
            continue
        what = _what(path)
        got = "" if isinstance(error.instance, (dict, list)) else f", got {_shown(error.instance)}"
        custom = error.schema.get("x-message") if isinstance(error.schema, dict) else None
        if error.validator == "required":
            message = f"{what} is missing {error.message.split(chr(39))[1]!r}"
        elif custom:
            message = f"{what} {custom}{got}" if custom.startswith("must") else custom
        elif error.validator == "type":
            expected = error.validator_value if isinstance(error.validator_value, str) else error.validator_value[0]
            message = f"{what} must be {_TYPES.get(expected, expected)}{got or ', got ' + _shown(error.instance)}"
        else:
            message = f"{what}: {error.message}"
        issues.append(document.issue(path, message))
    return issues


def _what(path: Path_) -> str:
    if not path:
        return "the file"
    if isinstance(path[-1], str):
        return f"{path[-1]!r}"
    if len(path) >= 2 and isinstance(path[-2], str):
        return f"item {path[-1] + 1} of {path[-2]!r}"
    return "this entry"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"


def suggest(value: str, known: list[str]) -> str:
    """`; did you mean 'x'?` for a near miss, else the known values."""
    close = difflib.get_close_matches(value, known, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(known)}"
