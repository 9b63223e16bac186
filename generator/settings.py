"""What belongs to a list rather than to the generator, read from the site's `mkdocs.yml`.

MkDocs' own keys name the list (`site_name`, `site_description`, `site_url`, `copyright`,
`repo_url`); the home page's intro, search examples and the feed's title and author sit
under `extra: reading_list:`:

    extra:
      reading_list:
        intro: A reading list of ... (Markdown)
        search_examples: [sycophancy, reward model]
        feed_title: ...          # default: site_name
        feed_author: ...         # default: none

A `home.md` next to `mkdocs.yml`, when there is one, is the home page's text instead of
`intro` (the generated sections follow it). Only these values reach the pages: editing
the theme or the plugins of `mkdocs.yml` changes nothing here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .curated import CuratedFileError, Issue

KEYS = frozenset(["intro", "search_examples", "feed_title", "feed_author"])


@dataclass(frozen=True)
class ListSettings:
    name: str = "Reading list"
    description: str = ""
    url: str = ""
    """The hosted site's address (`site_url`, SITE_URL when set); "" for none."""
    copyright: str = ""
    repo_url: str = ""
    intro: str = ""
    """Markdown: `home.md`'s text, else `extra.reading_list.intro`, else the description."""
    search_examples: tuple[str, ...] = ()
    feed_title: str = ""
    feed_author: str = ""
    language: str = "en"
    """The interface's language (`theme.language`)."""


class _Loader(yaml.SafeLoader):
    """YAML as MkDocs reads it: `!ENV [NAME, default]` is the environment's value; other
    tags (`!!python/name:...` of Markdown extensions) are kept as their text."""


def _env(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    values = loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode) else [loader.construct_scalar(node)]  # type: ignore[arg-type]
    names, default = (values[:-1], values[-1]) if len(values) > 1 else (values, None)
    return next((os.environ[str(name)] for name in names if str(name) in os.environ), default)


def _other(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    return node.value if isinstance(node, yaml.ScalarNode) else None


_Loader.add_constructor("!ENV", _env)
_Loader.add_multi_constructor("", _other)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _other)


def load_settings(config: Path | None) -> ListSettings:
    """The list's settings from its `mkdocs.yml` (defaults without one). A file that is not
    YAML, or settings of the wrong shape, raise `CuratedFileError`."""
    if config is None or not config.is_file():
        return ListSettings()
    name = str(config)
    try:
        data = yaml.load(config.read_text("utf-8"), Loader=_Loader) or {}  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise CuratedFileError(name, [Issue(mark.line + 1 if mark else 0, mark.column + 1 if mark else 0, str(getattr(error, "problem", error)))]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise CuratedFileError(name, [Issue(0, 0, f"cannot read it ({error})")]) from None
    if not isinstance(data, dict):
        raise CuratedFileError(name, [Issue(1, 1, "expected a mapping of settings")])
    extra = data.get("extra") if isinstance(data.get("extra"), dict) else {}
    own = extra.get("reading_list") or {}
    issues = []
    if not isinstance(own, dict):
        issues.append(Issue(0, 0, "extra.reading_list: expected a mapping (intro, search_examples, feed_title, feed_author)"))
        own = {}
    for key in sorted(set(own) - KEYS):
        issues.append(Issue(0, 0, f"extra.reading_list.{key}: unknown setting (known: {', '.join(sorted(KEYS))})"))
    examples = own.get("search_examples") or []
    if isinstance(examples, str) or not isinstance(examples, list):
        issues.append(Issue(0, 0, "extra.reading_list.search_examples: expected a list of words"))
        examples = []
    for key in ("intro", "feed_title", "feed_author"):
        if own.get(key) is not None and not isinstance(own.get(key), str):
            issues.append(Issue(0, 0, f"extra.reading_list.{key}: expected text"))
    if issues:
        raise CuratedFileError(name, issues)
    theme = data.get("theme") if isinstance(data.get("theme"), dict) else {}
    home = config.parent / "home.md"
    text = lambda value: str(value).strip() if value is not None else ""  # noqa: E731
    site_name = text(data.get("site_name")) or ListSettings.name
    return ListSettings(
        name=site_name,
        description=text(data.get("site_description")),
        url=text(data.get("site_url")),
        copyright=text(data.get("copyright")),
        repo_url=text(data.get("repo_url")),
        intro=home.read_text("utf-8").strip() if home.is_file() else text(own.get("intro")) or text(data.get("site_description")),
        search_examples=tuple(text(example) for example in examples if text(example)),
        feed_title=text(own.get("feed_title")) or site_name,
        feed_author=text(own.get("feed_author")),
        language=text(theme.get("language")) or "en",
    )
