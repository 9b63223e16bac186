"""The four places where the MkDocs hooks reach into MkDocs' (or ProperDocs') internals,
each for a measured win (BENCHMARKS.md), and nowhere else:

- `read_front_matter`: a paper page's front matter is read as the generator writes it (a key
  a line, values in JSON) with `json`, not PyYAML (`Page.read_source` replaced);
- `render_html`: a page the generator rendered to HTML skips Python-Markdown (`Page.render`
  replaced);
- `SecondProcess`: half the paper pages are built by a forked copy of the build
  (`commands.build._build_page`);
- `watch_often`: `mkdocs serve` looks at the generator's inputs every 0.1 s, not 0.5 (the
  watchdog observer's `_timeout`).

`tests/test_mkdocs_internals.py` checks every name and signature used here against the
installed MkDocs and ProperDocs, and fails, naming it, when one changes.
"""

from __future__ import annotations

import functools
import json
import logging
import posixpath
import re
import sys
from typing import Any

from mkdocs.structure.toc import get_toc

INTERNALS = {
    "commands.build._build_page": "(page, config, doc_files, nav, env, dirty=False, excluded=False)",
    "structure.files.InclusionLevel.is_included": "(self)",
    "structure.pages.Page.read_source": "(self, config)",
    "structure.pages.Page.render": "(self, config, files)",
    "utils.meta.get_data": "(doc)",
}
"""The functions of the site tool's package that this module calls or replaces, with their
parameters (annotations aside), as tests/test_mkdocs_internals.py checks them. It also
checks `utils.meta.YAML_RE`, the attributes `read_source` and `render` set, and the live
preview server's observer."""


def watch_often(server: Any, paths: list[str], interval: float) -> None:
    """Watch `paths` (`server.watch`, public), polled every `interval` seconds. The server's
    watchdog observer hands its `_timeout` to each path it starts to watch; MkDocs' docs
    folder keeps MkDocs' interval (polling thousands of pages that often would keep a core
    busy). Without `_timeout`, the paths are polled at MkDocs' interval."""
    observer = getattr(server, "observer", None)
    before = getattr(observer, "_timeout", None)
    if isinstance(before, float):
        observer._timeout = min(before, interval)  # type: ignore[union-attr]
    try:
        for path in paths:
            server.watch(path)
    finally:
        if isinstance(before, float):
            observer._timeout = before  # type: ignore[union-attr]


def tool(config: Any) -> str:
    """The site tool's package: `mkdocs`, or `properdocs`."""
    return type(config).__module__.split(".")[0]


# ---------------------------------------------------------------- front matter


def read_front_matter(page: Any) -> None:
    """Read this page's front matter with `front_matter`."""
    page.read_source = functools.partial(_read_source, page)


def _read_source(page: Any, config: Any) -> None:
    """What `Page.read_source` sets, reading the front matter with `front_matter`, or as
    MkDocs does if it is not what the generator writes."""
    meta = sys.modules[f"{tool(config)}.utils.meta"]
    source = config.plugins.on_page_read_source(page=page, config=config)
    if source is None:
        source = page.file.content_string
    match = meta.YAML_RE.match(source)
    data = front_matter(match[1]) if match else None
    if data is None:
        page.markdown, page.meta = meta.get_data(source)
    else:
        page.markdown, page.meta = source[match.end():].lstrip("\n"), data


_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: (.*))?")
_YAML_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
"""Keys YAML 1.1 reads as booleans or null."""
_ESCAPED_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")


def front_matter(text: str) -> dict[str, Any] | None:
    """Front matter as `render.front_matter` writes it, a key a line, its value in JSON (a
    list of mappings: one `- {...}` line an item), read with `json`. The result is what
    PyYAML reads (tests/test_hostile.py compares them on every page of the hostile
    corpus). None for anything else, which MkDocs then reads itself: a hand-written line,
    or a value YAML 1.1 reads otherwise (a number in exponent notation is a string there;
    escaped surrogates are not paired)."""
    if _ESCAPED_SURROGATE.search(text):
        return None
    data: dict[str, Any] = {}
    items: list[Any] | None = None
    bare: set[str] = set()  # `key:` alone: a list of mappings follows, or YAML's null
    try:
        for line in text.splitlines():
            if line.startswith("- ") and items is not None:
                item = json.loads(line[2:], parse_float=_decimal_float, parse_constant=_no_constant)
                if not isinstance(item, dict):
                    return None
                items.append(item)
                continue
            match = _KEY.fullmatch(line)
            if match is None or match[1].casefold() in _YAML_WORDS:
                return None
            if match[2] is None:
                items = data[match[1]] = []
                bare.add(match[1])
                continue
            items = None
            data[match[1]] = json.loads(match[2], parse_float=_decimal_float, parse_constant=_no_constant)
    except ValueError:
        return None
    return {key: None if key in bare and value == [] else value for key, value in data.items()}


