"""What the MkDocs hooks use of MkDocs' and ProperDocs' internals (`generator.mkdocs_internals`):
each name with its parameters, and what the replaced methods set on a page. A change in
either tool fails here, naming what changed, before it fails as a broken site."""

from __future__ import annotations

import importlib
import inspect

import pytest

from generator import mkdocs_internals


def parameters(function: object) -> str:
    signature = inspect.signature(function)  # type: ignore[arg-type]
    return "(" + ", ".join(str(p.replace(annotation=inspect.Parameter.empty)) for p in signature.parameters.values()) + ")"


def found(tool: str, dotted: str) -> object:
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            value = importlib.import_module(".".join([tool, *parts[:split]]))
        except ModuleNotFoundError:
            continue
        for name in parts[split:]:
            value = getattr(value, name)
        return value
    raise ModuleNotFoundError(dotted)


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
@pytest.mark.parametrize("name", sorted(mkdocs_internals.INTERNALS))
def test_each_internal_is_there_with_the_parameters_it_had(tool: str, name: str):
    assert parameters(found(tool, name)) == mkdocs_internals.INTERNALS[name], f"{tool}.{name} changed"


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_front_matter_is_split_off_as_the_tool_does(tool: str):
    meta = importlib.import_module(f"{tool}.utils.meta")
    source = '---\ntitle: "A \\"quoted\\" title"\nyear: 2024\n---\n\nBody text.\n'
    match = meta.YAML_RE.match(source)
    assert match is not None and mkdocs_internals.front_matter(match[1]) == meta.get_data(source)[1]
    assert source[match.end():].lstrip("\n") == meta.get_data(source)[0]


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_a_page_read_and_rendered_by_the_replacements_has_what_the_tool_sets(tool: str, tmp_path):
    """`read_source` sets `markdown` and `meta`; `render` sets `content`, `toc` and
    `present_anchor_ids`, which the tool reads after it."""
    config_module = importlib.import_module(f"{tool}.config")
    files_module = importlib.import_module(f"{tool}.structure.files")
    pages_module = importlib.import_module(f"{tool}.structure.pages")
    docs = tmp_path / "docs"
    (docs / "papers").mkdir(parents=True)
    (docs / "papers" / "a.md").write_text('---\ntitle: "A"\nbody: "html"\n---\n\n<h2 id="x">X</h2><a href="b.md">B</a>\n', "utf-8")
    (docs / "papers" / "b.md").write_text("# B\n", "utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: Test\ntheme: material\nplugins: []\n", "utf-8")
    config = config_module.load_config(str(tmp_path / "mkdocs.yml"))
    files = files_module.get_files(config)
    file = files.get_file_from_path("papers/a.md")
    page = pages_module.Page(None, file, config)
    mkdocs_internals.read_front_matter(page)
    page.read_source(config)
    assert page.meta == {"title": "A", "body": "html"} and page.markdown.startswith("<h2")
    mkdocs_internals.render_html(page)
    page.render(config, files)
    assert page.content.endswith('<a href="../b/">B</a>\n') and page.present_anchor_ids == {"x"} and list(page.toc) == []


@pytest.mark.parametrize("tool", ["mkdocs", "properdocs"])
def test_the_live_preview_servers_observer_takes_its_polling_interval_from_timeout(tool: str, tmp_path):
    """`watch_often` sets the observer's `_timeout` while it adds paths: each path watched
    then is polled at that interval, and the observer keeps its own for the rest."""
    livereload = importlib.import_module(f"{tool}.livereload")
    server = livereload.LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path), polling_interval=0.5)
    assert server.observer._timeout == 0.5
    (tmp_path / "inputs").mkdir()
    mkdocs_internals.watch_often(server, [str(tmp_path / "inputs")], 0.1)
    assert server.observer._timeout == 0.5
    emitters = list(server.observer.emitters)
    assert len(emitters) == 1 and emitters[0].timeout == 0.1
