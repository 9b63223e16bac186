"""Every internal link, asset and anchor of the built site resolves (hosted and offline)."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from support import mkdocs_build


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(values["id"] or "")
        for name in ("href", "src"):
            if values.get(name) and not (tag == "link" and values.get("rel") in ("canonical", "alternate")):
                self.links.append(values[name] or "")


def _parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text("utf-8"))
    return parser


def broken_links(site: Path) -> list[str]:
    """Internal links whose file or anchor does not exist, as 'page -> link'.

    404.html is skipped: it is served at any missing path, so MkDocs gives it links from
    the site root (from site_url's path when one is set)."""
    pages = {path: _parse(path) for path in site.rglob("*.html")}
    broken = []
    for page, parsed in pages.items():
        if page.name == "404.html" and page.parent == site:
            continue
        for link in parsed.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{page.relative_to(site)} -> {link}")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in pages[target].ids:
                broken.append(f"{page.relative_to(site)} -> {link} (no such anchor)")
    return broken


def test_no_broken_internal_links_in_the_hosted_site(seeds_site: Path):
    site = seeds_site / "site"
    assert len(list(site.rglob("*.html"))) > 40
    assert broken_links(site) == []


def test_no_broken_internal_links_in_the_offline_site(seeds_site: Path, tmp_path: Path):
    result = mkdocs_build(seeds_site, "--site-dir", str(tmp_path / "offline"), env={"OFFLINE": "true"})
    assert result.returncode == 0, result.stderr
    assert broken_links(tmp_path / "offline") == []


def test_the_checker_finds_a_broken_link(tmp_path: Path):
    (tmp_path / "a.html").write_text('<a href="b.html">b</a><a href="a.html#nowhere">x</a><p id="here"></p><a href="#here">ok</a>', "utf-8")
    assert broken_links(tmp_path) == ["a.html -> b.html", "a.html -> a.html#nowhere (no such anchor)"]