def _decimal_float(text: str) -> float:
    if "e" in text or "E" in text:
        raise ValueError(text)
    return float(text)


def _no_constant(text: str) -> Any:
    raise ValueError(text)


# ---------------------------------------------------------------- HTML bodies

_MD_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]*\.md)(#[^"]*)?"')
_ID = re.compile(r'\sid="([^"]+)"')


def render_html(page: Any) -> None:
    """Render this page, whose body is HTML already, without Python-Markdown."""
    page.render = functools.partial(_render, page)


def _render(page: Any, config: Any, files: Any) -> None:
    """What `Page.render` sets, for a body that is already HTML."""
    page.content = resolve_links(page.markdown, page, files)
    page.toc = get_toc([])
    page.present_anchor_ids = set(_ID.findall(page.content))


def resolve_links(html: str, page: Any, files: Any) -> str:
    """`href="../topics/x.md"` -> the URL of that page relative to this one, as MkDocs does
    for Markdown links (a link to no page is left as it is; tests/test_links.py finds it)."""
    folder = posixpath.dirname(page.file.src_uri)

    def url(match: re.Match[str]) -> str:
        target = files.get_file_from_path(posixpath.normpath(posixpath.join(folder, match[1])))
        return match[0] if target is None else f'href="{target.url_relative_to(page.file)}{match[2] or ""}"'

    return _MD_LINK.sub(url, html)


# ---------------------------------------------------------------- the second process


class SecondProcess:
    """Half the paper pages, built by a forked copy of the build while this process builds
    the rest (`mkdocs build` only). The copy has everything the pages need, as the build had
    it once every page was read; it writes its pages and exits, and this process renders an
    empty template for them, which MkDocs does not write. A warning logged in the copy is
    logged again here, so strict mode counts it."""

    SKIPPED = "reading-list-built-elsewhere.html"
    MIN_PAGES = 100
    """Paper pages for the copy, from which it is worth starting."""

    def __init__(self) -> None:
        self.nav: Any = None
        self.child: Any = None
        self.tool = "mkdocs"

    def start(self, env: Any, config: Any, files: Any) -> None:
        import jinja2

        from generator.incremental.processes import Child

        self.tool = tool(config)
        engine = sys.modules[f"{self.tool}.commands.build"]
        inclusion = sys.modules[f"{self.tool}.structure.files"].InclusionLevel.is_included
        pages = files.documentation_pages(inclusion=inclusion)
        papers = [f.page for f in pages if f.page is not None and f.page.meta.get("template") == "paper.html"][1::2]
        if len(papers) < self.MIN_PAGES:
            return
        self.child = Child(functools.partial(self._build, engine, papers, config, pages, env))
        for page in papers:
            page.meta["template"] = self.SKIPPED
        env.loader = jinja2.ChoiceLoader([jinja2.DictLoader({self.SKIPPED: ""}), env.loader])
        logging.getLogger(f"{self.tool}.hooks").info(f"{len(papers)} paper pages built by a second process")

    def _build(self, engine: Any, papers: list[Any], config: Any, pages: Any, env: Any) -> int:
        """In the forked copy: the number of warnings logged."""
        warnings = _Count(logging.WARNING)
        logging.getLogger(self.tool).addHandler(warnings)
        try:
            for page in papers:
                engine._build_page(page, config, pages, self.nav, env)
            return warnings.count
        finally:
            sys.stdout.flush()
            sys.stderr.flush()

    def finish(self) -> str | None:
        """Wait for the copy; what went wrong in it, if anything."""
        from generator.incremental.processes import ChildFailed

        if self.child is None:
            return None
        child, self.child = self.child, None
        try:
            warnings = child.result()
        except ChildFailed as error:
            return f"building paper pages in the second process failed: {error}"
        if warnings:
            logging.getLogger(self.tool).warning("warnings while building paper pages in the second process (above)")
        return None

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()
            self.child = None


class _Count(logging.Handler):
    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

